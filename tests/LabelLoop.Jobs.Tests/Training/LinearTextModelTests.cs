using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Core.Strategies;
using LabelLoop.Jobs.Training;
using LabelLoop.Ml;
using LabelLoop.Ml.Text;
using Xunit;

namespace LabelLoop.Jobs.Tests.Training;

/// <summary>The linear text model (hashed tf-idf of words, word pairs and character n-grams; logistic regression) and the defaults around it.</summary>
public sealed class LinearTextModelTests
{
    private static readonly string[][] Topics =
    [
        ["planet", "orbit", "rocket", "telescope", "comet"],
        ["recipe", "oven", "flour", "butter", "sauce"],
        ["court", "judge", "lawyer", "verdict", "appeal"],
    ];

    private static readonly string[] Filler = ["the", "a", "of", "and", "today", "we", "saw", "it", "is", "very"];

    /// <summary>Short texts of three topics: two topic words among filler words, which every class shares.</summary>
    private static (InputMatrix Inputs, ModelSpec Spec, int[] Labels) Toy(int count, int seed)
    {
        var (texts, labels) = ToyTexts.Make(Topics, Filler, count, seed);
        var tokenizer = TextTokenizer.Build(texts);
        var encoded = tokenizer.Encode(texts);
        return (InputMatrix.OfTokens(encoded.Ids, encoded.MaxTokens), ModelSpec.ForText(Topics.Length, tokenizer), labels);
    }

    [Fact]
    public void A_member_started_from_another_models_weights_reaches_the_same_optimum_in_fewer_iterations()
    {
        var (inputs, _, labels) = Toy(300, seed: 5);
        var features = SparseFeatures.HashedText(inputs);
        var all = Enumerable.Range(0, 60).ToList();
        var full = SoftmaxRegression.Train(features, all, all.Select(i => labels[i]).ToList(), Topics.Length, c: 100, token: TestContext.Current.CancellationToken);
        // A bootstrap resample, as a committee member trains on.
        var random = new Random(7);
        var sample = Enumerable.Range(0, all.Count).Select(_ => all[random.Next(all.Count)]).ToList();
        var sampleLabels = sample.Select(i => labels[i]).ToList();

        var cold = SoftmaxRegression.Train(features, sample, sampleLabels, Topics.Length, c: 100, token: TestContext.Current.CancellationToken);
        var warm = SoftmaxRegression.Train(features, sample, sampleLabels, Topics.Length, c: 100, start: full, token: TestContext.Current.CancellationToken);

        // The penalised loss is convex: both starts end at its one minimum, so they predict alike.
        var pool = Enumerable.Range(60, 240).ToList();
        var pCold = new float[pool.Count * Topics.Length];
        var pWarm = new float[pool.Count * Topics.Length];
        cold.Predict(features, pool, pCold);
        warm.Predict(features, pool, pWarm);
        Assert.All(Enumerable.Range(0, pCold.Length), i => Assert.InRange(pWarm[i] - pCold[i], -0.01f, 0.01f));
        Assert.True(warm.Iterations < cold.Iterations, $"warm {warm.Iterations} iterations, cold {cold.Iterations}");
    }

