using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace LabelLoop.Web;

/// <summary>
/// Trust in a reverse proxy's <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>, from configuration
/// (<c>ForwardedHeaders:KnownProxies</c>, <c>ForwardedHeaders:KnownNetworks</c>: a list, or one comma-separated
/// value). Off unless one of them names an address: any client can send the headers, and only the proxies named here
/// are believed. Behind a proxy, the client address is what the sign-in throttle and the anonymous rate limit count
/// per; without this, every client shares the proxy's address.
/// </summary>
public static class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    /// <summary>The options configuration describes, or null when it names no proxy (the headers are then ignored).</summary>
    public static ForwardedHeadersOptions? Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        var proxies = Values(section, "KnownProxies")
            .Select(v => IPAddress.TryParse(v, out var address)
                ? address
                : throw new InvalidOperationException($"{Section}:KnownProxies: '{v}' is not an IP address."))
            .ToList();
        var networks = Values(section, "KnownNetworks")
            .Select(v => System.Net.IPNetwork.TryParse(v, out var network)
                ? network
                : throw new InvalidOperationException($"{Section}:KnownNetworks: '{v}' is not a network in CIDR notation (10.0.0.0/8)."))
            .ToList();
        if (proxies.Count == 0 && networks.Count == 0)
        {
            return null;
        }
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            // The middleware walks X-Forwarded-For from the right while the hop is a known proxy and stops at the
            // first one that is not: that address is the client, however many trusted proxies stand in between.
            ForwardLimit = null,
        };
        // The defaults trust loopback; only what configuration names is trusted here.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            options.KnownProxies.Add(proxy);
        }
        foreach (var network in networks)
        {
            options.KnownIPNetworks.Add(network);
        }
        return options;
    }

    /// <summary>The entries of a list key, or of a single comma-separated value.</summary>
    private static IEnumerable<string> Values(IConfigurationSection section, string key)
    {
        var child = section.GetSection(key);
        // Some sources give a list key an empty value beside its entries: read both.
        var values = child.GetChildren().Select(c => c.Value ?? "").Prepend(child.Value ?? "");
        return values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
