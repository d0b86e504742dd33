namespace Orchestrator.Worker.Engine.Data.Images;

/// <summary>An image the pipeline could not use, with why; the job result reports these.</summary>
public sealed record SkippedImage(string Path, string Reason);
