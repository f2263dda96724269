using LabelLoop.Ml.Tests;

namespace LabelLoop.Ml.TorchSharp.Tests;

// The engine-behaviour tests of LabelLoop.Ml.Tests, held to the same assertions on TorchSharpEngine.

public sealed class TorchSharpTrainingTests(TorchSharpTrainedImageModel trained) : TrainingTests(trained);

public sealed class TorchSharpPretrainingTests(TorchSharpTrainedImageModel trained) : PretrainingTests(trained);

public sealed class TorchSharpBadInputTests(TorchSharpTrainedImageModel trained) : BadInputTests(trained);

public sealed class TorchSharpColourModelTests(TorchSharpTrainedImageModel fixture) : ColourModelTests(fixture);

public sealed class TorchSharpTextModelTests(TorchSharpTrainedImageModel fixture) : TextModelTests(fixture);

public sealed class TorchSharpCudaTests(TorchSharpTrainedImageModel trained) : CudaTests(trained);

public sealed class TorchSharpModelTests(TorchSharpTrainedImageModel trained) : ModelTests(trained);
