namespace LabelLoop.Core.Projects;

/// <summary>Which model a text project's committee members are.</summary>
public enum TextModel
{
    /// <summary>
    /// Multinomial logistic regression on hashed word and bigram tf-idf features, trained to convergence: the
    /// stronger model with a few hundred labels, and it trains in well under a second.
    /// </summary>
    Linear,

    /// <summary>The neural text encoder (token embeddings and 1-D convolutions) with a classification head; it can start from the pretrained encoder.</summary>
    Neural,
}
