using Npgsql;

namespace Orchestrator.Coordinator.Storage;

/// <summary>
/// Tells a database that is away for a while (a restart, a failover, a full pool, refusing connections while it
/// starts) from a real fault: the first is waited out and retried (a Quartz job's next tick, a worker retrying an
/// UNAVAILABLE call), the second is a bug worth a stack trace. SQLSTATE class 08 is connection loss; 57P01–57P03
/// are an administrator or crash shutdown and "the database system is starting up"; 53300 is too many connections.
/// </summary>
public static class DatabaseOutage
{
    private static readonly string[] UnavailableStates = ["57P01", "57P02", "57P03", "53300"];

    private static readonly string[] UnavailableMessages =
        ["the database system is starting up", "the database system is shutting down", "the database system is in recovery mode"];

    public static bool Is(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres:
                    // A statement PostgreSQL refused is a bug however often it is retried; only these states are the server going away.
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || UnavailableStates.Contains(postgres.SqlState);
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return true; // socket errors, timeouts while opening, a broken connection
                case System.Net.Sockets.SocketException or TimeoutException:
                    return true;
            }

            if (UnavailableMessages.Any(m => current.Message.Contains(m, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One line for a log: what failed and why, without the stack.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.InnerException is { } inner && exception is not PostgresException
            ? $"{exception.Message} ({inner.Message})"
            : exception.Message;
    }
}
