namespace Orchestrator.Worker.Tests.Weights;

/// <summary>How <see cref="LoopbackWeightsServer"/> answers for one path: the bytes, and the ways it misbehaves.</summary>
public sealed record ServedFile(byte[] Content)
{
    /// <summary>HTTP status for every request (404, 403 …); 200 serves the content.</summary>
    public int Status { get; init; } = 200;

    /// <summary>The first requests answer 503.</summary>
    public int FailFirst { get; init; }

    /// <summary>The first response closes the connection after the body reaches this offset.</summary>
    public long? DropFirstAt { get; init; }

    /// <summary>Answers a range request with 200 and the whole file.</summary>
    public bool IgnoreRange { get; init; }

    public int ChunkBytes { get; init; } = 1 << 16;

    public TimeSpan DelayPerChunk { get; init; } = TimeSpan.Zero;

    public string? ETag { get; init; }

    /// <summary>Answer 302 to this path instead, with <see cref="ETag"/> sent as X-Linked-Etag (the Hugging Face hub's LFS redirect).</summary>
    public string? RedirectTo { get; init; }
}
