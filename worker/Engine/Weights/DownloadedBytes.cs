namespace Orchestrator.Worker.Engine.Weights;

/// <summary>What a finished download knows to check the file against: the length the server announced and the SHA-256 it declared (a 64-hex ETag), each when given.</summary>
public sealed record DownloadedBytes(long Length, long? AnnouncedLength, string? DeclaredSha256);