    [Fact]
    public void Solved_in_the_span_of_its_rows_it_predicts_as_the_solution_over_every_column()
    {
        // Tens of columns per row and a few dozen rows, some repeated (a bootstrap sample): more columns than rows.
        var (inputs, _, labels) = Toy(300, seed: 11);
        var features = SparseFeatures.HashedText(inputs);
        var random = new Random(3);
        var rows = Enumerable.Range(0, 40).Select(_ => random.Next(60)).ToList();
        var rowLabels = rows.Select(i => labels[i]).ToList();
        var token = TestContext.Current.CancellationToken;

        var columns = SoftmaxRegression.Train(features, rows, rowLabels, Topics.Length, 100, 500, null, rowSpace: false, token);
        var span = SoftmaxRegression.Train(features, rows, rowLabels, Topics.Length, 100, 500, null, rowSpace: true, token);
        var warm = SoftmaxRegression.Train(features, rows, rowLabels, Topics.Length, 100, 500, columns, rowSpace: true, token);

        var pool = Enumerable.Range(60, 240).ToList();
        float[] Predict(SoftmaxRegression model)
        {
            var p = new float[pool.Count * Topics.Length];
            model.Predict(features, pool, p);
            return p;
        }
        var (expected, actual, fromStart) = (Predict(columns), Predict(span), Predict(warm));
        Assert.All(Enumerable.Range(0, expected.Length), i => Assert.InRange(actual[i] - expected[i], -0.005f, 0.005f));
        Assert.All(Enumerable.Range(0, expected.Length), i => Assert.InRange(fromStart[i] - expected[i], -0.005f, 0.005f));
        Assert.InRange(span.FinalLoss, columns.FinalLoss - 1e-3, columns.FinalLoss + 1e-3);
        Assert.True(warm.Iterations < span.Iterations, $"from the solution {warm.Iterations} iterations, from zero {span.Iterations}");
    }

    [Fact]
    public void With_the_texts_it_reads_character_n_grams_so_a_misspelt_word_still_counts()
    {
        string[] texts = ["the telescope saw a comet", "a rocket in orbit", "the judge heard the appeal", "a lawyer lost the verdict", "telescopes and rockets", "appeals and verdicts"];
        var tokenizer = TextTokenizer.Build(texts, cancellationToken: TestContext.Current.CancellationToken);
        var encoded = tokenizer.Encode(texts, TestContext.Current.CancellationToken);
        var words = SparseFeatures.HashedText(InputMatrix.OfTokens(encoded.Ids, encoded.MaxTokens));
        var both = SparseFeatures.HashedText(InputMatrix.OfTokens(encoded.Ids, encoded.MaxTokens, texts));

        // "telescopes" and "telescope" are different words, so their rows share no word column; they share n-grams.
        static double Cosine(SparseFeatures f, int a, int b)
        {
            var (ca, va) = f.Row(a);
            var (cb, vb) = f.Row(b);
            var other = Enumerable.Range(0, cb.Length).ToDictionary(e => cb.Span[e], e => vb.Span[e]);
            return Enumerable.Range(0, ca.Length).Sum(e => other.TryGetValue(ca.Span[e], out var v) ? (double)v * va.Span[e] : 0);
        }
        Assert.Equal(0, Cosine(words, 0, 4), 6);
        Assert.True(Cosine(both, 0, 4) > 0.1, $"cosine {Cosine(both, 0, 4)}");
        Assert.True(Cosine(both, 0, 4) > Cosine(both, 0, 5), "a row is nearer its own topic's misspelling than another topic's");
        Assert.All(Enumerable.Range(0, both.Rows), r => Assert.Equal(1, Cosine(both, r, r), 4));
        Assert.True(both.Row(0).Columns.Length > 3 * words.Row(0).Columns.Length);
    }

    [Fact]
    public void It_learns_a_separable_set_from_few_labels_and_gives_the_same_model_for_the_same_data()
    {
        var (inputs, _, labels) = Toy(300, seed: 3);
        var features = SparseFeatures.HashedText(inputs);
        var train = Enumerable.Range(0, 30).ToList();
        var test = Enumerable.Range(30, 270).ToList();

        var first = SoftmaxRegression.Train(features, train, train.Select(i => labels[i]).ToList(), Topics.Length, token: TestContext.Current.CancellationToken);
        var second = SoftmaxRegression.Train(features, train, train.Select(i => labels[i]).ToList(), Topics.Length, token: TestContext.Current.CancellationToken);
        var p1 = new float[test.Count * Topics.Length];
        var p2 = new float[test.Count * Topics.Length];
        first.Predict(features, test, p1);
        second.Predict(features, test, p2);

        var correct = test.Where((row, j) => Core.Strategies.CommitteeOutput.ArgMax(p1.AsSpan(j * Topics.Length, Topics.Length)) == labels[row]).Count();
        Assert.True(correct >= test.Count * 0.95, $"{correct} of {test.Count} correct");
        Assert.Equal(p1, p2);
        Assert.InRange(first.Iterations, 1, 200);
    }

