namespace Orchestrator.Coordinator.Results;

/// <summary>
/// One figure of a sweep: its file name without extension (`orch results --plots` writes NAME.png and NAME.svg, the
/// dashboard serves /sweeps/ID/NAME.svg and .png), its title, and how to draw it in either format.
/// </summary>
public sealed record SweepPlot(string Name, string Title, Func<PlotFormat, byte[]> Render);
