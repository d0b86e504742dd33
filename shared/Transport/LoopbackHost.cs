using System.Net;

namespace Orchestrator.Shared.Transport;

/// <summary>
/// Whether a host name or address stays on this machine: plain HTTP is only safe there, because a bearer token
/// sent over http:// to any other address crosses the network in clear text.
/// </summary>
public static class LoopbackHost
{
    /// <summary>`localhost` (and names under it) or a loopback address (127.0.0.0/8, ::1).</summary>
    public static bool Is(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var bare = host.Trim('[', ']');
        return bare.Equals("localhost", StringComparison.OrdinalIgnoreCase)
               || bare.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
               || (IPAddress.TryParse(bare, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>True when a call to <paramref name="address"/> would carry its token unencrypted off this machine.</summary>
    public static bool SendsInClearText(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Scheme == Uri.UriSchemeHttp && !Is(address.Host);
    }
}
