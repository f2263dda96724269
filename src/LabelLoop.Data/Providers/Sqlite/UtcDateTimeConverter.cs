using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LabelLoop.Data.Providers.Sqlite;

/// <summary>Marks timestamps read from SQLite as UTC (they are stored as UTC text without a zone).</summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : v,
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