    [Fact]
    public void A_text_round_trains_the_linear_model_by_default_without_the_engine_and_is_deterministic_per_seed()
    {
        var (inputs, spec, labels) = Toy(400, seed: 5);
        var engine = new FakeModelEngine();
        var train = Enumerable.Range(0, 24).ToList();
        RoundRequest Request(long seed) => new()
        {
            Spec = spec,
            Inputs = inputs,
            TrainRows = train,
            TrainLabels = train.Select(i => labels[i]).ToList(),
            PoolRows = Enumerable.Range(24, 300).ToList(),
            EvaluationRows = [Enumerable.Range(324, 76).ToList()],
            CommitteeSize = 3,
            Strategy = "qbc-vote",
            BatchSize = 10,
            Seed = seed,
        };

        var round = new ActiveLearningRound(engine);
        var a = round.Run(Request(7), token: TestContext.Current.CancellationToken);
        var b = round.Run(Request(7), token: TestContext.Current.CancellationToken);
        var diverse = round.Run(Request(7) with { Strategy = "margin+diverse", CommitteeSize = 1 }, token: TestContext.Current.CancellationToken);

        Assert.Equal(TextModel.Linear, new RoundTraining().TextModel);
        Assert.Equal(0, engine.TrainCalls);
        // Linear members are all of one kind: every one of them votes.
        Assert.Equal(0, a.Pool.FirstVoter);
        Assert.Equal(a.Selection.Order, b.Selection.Order);
        Assert.Equal(a.Evaluations[0], b.Evaluations[0]);
        var evaluation = Enumerable.Range(324, 76).ToList();
        var correct = evaluation.Where((row, j) => Core.Strategies.CommitteeOutput.ArgMax(a.Evaluations[0].AsSpan(j * 3, 3)) == labels[row]).Count();
        // Chance is a third; 24 labels do not show every topic word, so some items cannot be known.
        Assert.True(correct >= 57, $"{correct} of 76 correct");
        Assert.Equal(10, diverse.Selection.Order.Take(10).Distinct().Count());
    }

    [Fact]
    public void The_neural_text_model_is_still_there_when_a_project_picks_it()
    {
        var (inputs, spec, labels) = Toy(60, seed: 9);
        var engine = new FakeModelEngine();
        var train = Enumerable.Range(0, 12).ToList();

        new ActiveLearningRound(engine).Run(new RoundRequest
        {
            Spec = spec,
            Inputs = inputs,
            TrainRows = train,
            TrainLabels = train.Select(i => labels[i]).ToList(),
            PoolRows = Enumerable.Range(12, 48).ToList(),
            Strategy = "margin",
            Training = new RoundTraining { TextModel = TextModel.Neural },
        }, token: TestContext.Current.CancellationToken);

        Assert.Equal(1, engine.TrainCalls);
    }

    [Fact]
    public void Images_are_not_flipped_unless_the_project_says_its_classes_are_mirror_invariant()
    {
        var options = new JobsOptions();

        Assert.False(new RoundTraining().Augmentations.HasFlag(ImageAugmentations.HorizontalFlip));
        Assert.False(TrainingRunner.ProjectTraining(new Project { Name = "p" }.AllowHorizontalFlip, TextModel.Linear, 0, true, options)
            .Augmentations.HasFlag(ImageAugmentations.HorizontalFlip));
        Assert.True(TrainingRunner.ProjectTraining(true, TextModel.Linear, 0, true, options).Augmentations.HasFlag(ImageAugmentations.HorizontalFlip));
    }

