using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using Xunit;

namespace LabelLoop.Core.Tests.Jobs;

/// <summary>What a new project trains with: no flips, the linear text model, a step budget that grows with the labels.</summary>
public sealed class TrainingDefaultsTests
{
    private static readonly int[] LabelCounts = [1, 20, 100, 300, 1000, 100_000];

    [Fact]
    public void A_new_project_does_not_flip_uses_the_linear_text_model_and_picks_its_steps_from_the_labels()
    {
        var project = new Project { Name = "p" };

        Assert.False(project.AllowHorizontalFlip);
        Assert.False(new ProjectInput("p", ProjectKind.Image, []).AllowHorizontalFlip);
        Assert.Equal((TextModel.Linear, 0, true), (project.TextModel, project.TrainingSteps, project.WarmStart));
    }

    [Fact]
    public void The_step_budget_grows_with_the_labels_between_its_bounds_unless_the_project_fixes_it()
    {
        var steps = LabelCounts.Select(n => TrainingSchedule.StepsFor(n)).ToList();

        Assert.Equal(steps.Order(), steps);
        Assert.Equal(TrainingSchedule.MinSteps, TrainingSchedule.StepsFor(0));
        Assert.Equal(TrainingSchedule.MaxSteps, steps[^1]);
        Assert.InRange(TrainingSchedule.StepsFor(300), 800, TrainingSchedule.MaxSteps);
        Assert.Equal(120, TrainingSchedule.StepsFor(300, fixedSteps: 120));
        var warm = LabelCounts.Select(n => TrainingSchedule.WarmStepsFor(n)).ToList();
        Assert.Equal(warm.Order(), warm);
        Assert.All(LabelCounts.Where(n => n <= 1000), n => Assert.True(TrainingSchedule.WarmStepsFor(n) * 3 <= TrainingSchedule.StepsFor(n), $"{n} labels"));
        Assert.Equal(120, TrainingSchedule.WarmStepsFor(300, fixedSteps: 120));
        // Labels the previous model has not seen add steps, up to the cold budget.
        Assert.Equal(140, TrainingSchedule.WarmStepsFor(300, newLabels: 20));
        Assert.Equal(450, TrainingSchedule.WarmStepsFor(1000, newLabels: 500));
        Assert.Equal(TrainingSchedule.StepsFor(100), TrainingSchedule.WarmStepsFor(100, newLabels: 100_000));
        Assert.Equal(120, TrainingSchedule.WarmStepsFor(300, fixedSteps: 120, newLabels: 200));
    }

    [Fact]
    public void A_round_continues_warm_only_while_the_new_labels_are_at_most_a_quarter_of_them()
    {
        Assert.True(TrainingSchedule.ContinuesWarm(80, newLabels: 20));
        Assert.True(TrainingSchedule.ContinuesWarm(300, newLabels: 40));
        Assert.True(TrainingSchedule.ContinuesWarm(300, newLabels: 0));
        Assert.False(TrainingSchedule.ContinuesWarm(79, newLabels: 20));
        Assert.False(TrainingSchedule.ContinuesWarm(140, newLabels: 40));
        Assert.False(TrainingSchedule.ContinuesWarm(500, newLabels: 150));
        Assert.False(TrainingSchedule.ContinuesWarm(1000, newLabels: 500));
        Assert.False(TrainingSchedule.ContinuesWarm(0, newLabels: 1));
    }

    [Fact]
    public void Training_steps_and_the_text_model_are_validated()
    {
        var ok = new LoopSettings(20, 0, 0, 5, "margin", AllowHorizontalFlip: true, TextModel: TextModel.Neural, TrainingSteps: 0);
        var bad = new LoopSettings(20, 0, 0, 5, "margin", TextModel: (TextModel)5, TrainingSteps: TrainingSchedule.MaxFixedSteps + 1);
        var negative = new LoopSettings(20, 0, 0, 5, "margin", TrainingSteps: -1);

        Assert.Empty(ok.Validate());
        Assert.Equal(["textModel", "trainingSteps"], bad.Validate().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["trainingSteps"], negative.Validate().Keys);
    }
}
