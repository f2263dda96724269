using System.Security.Cryptography;
using System.Text;

namespace LabelLoop.Jobs.Webhooks;

/// <summary>The <c>X-LabelLoop-Signature</c> header: <c>sha256=</c> and the lower-case hex HMAC-SHA256 of the raw body, keyed with the secret's UTF-8 bytes.</summary>
public static class WebhookSignature
{
    public const string Header = "X-LabelLoop-Signature";
    public const string EventHeader = "X-LabelLoop-Event";
    public const string DeliveryHeader = "X-LabelLoop-Delivery";

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>What a receiver does: recompute and compare in constant time.</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? header) =>
        header is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, body)), Encoding.ASCII.GetBytes(header));
}
