namespace LabelLoop.Ml;

/// <summary>
/// The model engine seam: every operation works on whole batches. <see cref="TorchSharp.TorchSharpEngine"/> runs
/// libtorch; tests substitute a deterministic fake.
/// </summary>
/// <remarks>
/// <para>All methods are synchronous and compute-bound: call them from a background job, not a request thread.
/// Models returned by an engine belong to the caller, who disposes them, and may be passed only to the same
/// engine. Use one model from one thread at a time.</para>
/// <para>Output layouts are row-major: probabilities are items x classes, Monte Carlo output is
/// passes x items x classes, embeddings are items x <see cref="ModelSpec.EmbeddingDim"/>.</para>
/// </remarks>
public interface IModelEngine
{
    /// <summary>What the engine runs on; never throws, even when libtorch cannot load.</summary>
    EngineInfo Info { get; }

    /// <summary>Creates a freshly initialised model on the engine's device.</summary>
    EngineModel CreateModel(ModelSpec spec);

    /// <summary>Loads a checkpoint; when <paramref name="expected"/> is given the architecture must match it.</summary>
    EngineModel LoadModel(string path, ModelSpec? expected = null);

    /// <summary>Writes a versioned checkpoint of <paramref name="model"/> to <paramref name="path"/>, atomically.</summary>
    void SaveModel(EngineModel model, string path);

    /// <summary>Trains <paramref name="model"/> in place on a whole batch with one label per item.</summary>
    /// <returns>The outcome; on cancellation an <see cref="OperationCanceledException"/> is thrown and the model keeps its previous weights.</returns>
    TrainingResult Train(
        EngineModel model,
        ModelBatch batch,
        ReadOnlyMemory<int> labels,
        TrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Pretrains the encoder of <paramref name="model"/> on unlabeled items with a self-supervised pretext task
    /// (contrastive views for images, masked tokens for text); the classification head is untouched. The pretext
    /// head stays with the model in memory: a call with <see cref="PretrainingOptions.FirstEpoch"/> above 1 goes on
    /// with the previous call's head and optimizer state, so a run split into chunks learns as one call would; a
    /// loaded model (a resumed run) starts a fresh head.
    /// </summary>
    /// <returns>The outcome; on cancellation an <see cref="OperationCanceledException"/> is thrown and the encoder keeps its previous weights.</returns>
    PretrainingResult Pretrain(
        EngineModel model,
        ModelBatch batch,
        PretrainingOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default);

    /// <summary>Class probabilities, items x classes.</summary>
    float[] PredictProbabilities(EngineModel model, ModelBatch batch);

    /// <summary>Monte Carlo dropout probabilities, passes x items x classes.</summary>
    float[] PredictMonteCarlo(EngineModel model, ModelBatch batch, int passes, long seed);

    /// <summary>Encoder embeddings, items x embedding dimension.</summary>
    float[] Embed(EngineModel model, ModelBatch batch);

    /// <summary>
    /// <see cref="PredictProbabilities"/> and <see cref="Embed"/> of the same batch. An engine that can computes both
    /// from one pass through the encoder; this default runs the two calls.
    /// </summary>
    (float[] Probabilities, float[] Embeddings) PredictAndEmbed(EngineModel model, ModelBatch batch) =>
        (PredictProbabilities(model, batch), Embed(model, batch));

    /// <summary>Copies the encoder weights of <paramref name="source"/> into <paramref name="target"/>; the heads stay as they are.</summary>
    void CopyEncoder(EngineModel source, EngineModel target);

    /// <summary>Decodes encoded images (PNG, JPEG, BMP, GIF first frame, WebP) to items x channels x size x size floats in [0, 1] (see <see cref="ImageDecoder"/>).</summary>
    float[] DecodeImages(IReadOnlyList<ReadOnlyMemory<byte>> images, int channels, int size);
}
