namespace LabelLoop.Ml.Tests;

/// <summary>Small generated datasets with fixed seeds.</summary>
internal static class TestData
{
    public const int ImageSize = 16;
    public const int ImageClasses = 4;

    public static ModelSpec ImageSpec(long seed = 7) => new()
    {
        Kind = ModelKind.Image,
        Classes = ImageClasses,
        Channels = 1,
        ImageSize = ImageSize,
        Width = 8,
        EmbeddingDim = 32,
        Dropout = 0.3f,
        Seed = seed,
    };

    public static TrainingOptions QuickTraining(int epochs = 6) => new()
    {
        Epochs = epochs,
        BatchSize = 32,
        LearningRate = 3e-3f,
        ValidationFraction = 0.2f,
        Patience = 0,
        Augmentations = ImageAugmentations.None,
        Seed = 11,
    };

    /// <summary>Class k is a bright 6x6 square in quadrant k over uniform noise.</summary>
    public static (float[] Pixels, int[] Labels) Quadrants(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new float[count * ImageSize * ImageSize];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            var k = random.Next(ImageClasses);
            labels[i] = k;
            int oy = k / 2 * 8, ox = k % 2 * 8;
            for (var y = 0; y < ImageSize; y++)
            {
                for (var x = 0; x < ImageSize; x++)
                {
                    var inside = y > oy && y < oy + 7 && x > ox && x < ox + 7;
                    pixels[(i * ImageSize * ImageSize) + (y * ImageSize) + x] = (0.3f * random.NextSingle()) + (inside ? 0.6f : 0f);
                }
            }
        }

        return (pixels, labels);
    }

    /// <summary>Sentences about sport (class 0) or cooking (class 1), built from small word lists.</summary>
    public static (string[] Texts, int[] Labels) Topics(int count, int seed)
    {
        string[][] topics =
        [
            ["match", "goal", "team", "coach", "league", "striker", "referee", "season"],
            ["recipe", "oven", "flour", "butter", "simmer", "garlic", "sauce", "bake"],
        ];
        string[] filler = ["the", "a", "was", "and", "very", "today", "we", "saw", "it", "!", ",", "."];
        var random = new Random(seed);
        var texts = new string[count];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            var k = random.Next(2);
            var words = new List<string>();
            var length = random.Next(4, 12);
            for (var w = 0; w < length; w++)
            {
                words.Add(random.Next(3) == 0 ? topics[k][random.Next(topics[k].Length)] : filler[random.Next(filler.Length)]);
            }

            words.Add(topics[k][random.Next(topics[k].Length)].ToUpperInvariant());
            texts[i] = string.Join(' ', words);
            labels[i] = k;
        }

        return (texts, labels);
    }

    public static double Accuracy(float[] probabilities, int[] labels, int classes)
    {
        var correct = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var row = probabilities.AsSpan(i * classes, classes);
            var best = 0;
            for (var k = 1; k < classes; k++)
            {
                if (row[k] > row[best])
                {
                    best = k;
                }
            }

            correct += best == labels[i] ? 1 : 0;
        }

        return (double)correct / labels.Length;
    }
}
