namespace Orchestrator.Integration.Tests.Hostile;

/// <summary>What a catalogue call presents as its `authorization` header.</summary>
public enum CallerToken
{
    /// <summary>The client role's bearer token.</summary>
    Client,

    /// <summary>The worker role's bearer token.</summary>
    Worker,

    /// <summary>No authorization header at all.</summary>
    None,

    /// <summary>A bearer token neither role has.</summary>
    Unknown,

    /// <summary>Another scheme (Basic credentials).</summary>
    Basic,

    /// <summary>The Bearer scheme with nothing after it.</summary>
    Empty,

    /// <summary>An 8 KB bearer token neither role has.</summary>
    Oversized,
}
