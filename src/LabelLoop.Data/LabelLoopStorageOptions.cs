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

    /// <summary>Uploads waiting for their import job.</summary>
    public string UploadsDir => Path.Combine(FullDataDir, "uploads");
}
