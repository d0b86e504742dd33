using Npgsql;

namespace Orchestrator.Coordinator.Storage;

/// <summary>
/// Tells a database that is away for a while (restarting, failing over, refusing connections while it starts)
/// from a real fault: the first is waited out and retried, the second is a bug worth a stack trace.
/// </summary>
public static class DatabaseOutage
{
    /// <summary>admin_shutdown, crash_shutdown, cannot_connect_now: the server is going down or not up yet.</summary>
    private static readonly string[] ServerGoingAway = ["57P01", "57P02", "57P03"];

    public static bool Is(Exception exception) => exception switch
    {
        PostgresException server => server.IsTransient || ServerGoingAway.Contains(server.SqlState) || server.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException client => client.IsTransient,
        _ => false,
    };

    /// <summary>One line for a log: what failed and why, without the stack.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.InnerException is { } inner && exception is not PostgresException
            ? $"{exception.Message} ({inner.Message})"
            : exception.Message;
    }
}
