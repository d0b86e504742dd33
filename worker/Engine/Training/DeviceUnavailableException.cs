namespace Orchestrator.Worker.Engine.Training;

/// <summary>
/// The job was asked to train on a device this process cannot use (CUDA requested, none available). Training on
/// the CPU instead would hide a broken GPU slot behind jobs that take a hundred times longer.
/// </summary>
public sealed class DeviceUnavailableException : Exception
{
    public DeviceUnavailableException()
    {
    }

    public DeviceUnavailableException(string message)
        : base(message)
    {
    }

    public DeviceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
