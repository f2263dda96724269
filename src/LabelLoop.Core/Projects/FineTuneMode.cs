namespace LabelLoop.Core.Projects;

/// <summary>How a model starts from the project's pretrained encoder.</summary>
public enum FineTuneMode
{
    /// <summary>Train the whole model from the pretrained encoder, the encoder at the head's learning rate.</summary>
    FineTune,

    /// <summary>Keep the encoder as pretrained and train the classification head only.</summary>
    Freeze,
}
