using Orchestrator.Worker.Commands;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>Bad job descriptions fail before training, naming the field.</summary>
public sealed class JobValidationTests : IDisposable
{
    private const string Valid = """
        name: t
        dataset: {format: synthetic, synthetic_images: 20}
        encoders: [tiny_cnn]
        parameters:
          text_encoder: small-transformer
          pretrained: false
          image_size: 32
        """;

    private readonly string directory = Directory.CreateTempSubdirectory("orch-job-").FullName;

    public static TheoryData<string, string, string> BadJobs => new()
    {
        { "unknown field", Valid + "\n  epochz: 2", "epochz" },
        { "batch size 0", Valid + "\n  batch_size: 0", "batch_size" },
        { "image below the encoder minimum", Valid.Replace("image_size: 32", "image_size: 8", StringComparison.Ordinal), "image_size" },
        { "inception below 75 px", Valid.Replace("[tiny_cnn]", "[inception_v3]", StringComparison.Ordinal).Replace("image_size: 32", "image_size: 64", StringComparison.Ordinal), "image_size" },
        { "unknown text tower", Valid.Replace("small-transformer", "gpt2", StringComparison.Ordinal), "text_encoder" },
        { "pretrained weights for a tower without any", Valid.Replace("pretrained: false", "pretrained: {image: true}", StringComparison.Ordinal), "pretrained.image" },
        { "two jobs in one file", Valid.Replace("[tiny_cnn]", "[tiny_cnn, resnet18]", StringComparison.Ordinal), "exactly one job" },
    };

    [Theory]
    [MemberData(nameof(BadJobs))]
    public void Train_command_rejects_the_job_before_training_and_names_the_field(string why, string yaml, string field)
    {
        var job = Path.Combine(directory, "job.yaml");
        File.WriteAllText(job, yaml);
        var output = new StringWriter();
        var error = new StringWriter();

        var code = TrainCommand.Run(["--job", job, "--out", Path.Combine(directory, "out")], output, error);

        Assert.True(code == TrainCommand.InvalidInput, $"{why}: exit {code}, {error}");
        Assert.Contains(field, error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(directory, "out", "checkpoints")), $"{why}: training started");
    }

    [Fact]
    public void Validator_lists_every_problem_at_once()
    {
        var job = TrainingTests.SmallJob() with
        {
            Parameters = TrainingTests.SmallJob().Parameters with { BatchSize = 0, Encoder = "vgg16", TextWidth = 63 },
        };

        var problems = JobValidator.Validate(job);

        Assert.Equal(new[] { "encoder", "batch_size", "text_width" }, problems.Select(p => p.Field));
        Assert.Contains("tiny_cnn", problems[0].Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
