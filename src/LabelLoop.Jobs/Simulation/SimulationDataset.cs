using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using LabelLoop.Jobs.Training;
using LabelLoop.Ml;
using LabelLoop.Ml.Text;

namespace LabelLoop.Jobs.Simulation;

/// <summary>A labeled dataset ready for the simulator: every item's model input and its true class.</summary>
public sealed record SimulationDataset(ModelSpec Spec, InputMatrix Inputs, IReadOnlyList<int> Labels, IReadOnlyList<string> ClassNames)
{
    public int Count => Labels.Count;

    /// <summary>
    /// Reads a dataset in an import layout (DESIGN.md §3): an image folder or zip with <c>ROOT/&lt;label&gt;/...</c>,
    /// or a text JSONL/CSV file (or folder of them). Items without a label are skipped; the classes are the labels
    /// found, in ordinal order. Images are read in colour when a sample of them has colour, as a project's are.
    /// </summary>
    /// <exception cref="InvalidDataException">The source has problems, no labeled items, or fewer than two classes.</exception>
    public static SimulationDataset Load(string path, IModelEngine engine, int imageSize = 28, int imageModelWidth = 16, ImportLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        limits ??= new ImportLimits();
        using var opened = OpenedImport.Open(path);
        var entries = opened.Listing.Entries;
        var errors = new List<ImportError>(opened.Listing.Errors);
        var isText = entries.Count > 0 && entries.Where(e => !ImportPaths.IsIgnorable(e.RelativePath))
            .All(e => ImportPaths.TextExtensions.Contains(Path.GetExtension(e.RelativePath)));
        var payloads = isText
            ? new TextImportReader(limits).Read(entries, errors).ToList()
            : new ImageImportReader(new ImageHeaderValidator(limits.MaxImageSide), limits).Read(entries, errors).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidDataException($"{path}: {errors.Count} problem(s), first: {errors[0]}");
        }
        var labeled = payloads.Where(p => p.Candidate.GroundTruth is not null).ToList();
        var classes = labeled.Select(p => p.Candidate.GroundTruth!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (classes.Count < 2)
        {
            throw new InvalidDataException($"{path}: a simulation needs labeled items of at least two classes; found {classes.Count} class(es) in {labeled.Count} labeled item(s).");
        }
        var classOf = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var labels = labeled.Select(p => classOf[p.Candidate.GroundTruth!]).ToList();
        if (isText)
        {
            return FromTexts(labeled.Select(p => p.Candidate.Text ?? "").ToList(), labels, classes);
        }
        var channels = ImageColourResolver.DetectSample(engine, [.. labeled.Select(p => (ReadOnlyMemory<byte>)p.Bytes!)]).Channels();
        var per = channels * imageSize * imageSize;
        var pixels = new float[(long)labeled.Count * per];
        const int chunk = 512;
        for (var start = 0; start < labeled.Count; start += chunk)
        {
            var part = labeled.Skip(start).Take(chunk).Select(p => (ReadOnlyMemory<byte>)p.Bytes!).ToList();
            engine.DecodeImages(part, channels, imageSize).CopyTo(pixels, (long)start * per);
        }
        return FromPixels(pixels, imageSize, labels, classes, imageModelWidth, channels);
    }

    /// <summary>Images already decoded: items x channels x size x size pixels in [0, 1] (channels 1 for grey, 3 for RGB).</summary>
    public static SimulationDataset FromPixels(
        float[] pixels, int imageSize, IReadOnlyList<int> labels, IReadOnlyList<string> classes, int modelWidth = 16, int channels = 1) =>
        new(ModelSpec.ForImages(classes.Count, channels, imageSize) with { Width = modelWidth },
            InputMatrix.OfPixels(pixels, channels * imageSize * imageSize), labels, classes);

    /// <summary>Texts, tokenized with a vocabulary built from them (as the live loop builds it from the pool).</summary>
    public static SimulationDataset FromTexts(IReadOnlyList<string> texts, IReadOnlyList<int> labels, IReadOnlyList<string> classes)
    {
        var tokenizer = TextTokenizer.Build(texts);
        var encoded = tokenizer.Encode(texts);
        return new(ModelSpec.ForText(classes.Count, tokenizer), InputMatrix.OfTokens(encoded.Ids, encoded.MaxTokens, texts), labels, classes);
    }
}
