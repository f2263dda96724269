namespace LabelLoop.Jobs;

/// <summary>Settings of the job system. Configuration section <c>Jobs</c>.</summary>
public sealed class JobsOptions
{
    /// <summary>Whether this process runs jobs. Off on web-only nodes, which still enqueue into the shared store.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Heavy ML jobs (training, scoring) one node runs at once; 1 keeps a small machine's web responsive.</summary>
    public int MaxConcurrentMlJobs { get; set; } = 1;

    /// <summary>
    /// libtorch CPU threads; 0 picks them from the machine's cores: every core in <c>labelloop worker</c>, all but
    /// one (at least one) where the web shares the machine.
    /// </summary>
    /// <remarks>
    /// libtorch's OpenMP threads wait for each other at every operation; when the web or anything else takes a
    /// core they lose whole scheduler slices at those waits. Measured on two busy cores: a 5-second training
    /// took over 60 seconds with two threads, and 5 seconds with one.
    /// </remarks>
    public int TorchThreads { get; set; }

    /// <summary>True in <c>labelloop worker</c>: the process has the machine to itself.</summary>
    public bool DedicatedWorker { get; set; }

    /// <summary>
    /// How long a running job's node may be silent (its heartbeat on the job-run row, written every two seconds)
    /// before another node takes the run over.
    /// </summary>
    public double RunHeartbeatTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// How long a job Hangfire handed to a worker stays invisible to others. On PostgreSQL the worker's node keeps
    /// extending it while it runs (a sliding timeout), so only a dead node's job is fetched again, after this long;
    /// on SQLite (one node) a restarted node fetches its unfinished jobs again after this long.
    /// </summary>
    public double InvisibilityTimeoutSeconds { get; set; } = 60;

    /// <summary>How often an idle worker looks for new jobs, in milliseconds (also how often scheduled jobs are due).</summary>
    public int QueuePollMilliseconds { get; set; } = 500;

    /// <summary>The queues this node's workers serve: <c>ml</c>, <c>default</c> or both (the default).</summary>
    public string? Queues { get; set; }

    /// <summary>
    /// The least time between two checks of the learning loop on one node, in milliseconds: a committed label wakes
    /// the check (see <see cref="LoopTrigger"/>), and however fast labels arrive it runs at most this often.
    /// </summary>
    public int LoopCheckMilliseconds { get; set; } = 250;

    /// <summary>Transient failures (database, disk) are retried this many times with exponential back-off.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's wait, in seconds; each later one doubles it.</summary>
    public double RetryDelaySeconds { get; set; } = 10;

    /// <summary>Side of the square images models see, in pixels.</summary>
    public int ImageSize { get; set; } = 28;

    /// <summary>Base channel count of image models (16 gives 16/32/64 conv channels): small enough to train and score a 10,000-item pool in seconds on two cores.</summary>
    public int ModelWidth { get; set; } = 16;

    /// <summary>
    /// Fewest passes over the labels per training. The optimizer steps come from the project (its training steps, or
    /// by default a budget that grows with the label count: <see cref="Core.Jobs.TrainingSchedule"/>).
    /// </summary>
    public int MinEpochs { get; set; } = 1;

    /// <summary>Most passes over the labels per training, a cap below the step budget (tests shorten trainings with it).</summary>
    public int MaxEpochs { get; set; } = 1000;

    /// <summary>Pretraining epochs over the pool; the default fits a 10,000-image pool in minutes on two cores (bench/pretraining.md).</summary>
    public int PretrainEpochs { get; set; } = 20;

    /// <summary>Items per pretraining step (a contrastive step sees twice as many views).</summary>
    public int PretrainBatchSize { get; set; } = 256;

    /// <summary>Pretraining saves a checkpoint every this many epochs; a crashed run resumes from the last one.</summary>
    public int PretrainEpochsPerCheckpoint { get; set; } = 10;

    /// <summary>A project is pretrained once it has this many items with content.</summary>
    public int PretrainMinItems { get; set; } = 200;

    /// <summary>And again when its pool has grown by this share (percent) since.</summary>
    public int PretrainGrowthPercent { get; set; } = 50;

    /// <summary>Pools larger than this are pretrained on a random sample of this size (embeddings still cover every item).</summary>
    public int PretrainMaxItems { get; set; } = 50_000;

    /// <summary>Decoded images kept in memory between runs (per process); 0 disables the cache.</summary>
    public int DecodeCacheItems { get; set; } = 100_000;

    /// <summary>
    /// A pause after every training epoch, in milliseconds. For demonstrations and the crash-recovery test,
    /// which need a training that runs long enough to be interrupted; 0 in normal use.
    /// </summary>
    public int EpochDelayMilliseconds { get; set; }

    /// <summary>The name this node's Hangfire servers show on the dashboard; empty uses the host name and process id.</summary>
    public string? InstanceId { get; set; }
}
