namespace Orchestrator.Worker.Engine.Weights;

/// <summary>One file in the weights directory, with its SHA-256 and what that says: "verified (…)", "MISMATCH (…)" or "unverified (…)".</summary>
public sealed record CachedFile(string RelativePath, long Length, string Sha256, string Status);
