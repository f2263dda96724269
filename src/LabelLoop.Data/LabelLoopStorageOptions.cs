namespace LabelLoop.Data;

/// <summary>Where LabelLoop keeps files. Bound from configuration key <c>DataDir</c> (default <c>./data</c>).</summary>
public sealed class LabelLoopStorageOptions
{
    public string DataDir { get; set; } = "data";

    public string FullDataDir => Path.GetFullPath(DataDir);

    public string BlobsDir => Path.Combine(FullDataDir, "blobs");

    public string ModelsDir => Path.Combine(FullDataDir, "models");

    public string ExportsDir => Path.Combine(FullDataDir, "exports");

    public string TempDir => Path.Combine(FullDataDir, "tmp");

    /// <summary>
    /// How long a temporary under <see cref="TempDir"/> or <c>exports/tmp</c> must be untouched before start-up removes it
    /// (<see cref="TempFileSweeper"/>). Configuration key <c>Storage:TempMaxAgeHours</c>; default 6, at least 1.
    /// </summary>
    public TimeSpan TempMaxAge { get; set; } = DefaultTempMaxAge;

    public static readonly TimeSpan DefaultTempMaxAge = TimeSpan.FromHours(6);

    /// <summary>Uploads waiting for their import job.</summary>
    public string UploadsDir => Path.Combine(FullDataDir, "uploads");
}
