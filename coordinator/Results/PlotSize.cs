namespace Orchestrator.Coordinator.Results;

/// <summary>A plot's size in pixels (SVG: user units).</summary>
public readonly record struct PlotSize(int Width, int Height)
{
    /// <summary>The size `orch results --plots` and `orch demo` write: legible with a legend of a dozen jobs.</summary>
    public static PlotSize Default { get; } = new(1000, 650);
}
