using Microsoft.Extensions.Options;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// Checks the agent's settings when the host starts and names each bad one by the switch that sets it, so a
/// mistyped duration or a missing token stops the worker at once instead of at its first call.
/// </summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        void Require(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }

        Require(!string.IsNullOrWhiteSpace(options.Token),
            "a worker token is required: --token, ORCH_WORKER_TOKEN or ORCH_AGENT__TOKEN (a local `orch serve` writes one to " + Shared.Configuration.LocalCredentials.FilePath + ")");
        try
        {
            CoordinatorConnection.ParseAddresses(options.Coordinator);
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            Shared.Transport.CoordinatorTrust.Load(options.CaFile);
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }

        Require(options.Slots is null or >= 1, $"--slots must be at least 1, got {options.Slots}");
        Require(options.ThreadsPerSlot is null or >= 1, $"--threads-per-slot must be at least 1, got {options.ThreadsPerSlot}");
        Require(!string.IsNullOrWhiteSpace(options.Name), "--name must not be empty");
        Require(!string.IsNullOrWhiteSpace(options.CheckpointRoot), "--checkpoint-root must not be empty");
        Require(!string.IsNullOrWhiteSpace(options.StateDirectory), "--state-dir must not be empty");
        Require(!string.IsNullOrWhiteSpace(options.WeightsDirectory), "--weights-dir must not be empty");
        Require(options.LeaseWait >= TimeSpan.Zero, $"--lease-wait must not be negative, got {options.LeaseWait}");
        Require(options.KillGrace > TimeSpan.Zero, $"--kill-grace must be positive, got {options.KillGrace}");
        Require(options.MetricsPollInterval > TimeSpan.Zero, $"Agent:MetricsPollInterval must be positive, got {options.MetricsPollInterval}");
        Require(options.MaxRetryDelay > TimeSpan.Zero, $"Agent:MaxRetryDelay must be positive, got {options.MaxRetryDelay}");
        Require(options.MaxConsecutiveDeviceFailures >= 1, $"Agent:MaxConsecutiveDeviceFailures must be at least 1, got {options.MaxConsecutiveDeviceFailures}");
        Require(options.MetricsPort is null or (>= 1 and <= 65535), $"--metrics-port must be a TCP port from 1 to 65535, got {options.MetricsPort}");
        Require(options.ErrorTailLines >= 1, $"Agent:ErrorTailLines must be at least 1, got {options.ErrorTailLines}");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
