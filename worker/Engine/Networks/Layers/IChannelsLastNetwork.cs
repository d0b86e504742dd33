namespace Orchestrator.Worker.Engine.Networks.Layers;

/// <summary>
/// A network whose layers are built for channels-last input (<see cref="ChannelsLast"/>): its own forward converts
/// the input, and whoever runs its stages without that forward (the image tower cutting off the classifier) must
/// convert the input the same way.
/// </summary>
public interface IChannelsLastNetwork;
