using Orchestrator.Testing;
using Orchestrator.Worker.Commands;
using Orchestrator.Worker.Engine.Networks.Weights;

namespace Orchestrator.Worker.Tests.Networks;

public sealed class ImageTowerWeightsTests
{
    private static string Fixture(string file) => Path.Combine(ReferenceData.FixturesDirectory, file);

    private static void SkipWithoutFixtures()
    {
        var missing = ReferenceData.MissingReason(ReferenceData.FixturesDirectory);
        Skip.If(missing is not null, missing);
    }

    [SkippableFact]
    public void Matching_file_reads_all_keys_and_loads()
    {
        SkipWithoutFixtures();
        var shapes = PthStateDictShapes.Read(Fixture("mobilenet_v3_small.pth"));
        Assert.Equal(244, shapes.Count);
        Assert.Equal(new long[] { 16, 3, 3, 3 }, shapes["features.0.0.weight"]);
        using var model = TorchvisionClassifiers.Create("mobilenet_v3_small");
        ImageTowerWeights.Load(model, Fixture("mobilenet_v3_small.pth"));
    }

    [SkippableFact]
    public void Foreign_file_fails_before_loading_with_the_offending_keys()
    {
        SkipWithoutFixtures();
        using var model = TorchvisionClassifiers.Create("mobilenet_v2");
        var before = model.state_dict()["features.0.0.weight"].clone();
        var error = Assert.Throws<WeightLoadException>(() => ImageTowerWeights.Load(model, Fixture("efficientnet_b0.pth")));
        var comparison = error.Comparison!;
        Assert.False(comparison.IsMatch);
        Assert.NotEmpty(comparison.Missing);
        Assert.NotEmpty(comparison.Unexpected);
        Assert.Contains("features.1.conv.0.0.weight", comparison.Missing);
        Assert.Contains("features.1.0.block.0.0.weight", comparison.Unexpected);
        Assert.Equal(comparison.Missing.Count + comparison.Unexpected.Count > 0, error.Message.Contains("features.", StringComparison.Ordinal));
        Assert.Contains($"{comparison.Unexpected.Count} unexpected in the file (first 20):", error.Message, StringComparison.Ordinal);
        var listed = new[] { comparison.Missing.Count, comparison.Unexpected.Count, comparison.ShapeMismatches.Count }.Sum(n => Math.Min(n, StateDictComparison.ListedKeys));
        Assert.Equal(listed, error.Message.Split('\n').Count(line => line.StartsWith("  ", StringComparison.Ordinal)));
        Assert.True(before.equal(model.state_dict()["features.0.0.weight"]).all().item<bool>(), "nothing is loaded when keys differ");
    }

    [Fact]
    public void Pretrained_without_a_file_names_torchvision_file_and_source()
    {
        var directory = Directory.CreateTempSubdirectory("orch-weights-").FullName;
        try
        {
            var error = Assert.Throws<WeightLoadException>(() => ImageTowerWeights.ResolvePretrained("resnet50", directory));
            Assert.Contains(Path.Combine(directory, "resnet50-0676ba61.pth"), error.Message, StringComparison.Ordinal);
            Assert.Contains("download.pytorch.org/models/resnet50-0676ba61.pth", error.Message, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(directory, "efficientnet_b0_rwightman-7f5810bc.pth"), "");
            Assert.Equal(Path.Combine(directory, "efficientnet_b0_rwightman-7f5810bc.pth"), ImageTowerWeights.ResolvePretrained("efficientnet_b0", directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [SkippableFact]
    public void Inspect_command_reports_load_and_mismatch()
    {
        SkipWithoutFixtures();
        var good = new StringWriter();
        Assert.Equal(0, InspectWeightsCommand.Run(["--encoder", "efficientnet_b0", "--weights", Fixture("efficientnet_b0.pth")], good));
        Assert.StartsWith("LOADS", good.ToString(), StringComparison.Ordinal);
        Assert.Contains("all 360 keys match", good.ToString(), StringComparison.Ordinal);

        var bad = new StringWriter();
        Assert.Equal(1, InspectWeightsCommand.Run(["--encoder", "resnet18", "--weights", Fixture("mobilenet_v2.pth")], bad));
        Assert.StartsWith("DOES NOT LOAD", bad.ToString(), StringComparison.Ordinal);
        Assert.Contains("missing from the file", bad.ToString(), StringComparison.Ordinal);

        var text = new StringWriter();
        Assert.Equal(0, InspectWeightsCommand.Run(["--encoder", "distilbert", "--weights", Fixture("distilbert-tiny")], text));
        Assert.Contains("all 36 keys match", text.ToString(), StringComparison.Ordinal);
    }
}
