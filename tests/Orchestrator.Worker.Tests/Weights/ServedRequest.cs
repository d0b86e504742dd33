namespace Orchestrator.Worker.Tests.Weights;

/// <summary>A request the loopback server saw: its path and Range header (null without one).</summary>
public sealed record ServedRequest(string Path, string? Range);
