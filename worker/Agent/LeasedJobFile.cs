using System.Text.Json;
using Orchestrator.Protos;
using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// The job a trainer child runs for the agent, as the coordinator stored and leased it: the stored parameters
/// and dataset JSON copied unchanged, the job key, and the lease. The trainer recomputes the key from the
/// parameters and refuses a file whose parameters are not the ones the key names, so what trains is what the
/// sweep stored. Hand-written job files (`train --job x.yaml`) go through the spec parser instead.
/// </summary>
public sealed record LeasedJobFile(long JobId, long SweepId, int Attempt, string JobKey, JobDefinition Job)
{
    private const string JobIdField = "job_id";
    private const string SweepIdField = "sweep_id";
    private const string AttemptField = "attempt";
    private const string JobKeyField = "job_key";
    private const string ParametersField = "parameters";
    private const string DatasetField = "dataset";

    /// <summary>Writes the leased job to <paramref name="path"/>; its parameters and dataset keep the coordinator's exact text.</summary>
    public static void Write(string path, LeasedJob lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteNumber(JobIdField, lease.JobId);
        writer.WriteNumber(SweepIdField, lease.SweepId);
        writer.WriteNumber(AttemptField, lease.Attempt);
        writer.WriteString(JobKeyField, lease.JobKey);
        writer.WritePropertyName(ParametersField);
        writer.WriteRawValue(lease.ParametersJson);
        writer.WritePropertyName(DatasetField);
        writer.WriteRawValue(lease.DatasetJson);
        writer.WriteEndObject();
    }

    /// <summary>Reads a leased job and checks that its parameters are those its job key names.</summary>
    /// <exception cref="InvalidJobException">The file is not a leased job, or its parameters do not match its key.</exception>
    public static LeasedJobFile Read(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            var jobKey = root.GetProperty(JobKeyField).GetString() ?? throw new JsonException($"{JobKeyField} is null");
            var job = SingleJobSpec.FromCanonical(root.GetProperty(ParametersField).GetRawText(), root.GetProperty(DatasetField).GetRawText());
            if (job.JobKey != jobKey)
            {
                throw new InvalidJobException([new JobProblem(JobKeyField,
                    $"the parameters in {path} hash to {job.JobKey}, but the leased job's key is {jobKey}: the file changed after the agent wrote it, so it is not the job the sweep stored; refusing to train")]);
            }

            return new LeasedJobFile(root.GetProperty(JobIdField).GetInt64(), root.GetProperty(SweepIdField).GetInt64(), root.GetProperty(AttemptField).GetInt32(), jobKey, job);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidJobException([new JobProblem("job", $"{path} is not a leased job file the agent writes: {e.Message}")]);
        }
    }
}
