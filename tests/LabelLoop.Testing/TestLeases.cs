using LabelLoop.Data.Providers;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Testing;

/// <summary>
/// Leases chosen items to an annotator, as the queue would have served them, for tests that answer particular items
/// (their ground truth, a fixed order). Answers must come from a lease; this sets one up without walking the queue.
/// </summary>
public static class TestLeases
{
    /// <summary>Leases <paramref name="itemIds"/> to <paramref name="userId"/> for an hour from <paramref name="clock"/>'s now.</summary>
    public static async Task LeaseAsync(this TempDatabase database, int projectId, string userId, IEnumerable<long> itemIds, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        var now = (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        var expires = now.AddHours(1);
        var ids = itemIds.ToArray();
        await using var db = database.CreateContext();
        var dialect = DatabaseDialect.Of(db);
        var sql = $$"""
            INSERT INTO "ItemLeases" ("ProjectId", "ItemId", "UserId", "LeasedUtc", "ExpiresUtc")
            SELECT {0}, i."Id", {1}, {2}, {3} FROM "Items" i WHERE i."ProjectId" = {0} AND {{dialect.InList("i.\"Id\"", "{4}")}}
            ON CONFLICT ("ItemId", "UserId") DO UPDATE SET "LeasedUtc" = EXCLUDED."LeasedUtc", "ExpiresUtc" = EXCLUDED."ExpiresUtc"
            """;
        await db.Database.ExecuteSqlRawAsync(sql, projectId, userId, now, expires, dialect.ListValue(ids));
    }

    /// <summary>Leases one item (see <see cref="LeaseAsync(TempDatabase, int, string, IEnumerable{long}, TimeProvider?)"/>).</summary>
    public static Task LeaseAsync(this TempDatabase database, int projectId, string userId, long itemId, TimeProvider? clock = null) =>
        database.LeaseAsync(projectId, userId, [itemId], clock);
}
