using System.Text;
using System.Text.Json;
using LabelLoop.Core.Export;
using LabelLoop.Core.Import;
using Xunit;

namespace LabelLoop.Core.Tests.Export;

/// <summary>Both writers against expectations written out by hand, byte for byte.</summary>
public sealed class ExportWriterTests
{
    private static readonly DateTime Created = new(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc);

    private static readonly ExportRecord Labeled = new(
        1, "cat/a.png", null, "ab12", "labeled", "cat",
        [new ExportAnnotation("ann@example.org", "cat", false, Created, 1.23456), new ExportAnnotation("rev@example.org", null, true, Created, 2)],
        new ExportPrediction(3, "cat", new Dictionary<string, float> { ["cat"] = 0.75f, ["dog"] = 0.25f }, 0.5));

    private static readonly ExportRecord Unlabeled = new(2, "t-2", "Hello, \"world\"\nbye", null, "unlabeled", null, [], null);

    private static async Task<string> WriteAsync(string format, params ExportRecord[] records)
    {
        var output = new MemoryStream();
        await using (var writer = ExportWriters.Create(format, output))
        {
            Assert.Equal(format, writer.Format);
            foreach (var record in records)
            {
                await writer.WriteAsync(record, TestContext.Current.CancellationToken);
            }
        }
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public async Task Jsonl_writes_one_object_per_line()
    {
        var text = await WriteAsync("jsonl", Labeled, Unlabeled);

        var expected =
            """{"id":1,"externalId":"cat/a.png","blob":"ab12","status":"labeled","finalLabel":"cat","annotations":[""" +
            """{"annotator":"ann@example.org","label":"cat","skipped":false,"createdUtc":"2025-03-04T05:06:07Z","leadTimeSeconds":1.235},""" +
            """{"annotator":"rev@example.org","label":null,"skipped":true,"createdUtc":"2025-03-04T05:06:07Z","leadTimeSeconds":2}],""" +
            "\"prediction\":{\"modelVersion\":3,\"label\":\"cat\",\"score\":0.5,\"probabilities\":{\"cat\":0.75,\"dog\":0.25}}}\n" +
            """{"id":2,"externalId":"t-2","text":"Hello, \u0022world\u0022\nbye","status":"unlabeled","finalLabel":null,"annotations":[]}""" + "\n";
        Assert.Equal(expected, text);
    }

    [Fact]
    public async Task Jsonl_image_items_carry_their_media_type_and_content_url_and_reviews_are_marked()
    {
        var record = Labeled with
        {
            MediaType = "image/png",
            ContentUrl = "/api/v1/projects/4/items/1/content",
            Annotations = [new ExportAnnotation("rev@example.org", "cat", false, Created, 0, Reviewed: true)],
        };

        using var doc = JsonDocument.Parse(await WriteAsync("jsonl", record));

        Assert.Equal("image/png", doc.RootElement.GetProperty("mediaType").GetString());
        Assert.Equal("/api/v1/projects/4/items/1/content", doc.RootElement.GetProperty("contentUrl").GetString());
        Assert.True(doc.RootElement.GetProperty("annotations")[0].GetProperty("reviewed").GetBoolean());
    }

    [Fact]
    public async Task Jsonl_text_round_trips_through_a_json_parser()
    {
        var tricky = Unlabeled with { Text = "<b>Tom & Jerry</b> \u00e9\u4e2d\t\"q\" \\ end" };

        var line = Assert.Single((await WriteAsync("jsonl", tricky)).Split('\n', StringSplitOptions.RemoveEmptyEntries));

        using var doc = JsonDocument.Parse(line);
        Assert.Equal(tricky.Text, doc.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Jsonl_with_no_records_is_empty()
    {
        Assert.Equal("", await WriteAsync("jsonl"));
    }

    [Fact]
    public async Task Csv_writes_a_header_and_one_row_per_item()
    {
        var text = await WriteAsync("csv", Labeled, Unlabeled);

        var expected =
            "id,external_id,text,blob,content_url,status,final_label,annotation_count,annotator_labels,last_annotated_utc,predicted_label,prediction_score,probabilities,model_version\n" +
            "1,cat/a.png,,ab12,,labeled,cat,2,ann@example.org=cat|rev@example.org=(skipped),2025-03-04T05:06:07Z,cat,0.5,cat=0.75|dog=0.25,3\n" +
            "2,t-2,\"Hello, \"\"world\"\"\nbye\",,,unlabeled,,0,,,,,,\n";
        Assert.Equal(expected, text);
    }

    [Fact]
    public async Task Csv_escapes_commas_in_any_field()
    {
        var record = Unlabeled with { ExternalId = "a,b", Text = "plain", FinalLabel = "x,y", Status = "labeled" };

        var lines = (await WriteAsync("csv", record)).Split('\n');

        Assert.Equal("2,\"a,b\",plain,,,labeled,\"x,y\",0,,,,,,", lines[1]);
    }

    [Fact]
    public async Task Csv_rows_read_back_with_the_import_reader()
    {
        var text = await WriteAsync("csv", Labeled, Unlabeled);

        var rows = CsvReader.ReadRows(text);

        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(14, r.Fields.Count));
        Assert.Equal("Hello, \"world\"\nbye", rows[2].Fields[2]);
    }

    [Fact]
    public async Task Csv_with_no_records_still_has_its_header()
    {
        Assert.Equal(
            "id,external_id,text,blob,content_url,status,final_label,annotation_count,annotator_labels,last_annotated_utc,predicted_label,prediction_score,probabilities,model_version\n",
            await WriteAsync("csv"));
    }

    [Fact]
    public void An_unknown_format_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => ExportWriters.Create("xml", new MemoryStream()));

        Assert.Contains("expected one of: jsonl, csv", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example\",\"x\")")]
    [InlineData("@SUM(1+1)*cmd|' /C calc'!A0")]
    [InlineData("+1+1")]
    [InlineData("-2+3")]
    [InlineData("\t=1+1")]
    [InlineData("\r=1+1")]
    public async Task Csv_text_cells_a_spreadsheet_would_run_get_a_quote_and_are_quoted(string payload)
    {
        var record = Labeled with
        {
            ExternalId = payload,
            Text = payload,
            FinalLabel = payload,
            Annotations = [new ExportAnnotation(payload, payload, false, Created, 1)],
            Prediction = new ExportPrediction(3, payload, new Dictionary<string, float> { [payload] = 0.5f }, -0.25),
        };

        var line = (await WriteAsync("csv", record)).Split('\n', 2)[1];
        var fields = CsvReader.ReadRows("h\n" + line)[1].Fields;

        Assert.StartsWith("1,\"'", line, StringComparison.Ordinal);
        foreach (var column in new[] { 1, 2, 6, 8, 10, 12 })
        {
            Assert.True(fields[column].StartsWith('\''), $"column {column}: {fields[column]}");
            Assert.True(line.Contains("\"" + fields[column].Replace("\"", "\"\"", StringComparison.Ordinal) + "\"", StringComparison.Ordinal), $"column {column} is quoted");
        }
        Assert.Equal(payload, CsvFormulaGuard.Restore(fields[2]));
        // Numbers the writer formats itself stay numbers, also negative ones.
        Assert.Equal("-0.25", fields[11]);
    }

    [Fact]
    public async Task Csv_text_cells_that_cannot_run_are_written_as_before()
    {
        var record = Unlabeled with { ExternalId = "a-b", Text = "e=mc2", FinalLabel = "'quoted", Status = "labeled" };

        var lines = (await WriteAsync("csv", record)).Split('\n');

        Assert.Equal("2,a-b,e=mc2,,,labeled,'quoted,0,,,,,,", lines[1]);
    }
}
