namespace LabelLoop.Ml.Text;

/// <summary>Texts encoded by <see cref="TextTokenizer.Encode"/> as fixed-length rows of token ids.</summary>
/// <param name="Ids">Count x MaxTokens ids, row-major, padded with 0.</param>
/// <param name="Lengths">Tokens kept per item (at most MaxTokens).</param>
/// <param name="Count">Number of items.</param>
/// <param name="MaxTokens">Row length.</param>
public sealed record TokenizedText(long[] Ids, int[] Lengths, int Count, int MaxTokens);
