using System.Runtime.InteropServices;

namespace LabelLoop.Ml.Native;

/// <summary>The exports of liblabelloop_native.so; see labelloop_native.h for every contract.</summary>
/// <remarks>
/// Call <see cref="NativeLibraryLoader.EnsureLoaded"/> before the first call so the resolver and the
/// ABI check are in place, and check each status with <see cref="NativeErrors.ThrowIfFailed"/>
/// immediately, on the same thread.
/// </remarks>
internal static unsafe partial class LabelLoopNative
{
    internal const string LibraryName = "labelloop_native";

    /// <summary>The LL_ABI_VERSION this assembly was written against.</summary>
    internal const int ExpectedAbiVersion = 2;

    [LibraryImport(LibraryName, EntryPoint = "ll_abi_version")]
    internal static partial int ll_abi_version();

    [LibraryImport(LibraryName, EntryPoint = "ll_last_error")]
    internal static partial int ll_last_error(byte* buffer, int capacity);

    [LibraryImport(LibraryName, EntryPoint = "ll_engine_init")]
    internal static partial NativeStatus ll_engine_init(int threads, ulong seed);

    [LibraryImport(LibraryName, EntryPoint = "ll_engine_describe")]
    internal static partial NativeStatus ll_engine_describe(LlEngineInfo* info);

    [LibraryImport(LibraryName, EntryPoint = "ll_engine_cuda_available")]
    internal static partial int ll_engine_cuda_available();

    [LibraryImport(LibraryName, EntryPoint = "ll_engine_measure_blas")]
    internal static partial NativeStatus ll_engine_measure_blas(int n, int repeats, out double gflops);

    [LibraryImport(LibraryName, EntryPoint = "ll_model_create")]
    internal static partial NativeStatus ll_model_create(in LlModelConfig config, int device, out SafeModelHandle model);

    [LibraryImport(LibraryName, EntryPoint = "ll_model_describe")]
    internal static partial NativeStatus ll_model_describe(SafeModelHandle model, ref LlModelConfig config, out int device);

    [LibraryImport(LibraryName, EntryPoint = "ll_model_train")]
    internal static partial NativeStatus ll_model_train(
        SafeModelHandle model,
        in LlBatch batch,
        int* labels,
        long labelCount,
        float* classWeights,
        int classWeightCount,
        in LlTrainOptions options,
        delegate* unmanaged<LlProgress*, void*, int> progress,
        void* userData,
        ref LlTrainResult result);

    [LibraryImport(LibraryName, EntryPoint = "ll_model_pretrain")]
    internal static partial NativeStatus ll_model_pretrain(
        SafeModelHandle model,
        in LlBatch batch,
        in LlPretrainOptions options,
        delegate* unmanaged<LlProgress*, void*, int> progress,
        void* userData,
        ref LlPretrainResult result);

    [LibraryImport(LibraryName, EntryPoint = "ll_model_predict")]
    internal static partial NativeStatus ll_model_predict(
        SafeModelHandle model, in LlBatch batch, float* probabilities, long capacity, out long written);

    [LibraryImport(LibraryName, EntryPoint = "ll_model_predict_mc")]
    internal static partial NativeStatus ll_model_predict_mc(
        SafeModelHandle model, in LlBatch batch, int passes, ulong seed, float* probabilities, long capacity, out long written);

    [LibraryImport(LibraryName, EntryPoint = "ll_model_embed")]
    internal static partial NativeStatus ll_model_embed(
        SafeModelHandle model, in LlBatch batch, float* embeddings, long capacity, out long written);

    [LibraryImport(LibraryName, EntryPoint = "ll_model_save", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NativeStatus ll_model_save(SafeModelHandle model, string path);

    [LibraryImport(LibraryName, EntryPoint = "ll_model_load", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NativeStatus ll_model_load(string path, int device, LlModelConfig* expected, out SafeModelHandle model);

    [LibraryImport(LibraryName, EntryPoint = "ll_model_copy_encoder")]
    internal static partial NativeStatus ll_model_copy_encoder(SafeModelHandle source, SafeModelHandle target);

    [LibraryImport(LibraryName, EntryPoint = "ll_model_free")]
    internal static partial void ll_model_free(IntPtr model);

    [LibraryImport(LibraryName, EntryPoint = "ll_image_decode")]
    internal static partial NativeStatus ll_image_decode(
        byte* data, long byteCount, long* lengths, long imageCount, int channels, int size, float* output, long capacity, out long written);
}
