namespace LabelLoop.Core.Projects;

/// <summary>Which model a text project's committee members are.</summary>
public enum TextModel
{
    /// <summary>
    /// Multinomial logistic regression on hashed tf-idf features of words, word pairs and character n-grams, trained to
    /// convergence: the stronger model with a few hundred labels, and it trains in well under a second.
    /// </summary>
    Linear,

    /// <summary>The neural text encoder (token embeddings and 1-D convolutions) with a classification head; it can start from the pretrained encoder.</summary>
    Neural,
}
