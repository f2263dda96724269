using System.Buffers.Text;
using System.Globalization;
using System.Text;
using LabelLoop.Core;

namespace LabelLoop.Web.Api;

/// <summary>One page of a list: the items and, when more follow, the opaque cursor that fetches the next page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Cursor (keyset) pagination for every list under <c>/api/v1</c>: <c>?limit=N&amp;cursor=C</c>. A cursor is the
/// opaque, base64url-encoded key of the last item served, so pages stay stable while rows are added, and a
/// page costs an index seek however deep it is.
/// </summary>
/// <remarks>
/// Services take <c>(long? after, int take)</c> and return up to <c>take</c> rows ordered by their key; ask for
/// <see cref="Take"/> rows (one more than the limit) and hand them to <see cref="ToPage{T}"/>, which drops the extra
/// row and sets <see cref="Page{T}.NextCursor"/> when it was there.
/// </remarks>
public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>The page size asked for, checked: 1 to <see cref="MaxLimit"/>, <see cref="DefaultLimit"/> when absent.</summary>
    public static int Limit(int? limit) => limit switch
    {
        null => DefaultLimit,
        < 1 or > MaxLimit => throw new DomainValidationException("limit", $"limit must be between 1 and {MaxLimit}."),
        { } n => n,
    };

    /// <summary>How many rows to fetch for a page of <paramref name="limit"/>: one more, to learn whether another page follows.</summary>
    public static int Take(int limit) => limit + 1;

    /// <summary>The key after which the page starts, or null for the first page; a cursor not made here is a 400.</summary>
    public static long? After(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            if (text.StartsWith("k:", StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(2), NumberStyles.Integer, CultureInfo.InvariantCulture, out var key))
            {
                return key;
            }
        }
        catch (FormatException)
        {
        }
        throw new DomainValidationException("cursor", "The cursor is not one this API returned; start again without it.");
    }

    public static string Cursor(long key) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"k:{key}")));

    /// <summary>Cuts <paramref name="rows"/> (fetched with <see cref="Take"/>) to <paramref name="limit"/> and sets the next cursor.</summary>
    public static Page<T> ToPage<T>(IReadOnlyList<T> rows, int limit, Func<T, long> key)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(key);
        if (rows.Count <= limit)
        {
            return new Page<T>(rows, null);
        }
        var items = rows.Take(limit).ToList();
        return new Page<T>(items, Cursor(key(items[^1])));
    }
}
