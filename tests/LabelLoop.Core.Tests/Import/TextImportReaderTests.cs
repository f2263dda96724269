using LabelLoop.Core.Import;
using Xunit;

namespace LabelLoop.Core.Tests.Import;

public sealed class TextImportReaderTests
{
    private static (List<ImportCandidate> Candidates, List<ImportError> Errors) Read(params ImportEntry[] entries)
    {
        var errors = new List<ImportError>();
        var candidates = new TextImportReader(new ImportLimits()).Read(entries, errors).Select(p => p.Candidate).ToList();
        return (candidates, errors);
    }

    private static (List<ImportCandidate> Candidates, List<ImportError> Errors) ReadText(string file, string content) =>
        Read(TestFiles.TextEntry(file, content));

    [Fact]
    public void Valid_jsonl_yields_one_item_per_line()
    {
        var (candidates, errors) = ReadText("data.jsonl", """
            {"id":"a","text":"The cat sat.","label":"animals"}
            {"id":7,"text":"Stocks fell."}

            {"id":"c","text":"No label here.","label":null}
            """);

        Assert.Empty(errors);
        Assert.Equal(
            [("a", "The cat sat.", "animals"), ("7", "Stocks fell.", null), ("c", "No label here.", null)],
            candidates.Select(c => (c.ExternalId, c.Text, c.GroundTruth)));
        Assert.All(candidates, c => Assert.Equal(64, c.ContentHash.Length));
    }

    [Fact]
    public void A_record_without_id_is_named_by_file_and_line()
    {
        var candidate = Assert.Single(ReadText("data.jsonl", "\n{\"text\":\"hello there\"}\n").Candidates);

        Assert.Equal("data.jsonl:2", candidate.ExternalId);
    }

    [Fact]
    public void Windows_line_endings_are_accepted()
    {
        var (candidates, errors) = ReadText("data.jsonl", "{\"id\":\"a\",\"text\":\"one\"}\r\n{\"id\":\"b\",\"text\":\"two\"}\r\n");

        Assert.Empty(errors);
        Assert.Equal(["one", "two"], candidates.Select(c => c.Text));
    }

    [Fact]
    public void A_malformed_line_is_reported_with_file_and_line()
    {
        var (candidates, errors) = ReadText("data.jsonl", """
            {"id":"a","text":"fine"}
            {"id":"b","text": oops}
            {"id":"c","text":"also fine"}
            """);

        var error = Assert.Single(errors);
        Assert.Equal("data.jsonl:2", error.Source);
        Assert.StartsWith("malformed JSON", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, candidates.Count);
    }

    [Fact]
    public void A_line_that_is_not_an_object_is_reported()
    {
        var error = Assert.Single(ReadText("data.jsonl", "[1,2,3]\n").Errors);

        Assert.Equal(new ImportError("data.jsonl:1", "line is not a JSON object"), error);
    }

    [Fact]
    public void A_record_without_text_is_reported()
    {
        var (_, errors) = ReadText("data.jsonl", """
            {"id":"a","label":"x"}
            {"id":"b","text":42}
            """);

        Assert.Equal(
            [new ImportError("data.jsonl:1", "missing string field \"text\""), new ImportError("data.jsonl:2", "missing string field \"text\"")],
            errors);
    }

    [Fact]
    public void Blank_text_is_reported()
    {
        var error = Assert.Single(ReadText("data.jsonl", "{\"id\":\"a\",\"text\":\"   \"}").Errors);

        Assert.Equal(new ImportError("data.jsonl:1", "empty text"), error);
    }

    [Fact]
    public void An_empty_label_is_an_error()
    {
        var error = Assert.Single(ReadText("data.jsonl", "{\"id\":\"a\",\"text\":\"hello\",\"label\":\"  \"}").Errors);

        Assert.Equal(new ImportError("data.jsonl:1", "empty label"), error);
    }

