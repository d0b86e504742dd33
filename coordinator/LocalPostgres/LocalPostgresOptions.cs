namespace Orchestrator.LocalPostgres;

/// <summary>How to run a local PostgreSQL cluster. Only <see cref="DataDirectory"/> is required.</summary>
public sealed record LocalPostgresOptions
{
    /// <summary>Where the cluster lives. Created and initialised on first start.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Kept after stop (the `orch` embedded default) or removed with everything in it (tests).</summary>
    public bool Persistent { get; init; } = true;

    /// <summary>The database created on start if missing; the connection string points at it.</summary>
    public string Database { get; init; } = "orchestrator";

    /// <summary>Directory of initdb/pg_ctl/postgres; found automatically when null (see <see cref="PostgresBinaries.Locate"/>).</summary>
    public string? BinDirectory { get; init; }

    /// <summary>A fixed port; a free loopback port is picked when null.</summary>
    public int? Port { get; init; }

    /// <summary>Trade durability for speed (fsync off): right for throwaway test clusters only.</summary>
    public bool Unsafe { get; init; }

    /// <summary>How long to wait for the server to accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Connections the server accepts; tests with many parallel workers need more than the default 100.</summary>
    public int MaxConnections { get; init; } = 300;
}
