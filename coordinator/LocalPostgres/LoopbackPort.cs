using System.Net;
using System.Net.Sockets;

namespace Orchestrator.LocalPostgres;

/// <summary>A TCP port on 127.0.0.1 that was free a moment ago (another process may still take it: callers retry or accept that).</summary>
public static class LoopbackPort
{
    public static int PickFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