    [Fact]
    public void A_label_of_the_wrong_type_is_an_error()
    {
        var error = Assert.Single(ReadText("data.jsonl", "{\"id\":\"a\",\"text\":\"hello\",\"label\":3}").Errors);

        Assert.Equal("data.jsonl:1", error.Source);
        Assert.Contains("\"label\" must be a string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_an_error_for_the_whole_file()
    {
        byte[] content = [.. "{\"text\":\"caf"u8, 0xC3, 0x28, .. "\"}\n"u8];

        var (candidates, errors) = Read(TestFiles.Entry("bad.jsonl", content));

        Assert.Empty(candidates);
        var error = Assert.Single(errors);
        Assert.Equal("bad.jsonl", error.Source);
        Assert.StartsWith("invalid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_id_is_an_error_on_its_second_line()
    {
        var (candidates, errors) = ReadText("data.jsonl", """
            {"id":"a","text":"first"}
            {"id":"a","text":"second"}
            """);

        Assert.Equal([new ImportError("data.jsonl:2", "duplicate id 'a'")], errors);
        Assert.Single(candidates);
    }

    [Fact]
    public void Duplicate_ids_across_files_are_errors_too()
    {
        var (_, errors) = Read(
            TestFiles.TextEntry("one.jsonl", "{\"id\":\"a\",\"text\":\"first\"}"),
            TestFiles.TextEntry("two.jsonl", "{\"id\":\"a\",\"text\":\"second\"}"));

        Assert.Equal([new ImportError("two.jsonl:1", "duplicate id 'a'")], errors);
    }

    [Fact]
    public void The_same_text_twice_is_kept_once()
    {
        var (candidates, errors) = ReadText("data.jsonl", """
            {"id":"a","text":"same words"}
            {"id":"b","text":"same words"}
            """);

        Assert.Empty(errors);
        Assert.Equal("a", Assert.Single(candidates).ExternalId);
    }

    [Fact]
    public void An_unsupported_file_type_is_an_error()
    {
        var error = Assert.Single(ReadText("notes.txt", "hello").Errors);

        Assert.Equal("notes.txt", error.Source);
        Assert.Contains("unsupported file type '.txt'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_handles_quotes_commas_and_multi_line_fields()
    {
        var (candidates, errors) = ReadText("data.csv",
            "id,text,label\n" +
            "1,\"Hello, \"\"world\"\"\",greeting\n" +
            "2,\"line one\nline two\",\n" +
            "3,plain,farewell\n");

        Assert.Empty(errors);
        Assert.Equal(
            [("1", "Hello, \"world\"", "greeting"), ("2", "line one\nline two", null), ("3", "plain", "farewell")],
            candidates.Select(c => (c.ExternalId, c.Text, c.GroundTruth)));
    }

    [Fact]
    public void Csv_without_an_id_column_names_rows_by_their_first_line()
    {
        var (candidates, errors) = ReadText("data.csv", "Text,Label\r\n\"two\r\nlines\",a\r\nnext,b\r\n");

        Assert.Empty(errors);
        Assert.Equal(["data.csv:2", "data.csv:4"], candidates.Select(c => c.ExternalId));
    }

    [Fact]
    public void Csv_with_an_unterminated_quote_is_reported_at_the_row_start()
    {
        var (_, errors) = ReadText("data.csv", "text,label\nfine,a\n\"never closed,b\nmore text\n");

        Assert.Equal([new ImportError("data.csv:3", "unterminated quoted field")], errors);
    }

    [Fact]
    public void Csv_rows_with_the_wrong_field_count_are_reported()
    {
        var (candidates, errors) = ReadText("data.csv", "text,label\nfine,a\ntoo,many,fields\nshort\n");

        Assert.Equal(
            [new ImportError("data.csv:3", "expected 2 fields, found 3"), new ImportError("data.csv:4", "expected 2 fields, found 1")],
            errors);
        Assert.Single(candidates);
    }

    [Fact]
    public void Csv_without_a_text_column_is_reported()
    {
        var (candidates, errors) = ReadText("data.csv", "body,label\nhello,a\n");

        Assert.Empty(candidates);
        Assert.Equal([new ImportError("data.csv:1", "CSV header has no 'text' column")], errors);
    }

    [Fact]
    public void Csv_with_text_after_a_closing_quote_is_reported()
    {
        var error = Assert.Single(ReadText("data.csv", "text,label\n\"quoted\"tail,a\n").Errors);

        Assert.Equal(new ImportError("data.csv:2", "text after a closing quote"), error);
    }

    [Fact]
    public void An_empty_csv_file_is_reported()
    {
        var error = Assert.Single(ReadText("data.csv", "").Errors);

        Assert.Equal("data.csv", error.Source);
    }

    [Fact]
    public void Repeated_lines_are_counted_as_skipped_duplicates()
    {
        var reader = new TextImportReader(new ImportLimits());
        var errors = new List<ImportError>();
        var content = string.Concat(Enumerable.Repeat("{\"text\":\"the same line\"}\n", 22_528)) + "{\"text\":\"another line\"}\n";

        var candidates = reader.Read([TestFiles.TextEntry("same.jsonl", content)], errors).ToList();

        Assert.Empty(errors);
        Assert.Equal(2, candidates.Count);
        Assert.Equal(22_527, reader.DuplicatesSkipped);
    }

    [Theory]
    [InlineData("big.jsonl")]
    [InlineData("big.csv")]
    public void A_text_file_over_the_file_limit_is_refused_with_the_limit_named(string name)
    {
        var limits = new ImportLimits { MaxFileBytes = 1024 * 1024 };
        var line = name.EndsWith(".csv", StringComparison.Ordinal) ? "some text that repeats\n" : "{\"text\":\"some text that repeats\"}\n";
        var bytes = System.Text.Encoding.UTF8.GetBytes((name.EndsWith(".csv", StringComparison.Ordinal) ? "text\n" : "") +
            string.Concat(Enumerable.Repeat(line, 1 + 1024 * 1024 / line.Length)));
        var errors = new List<ImportError>();
        // Declared and unknown lengths: the limit holds on the bytes read as well as on the size a source reports.
        var declared = TestFiles.Entry(name, bytes);
        var undeclared = new ImportEntry("unknown-" + name, 0, () => new MemoryStream(bytes, writable: false));

        var candidates = new TextImportReader(limits).Read([declared, undeclared], errors).ToList();

        Assert.Empty(candidates);
        Assert.Equal([name, "unknown-" + name], errors.Select(e => e.Source));
        Assert.All(errors, e => Assert.Contains("over the 1 MiB limit for a text file (Import:MaxFileBytes)", e.Message, StringComparison.Ordinal));
        Assert.Contains($"is {bytes.Length} bytes", errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_text_file_limit_is_the_documented_20_mib()
    {
        var bytes = new byte[22 * 1024 * 1024];
        var errors = new List<ImportError>();

        _ = new TextImportReader(new ImportLimits()).Read([new ImportEntry("big.jsonl", bytes.Length, () => new MemoryStream(bytes))], errors).ToList();

        Assert.Contains("over the 20 MiB limit for a text file", Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_cells_guarded_by_the_export_read_back_as_they_were()
    {
        var (candidates, errors) = ReadText("export.csv", "id,text,label\n\"'=id\",\"'=SUM(A1:A9)\",\"'-1\"\nplain,\"''+quoted\",\"'neutral\"\n");

        Assert.Empty(errors);
        Assert.Equal([("=id", "=SUM(A1:A9)", "-1"), ("plain", "'+quoted", "'neutral")], candidates.Select(c => (c.ExternalId, c.Text, c.GroundTruth)));
    }

    [Fact]
    public void A_nul_in_a_jsonl_field_is_an_error_naming_the_line_and_the_field()
    {
        var (candidates, errors) = ReadText("data.jsonl", """
            {"id":"a","text":"fine"}
            {"id":"b","text":"a\u0000b"}
            {"id":"c\u0000","text":"id with a nul"}
            {"id":"d","text":"label with a nul","label":"cat\u0000"}
            """);

        Assert.Equal(
            [
                new ImportError("data.jsonl:2", "field \"text\" contains the NUL character (U+0000), which cannot be stored"),
                new ImportError("data.jsonl:3", "field \"id\" contains the NUL character (U+0000), which cannot be stored"),
                new ImportError("data.jsonl:4", "field \"label\" contains the NUL character (U+0000), which cannot be stored"),
            ],
            errors);
        Assert.Equal(["a"], candidates.Select(c => c.ExternalId));
    }

    [Fact]
    public void A_nul_byte_in_a_csv_cell_is_an_error_naming_the_row_and_the_column()
    {
        var (candidates, errors) = ReadText("data.csv", "id,text,label\na,fine,cat\nb,\"a\0b\",cat\nc,other,\"do\0g\"\n");

        Assert.Equal(
            [
                new ImportError("data.csv:3", "column \"text\" contains the NUL character (U+0000), which cannot be stored"),
                new ImportError("data.csv:4", "column \"label\" contains the NUL character (U+0000), which cannot be stored"),
            ],
            errors);
        Assert.Equal(["a"], candidates.Select(c => c.ExternalId));
    }
}
