using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Specs;

public sealed class SingleJobSpecTests
{
    [Fact]
    public void Every_job_of_a_sweep_written_back_as_a_job_file_parses_to_the_same_job_key()
    {
        const string sweep = """
            name: round-trip
            dataset: {format: captions-csv, images: /d/images, captions: /d/captions.txt, val_fraction: 0.25}
            encoders: [resnet18, mobilenet_v3_small]
            seeds: [0, 3]
            parameters:
              head_lr: [1e-3, 3e-4]
              loss: [infonce]
              pretrained: false
            """;

        foreach (var job in SweepSpecParser.Parse(sweep).Jobs)
        {
            var fromCanonical = SingleJobSpec.FromCanonical(job.CanonicalParameters, CanonicalJson.Serialize(job.Dataset));
            var reparsed = SweepSpecParser.ParseSingleJob(SingleJobSpec.ToJson(fromCanonical, "job-1"));

            Assert.Equal(job.JobKey, reparsed.JobKey);
            Assert.Equal(job.Dataset, reparsed.Dataset);
        }
    }
}
