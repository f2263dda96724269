using Quartz;

namespace LabelLoop.Jobs;

/// <summary>Names of our jobs and triggers in the scheduler's store.</summary>
public static class JobKeys
{
    /// <summary>Job group of the per-project train-and-score chains.</summary>
    public const string TrainAndScoreGroup = "train-and-score";

    /// <summary>Job group of the per-project pretraining jobs.</summary>
    public const string PretrainGroup = "pretrain";

    /// <summary>Trigger group of job-run firings: one trigger per <c>JobRun</c>, named after its id.</summary>
    public const string RunTriggerGroup = "job-runs";

    /// <summary>
    /// Execution group of libtorch work: each node runs at most <see cref="JobsOptions.MaxConcurrentMlJobs"/> of
    /// these at once, whatever its thread pool size.
    /// </summary>
    public const string MlExecutionGroup = "ml";

    /// <summary>
    /// One job per project, durable and non-concurrent: two chains of one project never run at once, while
    /// different projects' chains may run side by side on different nodes.
    /// </summary>
    public static JobKey TrainAndScore(int projectId) => new($"project-{projectId}", TrainAndScoreGroup);

    /// <summary>Job group of the per-project import jobs.</summary>
    public const string ImportGroup = "import";

    /// <summary>One import job per project, durable and non-concurrent: a project's uploads are imported one at a time.</summary>
    public static JobKey Import(int projectId) => new($"project-{projectId}", ImportGroup);

    /// <summary>One pretraining job per project, durable and non-concurrent.</summary>
    public static JobKey Pretrain(int projectId) => new($"project-{projectId}", PretrainGroup);
    /// <summary>Job group of exports.</summary>
    public const string ExportGroup = "export";

    /// <summary>The one durable export job; each export run fires it with its own trigger.</summary>
    public static JobKey Export { get; } = new("export", ExportGroup);

    /// <summary>Job group of the per-project simulations.</summary>
    public const string SimulateGroup = "simulate";

    /// <summary>One simulation job per project, durable and non-concurrent.</summary>
    public static JobKey Simulate(int projectId) => new($"project-{projectId}", SimulateGroup);

    /// <summary>The trigger that fires job run <paramref name="jobRunId"/>.</summary>
    public static TriggerKey RunTrigger(long jobRunId) => new($"run-{jobRunId}", RunTriggerGroup);

    /// <summary>Job data key: the <c>JobRun</c> id (job data carries ids only).</summary>
    public const string JobRunId = "jobRunId";
}
