namespace Orchestrator.LocalPostgres;

/// <summary>How <see cref="LocalPostgresCluster.StopServerAsync"/> stops the server: pg_ctl's shutdown modes.</summary>
public enum PostgresStopMode
{
    /// <summary>`-m fast`: sessions are ended, a shutdown checkpoint is written (a planned restart or failover).</summary>
    Fast,

    /// <summary>`-m immediate`: every process quits at once, no checkpoint; the next start recovers from the WAL (a crash).</summary>
    Immediate,
}
