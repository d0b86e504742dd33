namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// A setting the coordinator cannot serve with (a certificate that does not load, a token in both roles); its message
/// names the setting, what is wrong and what to do. `orch serve` prints it and exits before serving.
/// </summary>
public sealed class CoordinatorConfigurationException : Exception
{
    public CoordinatorConfigurationException()
    {
    }

    public CoordinatorConfigurationException(string message)
        : base(message)
    {
    }

    public CoordinatorConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
