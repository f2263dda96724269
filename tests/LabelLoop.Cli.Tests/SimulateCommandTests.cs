using System.Text.Json;
using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Cli.Tests;

public sealed class SimulateCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static TempDirectory TinyImageDataset()
    {
        var dir = new TempDirectory();
        for (var i = 0; i < 15; i++)
        {
            dir.Write($"cat/{i}.png", TestImages.Png(100 + i, 8, 8));
            dir.Write($"dog/{i}.png", TestImages.Png(200 + i, 8, 8));
        }
        return dir;
    }

    [Fact]
    public async Task Simulate_runs_the_loop_on_an_image_folder_and_writes_the_three_files()
    {
        using var data = TinyImageDataset();
        using var output = new TempDirectory();

        var result = await cli.RunAsync("simulate", "--data", data.Path, "--strategies", "random,margin+diverse,default",
            "--initial", "4", "--step", "4", "--budget", "12", "--seeds", "2", "--out", output.Path, "--test-fraction", "0.2", "--threads", "1",
            "--train-steps", "60");

        Assert.True(result.ExitCode == 0, result.ToString());
        var csv = await File.ReadAllLinesAsync(Path.Combine(output.Path, "curves.csv"), TestContext.Current.CancellationToken);
        Assert.Equal("strategy,seed,labels,accuracy", csv[0]);
        // 3 strategies x 2 seeds x (4, 8, 12 labels).
        Assert.Equal(1 + 18, csv.Length);
        Assert.Contains("margin+diverse,2,12,", string.Join('\n', csv), StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.Path, "summary.json"), TestContext.Current.CancellationToken));
        var strategies = summary.RootElement.GetProperty("strategies");
        Assert.Equal(["random", "margin+diverse", "default"], strategies.EnumerateObject().Select(p => p.Name));
        Assert.True(strategies.GetProperty("random").GetProperty("accuracyAt").TryGetProperty("12", out _));
        Assert.StartsWith("<svg", await File.ReadAllTextAsync(Path.Combine(output.Path, "curves.svg"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_runs_on_a_text_file()
    {
        using var data = new TempDirectory();
        var lines = Enumerable.Range(0, 30).Select(i => JsonSerializer.Serialize(new
        {
            id = $"t{i}",
            text = i % 2 == 0 ? $"the cat {i} sat on the mat" : $"the dog {i} ran in the park",
            label = i % 2 == 0 ? "cats" : "dogs",
        }));
        data.Write("texts.jsonl", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines)));
        using var output = new TempDirectory();

        var result = await cli.RunAsync("simulate", "--data", Path.Combine(data.Path, "texts.jsonl"), "--strategies", "random,entropy",
            "--initial", "4", "--step", "6", "--budget", "10", "--seeds", "1", "--out", output.Path, "--threads", "1");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(1 + 4, (await File.ReadAllLinesAsync(Path.Combine(output.Path, "curves.csv"), TestContext.Current.CancellationToken)).Length);
    }

    [Fact]
    public async Task Pretrain_starts_models_from_an_encoder_pretrained_on_the_pool_and_names_each_variant()
    {
        using var data = TinyImageDataset();
        using var output = new TempDirectory();

        var result = await cli.RunAsync("simulate", "--data", data.Path, "--strategies", "random,margin", "--labels", "4,8", "--seeds", "1",
            "--out", output.Path, "--pretrain", "--pretrain-epochs", "1", "--fine-tune", "finetune,freeze", "--compare-scratch",
            "--initial-strategy", "typical", "--threads", "1", "--train-steps", "60");

        Assert.True(result.ExitCode == 0, result.ToString());
        var csv = await File.ReadAllLinesAsync(Path.Combine(output.Path, "curves.csv"), TestContext.Current.CancellationToken);
        // 2 strategies x (scratch, fine-tuned, frozen) x (4, 8 labels).
        Assert.Equal(1 + 12, csv.Length);
        var curves = csv.Skip(1).Select(line => line.Split(',')[0]).Distinct().ToList();
        Assert.Equal(["random", "random@pretrained", "random@frozen", "margin", "margin@pretrained", "margin@frozen"], curves);
        Assert.Equal([4, 8], csv.Skip(1).Select(line => int.Parse(line.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order());
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.Path, "summary.json"), TestContext.Current.CancellationToken));
        // Each variant is held against random with the same encoder, so random@frozen reaches its own final.
        Assert.InRange(summary.RootElement.GetProperty("strategies").GetProperty("random@frozen").GetProperty("labelsToReachRandomFinal").GetInt32(), 4, 8);
    }

    [Fact]
    public async Task A_label_schedule_out_of_order_or_an_unknown_fine_tune_mode_is_refused_by_name()
    {
        using var data = TinyImageDataset();
        using var output = new TempDirectory();

        var order = await cli.RunAsync("simulate", "--data", data.Path, "--strategies", "random", "--labels", "8,4", "--seeds", "1", "--out", output.Path);
        var word = await cli.RunAsync("simulate", "--data", data.Path, "--strategies", "random", "--labels", "4,eight", "--seeds", "1", "--out", output.Path);
        var mode = await cli.RunAsync("simulate", "--data", data.Path, "--strategies", "random", "--labels", "4,8", "--seeds", "1", "--out", output.Path,
            "--pretrain", "--fine-tune", "sideways");

        Assert.Equal(1, order.ExitCode);
        Assert.Contains("--labels", order.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, word.ExitCode);
        Assert.Contains("'eight'", word.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, mode.ExitCode);
        Assert.Contains("sideways", mode.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(output.Path, "curves.csv")));
    }

    [Fact]
    public async Task Bad_arguments_are_refused_with_their_names()
    {
        using var data = TinyImageDataset();
        using var output = new TempDirectory();
        var unknown = await cli.RunAsync("simulate", "--data", data.Path, "--strategies", "random,psychic", "--initial", "4", "--step", "4",
            "--budget", "8", "--seeds", "1", "--out", output.Path);
        var missing = await cli.RunAsync("simulate", "--data", Path.Combine(data.Path, "nowhere"), "--strategies", "random", "--initial", "4",
            "--step", "4", "--budget", "8", "--seeds", "1", "--out", output.Path);

        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("psychic", unknown.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
    }

    [Fact]
    public async Task Help_names_the_contract_options()
    {
        var result = await cli.RunAsync("simulate", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var option in new[] { "--data", "--strategies", "--initial", "--step", "--budget", "--seeds", "--out", "--pretrain", "--test-fraction", "--labels", "--fine-tune", "--compare-scratch", "--db", "--data-dir" })
        {
            Assert.Contains(option, result.Stdout, StringComparison.Ordinal);
        }
    }
}