    [Fact]
    public void Members_train_for_the_step_budget_of_their_label_count()
    {
        var engine = new RecordingEngine();
        var pixels = new float[100 * 4];
        var labels = Enumerable.Range(0, 100).Select(i => i % 2).ToList();
        var spec = ModelSpec.ForImages(2, channels: 1, imageSize: 2);
        var train = Enumerable.Range(0, 80).ToList();

        new ActiveLearningRound(engine).Run(new RoundRequest
        {
            Spec = spec,
            Inputs = InputMatrix.OfPixels(pixels, 4),
            TrainRows = train,
            TrainLabels = train.Select(i => labels[i]).ToList(),
            PoolRows = Enumerable.Range(80, 20).ToList(),
            Strategy = "margin",
        }, token: TestContext.Current.CancellationToken);

        // Whole passes over the labels: at least the budget, and less than twice it (the last batch of a pass is short).
        var options = Assert.Single(engine.Options);
        var steps = options.Epochs * (int)Math.Ceiling(80.0 / options.BatchSize);
        Assert.Equal(TrainingSchedule.BatchSizeFor(80), options.BatchSize);
        Assert.InRange(steps, TrainingSchedule.StepsFor(80), 2 * TrainingSchedule.StepsFor(80));
    }

    [Fact]
    public void A_round_continues_from_the_previous_rounds_model_for_the_warm_budget_when_it_fits()
    {
        var engine = new RecordingEngine();
        var pixels = new float[100 * 4];
        var labels = Enumerable.Range(0, 100).Select(i => i % 2).ToList();
        var dir = Directory.CreateTempSubdirectory("labelloop-warm-").FullName;
        try
        {
            RoundRequest Request(int classes, int trained, int previous) => new()
            {
                Spec = ModelSpec.ForImages(classes, channels: 1, imageSize: 2),
                Inputs = InputMatrix.OfPixels(pixels, 4),
                TrainRows = Enumerable.Range(0, trained).ToList(),
                TrainLabels = Enumerable.Range(0, trained).Select(i => labels[i]).ToList(),
                PoolRows = Enumerable.Range(80, 20).ToList(),
                Strategy = "margin",
                CheckpointDirectory = dir,
                WarmStartCheckpoint = Path.Combine(dir, "member-0.ckpt"),
                WarmStartLabels = previous,
            };
            var round = new ActiveLearningRound(engine);
            var token = TestContext.Current.CancellationToken;

            var first = round.Run(Request(2, 40, previous: 0), token: token);
            var second = round.Run(Request(2, 80, previous: 60), token: token);
            var doubled = round.Run(Request(2, 80, previous: 40), token: token);
            var otherClasses = round.Run(Request(3, 80, previous: 80), token: token);

            // No checkpoint yet: the cold budget. Then 20 new labels on 80, a quarter: the warm budget. Then 40 new on 80,
            // a half: cold again, as it is for another label set.
            Assert.Equal((false, true, false, false), (first.WarmStarted, second.WarmStarted, doubled.WarmStarted, otherClasses.WarmStarted));
            var steps = engine.Options.Zip([40, 80, 80, 80], (o, n) => o.Epochs * (int)Math.Ceiling((double)n / o.BatchSize)).ToList();
            Assert.InRange(steps[1], TrainingSchedule.WarmStepsFor(80, newLabels: 20), 2 * TrainingSchedule.WarmStepsFor(80, newLabels: 20));
            Assert.InRange(steps[2], TrainingSchedule.StepsFor(80), 2 * TrainingSchedule.StepsFor(80));
            Assert.InRange(steps[3], TrainingSchedule.StepsFor(80), 2 * TrainingSchedule.StepsFor(80));
            Assert.True(TrainingSchedule.WarmStepsFor(80, newLabels: 20) < TrainingSchedule.StepsFor(80) / 2);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Committee_resamples_keep_every_class_and_its_count()
    {
        int[] labels = [0, 0, 0, 1, 1, 2, 3, 3, 3, 3];
        var random = new Random(7);

        for (var draw = 0; draw < 50; draw++)
        {
            var sample = ActiveLearningRound.StratifiedBootstrap(labels, random);
            Assert.Equal(labels.Length, sample.Count);
            Assert.Equal(labels.CountBy(l => l).OrderBy(c => c.Key), sample.CountBy(i => labels[i]).OrderBy(c => c.Key));
        }
        // Still a resample: some draw repeats an item.
        Assert.Contains(Enumerable.Range(0, 20).Select(_ => ActiveLearningRound.StratifiedBootstrap(labels, random)), s => s.Distinct().Count() < labels.Length);
    }

    [Fact]
    public void Committee_samples_keep_every_label_and_weigh_each_class_by_its_count()
    {
        int[] labels = [0, 0, 0, 1, 1, 2, 3, 3, 3, 3];
        var random = new Random(7);

        for (var draw = 0; draw < 50; draw++)
        {
            var sample = ActiveLearningRound.CommitteeSample(labels, random);
            Assert.Equal(2 * labels.Length, sample.Count);
            // Every label at least once, and each class twice its count: the resample never drops or shrinks a class.
            Assert.Equal(Enumerable.Range(0, labels.Length), sample.Distinct().Order());
            Assert.Equal(labels.CountBy(l => l).Select(c => (c.Key, 2 * c.Value)).OrderBy(c => c.Key), sample.CountBy(i => labels[i]).Select(c => (c.Key, c.Value)).OrderBy(c => c.Key));
        }
        // Still a resample: members weigh the labels differently, some item three times or more in some draw.
        var draws = Enumerable.Range(0, 20).Select(_ => ActiveLearningRound.CommitteeSample(labels, random)).ToList();
        Assert.Contains(draws, s => s.CountBy(i => i).Any(c => c.Value >= 3));
        Assert.Contains(draws, s => !s.SequenceEqual(draws[0]));
    }

    [Fact]
    public void An_image_committees_heads_train_side_by_side_and_give_the_same_committee_for_the_same_seed()
    {
        // Two classes told apart by the first pixel, with noise in every pixel so that the heads' samples matter.
        var random = new Random(3);
        const int count = 240;
        var labels = Enumerable.Range(0, count).Select(i => i % 2).ToList();
        var pixels = new float[count * 4];
        for (var i = 0; i < count; i++)
        {
            for (var p = 0; p < 4; p++)
            {
                pixels[(i * 4) + p] = (p == 0 ? labels[i] * 0.6f : 0) + ((float)random.NextDouble() * 0.8f);
            }
        }
        var train = Enumerable.Range(0, 40).ToList();
        RoundRequest Request() => new()
        {
            Spec = ModelSpec.ForImages(2, channels: 1, imageSize: 2),
            Inputs = InputMatrix.OfPixels(pixels, 4),
            TrainRows = train,
            TrainLabels = train.Select(i => labels[i]).ToList(),
            PoolRows = Enumerable.Range(40, count - 40).ToList(),
            CommitteeSize = 5,
            Strategy = "qbc-vote",
            BatchSize = 10,
            Seed = 11,
        };
        var round = new ActiveLearningRound(new FakeModelEngine { EmbedsPixels = true });
        var token = TestContext.Current.CancellationToken;

        var a = round.Run(Request(), token: token);
        var b = round.Run(Request(), token: token);

        // Each member's probabilities over the pool, as one text: equal texts are equal probabilities, bit for bit.
        static string MemberOf(RoundResult result, int m) =>
            string.Join(',', Enumerable.Range(0, result.Pool.Items).SelectMany(i => result.Pool.Row(m, i).ToArray()).Select(p => BitConverter.SingleToInt32Bits(p)));
        Assert.Equal(5, a.Pool.Members);
        Assert.Equal(Enumerable.Range(0, 5).Select(m => MemberOf(a, m)), Enumerable.Range(0, 5).Select(m => MemberOf(b, m)));
        Assert.Equal(a.Selection.Order, b.Selection.Order);
        // The heads are not copies of one another: each learned from its own sample.
        Assert.Equal(4, Enumerable.Range(1, 4).Select(m => MemberOf(a, m)).Distinct().Count());
        // The vote is the heads': the network beside them is another kind of model.
        Assert.Equal(1, a.Pool.FirstVoter);
        Assert.Equal(4, a.Pool.Voters);
    }

    [Theory]
    [InlineData(QueryStrategies.Typical, true)]
    [InlineData(QueryStrategies.ProjectDefault, false)]
    public void The_cold_starts_typical_items_are_placed_by_the_pretrained_encoder_and_diverse_batches_by_the_trained_network(string strategy, bool byEncoder)
    {
        using var dir = new Testing.TempDirectory();
        var engine = new RecordingEngine();
        var spec = ModelSpec.ForImages(2, channels: 1, imageSize: 2);
        var encoderPath = Path.Combine(dir.Path, "encoder.ckpt");
        using (var pretrained = engine.CreateModel(spec))
        {
            engine.SaveModel(pretrained, encoderPath);
        }
        var pixels = Enumerable.Range(0, 60 * 4).Select(i => (i % 7) / 7f).ToArray();
        var train = Enumerable.Range(0, 10).ToList();
        var request = new RoundRequest
        {
            Spec = spec,
            Inputs = InputMatrix.OfPixels(pixels, 4),
            TrainRows = train,
            TrainLabels = train.Select(i => i % 2).ToList(),
            PoolRows = Enumerable.Range(10, 50).ToList(),
            CommitteeSize = 1,
            Strategy = strategy,
            BatchSize = 5,
            EncoderCheckpoint = encoderPath,
            EncoderLearningRateMultiplier = 1,
        };

        var result = new ActiveLearningRound(engine).Run(request, token: TestContext.Current.CancellationToken);

        Assert.Equal(strategy, result.Selection.Strategy);
        var encoder = Assert.Single(engine.Loaded);
        // The encoder embeds the pool and then the labels for typical, and nothing otherwise: the trained member's
        // one pass over every item gives the diverse batch its embeddings.
        Assert.Equal(byEncoder ? [50, 10] : [], engine.Embedded.Where(e => ReferenceEquals(e.Model, encoder)).Select(e => e.Items));
    }

    /// <summary>The fake engine, remembering the options of every training, the models it loaded and what each one embedded.</summary>
    private sealed class RecordingEngine : IModelEngine
    {
        private readonly FakeModelEngine _inner = new();

        public List<TrainingOptions> Options { get; } = [];

        public List<EngineModel> Loaded { get; } = [];

        public List<(EngineModel Model, int Items)> Embedded { get; } = [];

        public EngineInfo Info => _inner.Info;

        public EngineModel CreateModel(ModelSpec spec) => _inner.CreateModel(spec);

        public EngineModel LoadModel(string path, ModelSpec? expected = null)
        {
            var model = _inner.LoadModel(path, expected);
            Loaded.Add(model);
            return model;
        }

        public void SaveModel(EngineModel model, string path) => _inner.SaveModel(model, path);

        public TrainingResult Train(EngineModel model, ModelBatch batch, ReadOnlyMemory<int> labels, TrainingOptions options,
            IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Options.Add(options);
            return _inner.Train(model, batch, labels, options with { Epochs = 1 }, progress, cancellationToken);
        }

        public PretrainingResult Pretrain(EngineModel model, ModelBatch batch, PretrainingOptions options,
            IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
            _inner.Pretrain(model, batch, options, progress, cancellationToken);

        public float[] PredictProbabilities(EngineModel model, ModelBatch batch) => _inner.PredictProbabilities(model, batch);

        public float[] PredictMonteCarlo(EngineModel model, ModelBatch batch, int passes, long seed) => _inner.PredictMonteCarlo(model, batch, passes, seed);

        public float[] Embed(EngineModel model, ModelBatch batch)
        {
            Embedded.Add((model, batch.Count));
            return _inner.Embed(model, batch);
        }

        public void CopyEncoder(EngineModel source, EngineModel target) => _inner.CopyEncoder(source, target);

        public float[] DecodeImages(IReadOnlyList<ReadOnlyMemory<byte>> images, int channels, int size) => _inner.DecodeImages(images, channels, size);
    }
}
