namespace LabelLoop.Core.Jobs;

/// <summary>
/// How long each committee member trains per round: a step budget that grows with the label count, so a model is
/// trained to convergence at every size of the labeled set, not for a fixed small number of steps.
/// </summary>
/// <remarks>
/// A few dozen labels converge in a few hundred optimizer steps (many passes over a tiny set, with augmentation);
/// a few hundred labels need on the order of a thousand. The cap keeps a round within seconds on two cores.
/// A project can fix the count instead (<see cref="LoopSettings.TrainingSteps"/>).
/// </remarks>
public static class TrainingSchedule
{
    /// <summary>The most steps a project may fix.</summary>
    public const int MaxFixedSteps = 20_000;

    /// <summary>Steps at the smallest label counts.</summary>
    public const int MinSteps = 300;

    /// <summary>Steps added per label.</summary>
    public const double StepsPerLabel = 2.5;

    /// <summary>Steps at most, however many labels.</summary>
    public const int MaxSteps = 1500;

    /// <summary>The steps for <paramref name="labels"/> training items: <paramref name="fixedSteps"/> when above 0, else the automatic budget.</summary>
    public static int StepsFor(int labels, int fixedSteps = 0) =>
        fixedSteps > 0 ? fixedSteps : Math.Clamp((int)Math.Round(MinSteps + (StepsPerLabel * Math.Max(0, labels))), MinSteps, MaxSteps);

    /// <summary>Steps of a warm round at the smallest label counts.</summary>
    public const int WarmMinSteps = 100;

    /// <summary>Warm steps added per label.</summary>
    public const double WarmStepsPerLabel = 0.1;

    /// <summary>Warm steps added per label the previous model has not seen.</summary>
    public const double WarmStepsPerNewLabel = 0.5;

    /// <summary>
    /// The steps of a round that continues from the previous round's model (a warm start): it has learnt the earlier
    /// labels already, so a fraction of the cold budget at a few hundred labels (140 steps at 300 labels after 20 new ones, against
    /// 1,050). <paramref name="fixedSteps"/> when above 0.
    /// </summary>
    /// <remarks>
    /// The budget grows with the labels and more with the <paramref name="newLabels"/> the previous model has not seen,
    /// up to the cold budget: a round after 20 new labels at 300 trains 140 steps, one that doubles 500 labels to 1,000
    /// trains 450. A flat 0.25 steps per label trained the first 45 steps more for the same accuracy and the second too
    /// little (bench/active-learning.md).
    /// </remarks>
    public static int WarmStepsFor(int labels, int fixedSteps = 0, int newLabels = 0) =>
        fixedSteps > 0
            ? fixedSteps
            : Math.Clamp((int)Math.Round(WarmMinSteps + (WarmStepsPerLabel * Math.Max(0, labels)) + (WarmStepsPerNewLabel * Math.Max(0, newLabels))),
                WarmMinSteps, StepsFor(labels));

    /// <summary>The largest share of a round's labels that the previous model may not have seen for the round to continue from it.</summary>
    public const double WarmMaxNewShare = 0.25;

    /// <summary>
    /// Whether a round on <paramref name="labels"/> labels, <paramref name="newLabels"/> of them new since the previous
    /// model, continues from that model (a warm start) rather than starting over: only while the new labels are at most
    /// <see cref="WarmMaxNewShare"/> of the whole.
    /// </summary>
    /// <remarks>
    /// A network fitted to far fewer labels is a poor start: continuing from it generalises worse than training from
    /// scratch, however long it trains (Ash and Adams, "On Warm-Starting Neural Network Training", NeurIPS 2020). On the
    /// Fashion-MNIST sample, rounds that added 30% or more of their labels (350 to 500, 500 to 1,000) ended 0.5 to 3
    /// points lower warm than cold, while rounds after 20 to 40 new labels on a few hundred were level
    /// (bench/active-learning.md). The live loop retrains every 20 labels, so it continues warm from 80 labels on.
    /// </remarks>
    public static bool ContinuesWarm(int labels, int newLabels) =>
        newLabels <= Math.Max(0, labels) * WarmMaxNewShare;

    /// <summary>Items per optimizer step: the whole set while it is small, then 64.</summary>
    public static int BatchSizeFor(int labels) => Math.Clamp(labels, 1, 64);
}
