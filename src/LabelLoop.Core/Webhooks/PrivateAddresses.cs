using System.Net;
using System.Net.Sockets;

namespace LabelLoop.Core.Webhooks;

/// <summary>
/// Which IP addresses are not on the public internet: loopback, private (RFC 1918, IPv6 unique local), link-local
/// (incl. cloud metadata at 169.254.169.254), carrier-grade NAT, "this network", multicast and reserved ranges.
/// Webhook deliveries refuse them unless an operator allows private targets, so a project admin cannot make the
/// server call into its own network.
/// </summary>
public static class PrivateAddresses
{
    /// <summary>True when <paramref name="address"/> is not a public unicast address.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address))
        {
            return true;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return b[0] switch
            {
                0 or 10 or 127 => true,
                100 => b[1] is >= 64 and <= 127,
                169 => b[1] == 254,
                172 => b[1] is >= 16 and <= 31,
                192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2) || (b[1] == 88 && b[2] == 99),
                198 => b[1] is 18 or 19 || (b[1] == 51 && b[2] == 100),
                203 => b[1] == 0 && b[2] == 113,
                >= 224 => true,
                _ => false,
            };
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast)
            {
                return true;
            }
            Span<byte> b = stackalloc byte[16];
            address.TryWriteBytes(b, out _);
            // fc00::/7 unique local; 2001:db8::/32 documentation; 64:ff9b::/96 translates to IPv4 (check the embedded address).
            if ((b[0] & 0xfe) == 0xfc || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8))
            {
                return true;
            }
            if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].IndexOfAnyExcept((byte)0) < 0)
            {
                return IsPrivate(new IPAddress(b[12..]));
            }
            return false;
        }
        return true;
    }
}
