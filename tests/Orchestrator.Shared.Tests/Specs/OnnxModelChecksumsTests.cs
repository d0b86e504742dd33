using System.Security.Cryptography;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Specs;

/// <summary>`orch submit` fills a missing sha256 of an ONNX tower's model file when it can read the file.</summary>
public sealed class OnnxModelChecksumsTests : IDisposable
{
    private readonly string weights = Path.Combine(Path.GetTempPath(), "orch-checksums-" + Guid.NewGuid().ToString("N"));

    public OnnxModelChecksumsTests()
    {
        Directory.CreateDirectory(Path.Combine(weights, "m"));
        File.WriteAllBytes(Path.Combine(weights, "m", "model.onnx"), [1, 2, 3]);
    }

    public void Dispose() => Directory.Delete(weights, recursive: true);

    private static readonly string Sha = Convert.ToHexStringLower(SHA256.HashData(new byte[] { 1, 2, 3 }));

    private static SweepSpec Spec(string model, string? sha = null) => SweepSpecParser.Parse(
        $"name: c\ndataset: {{format: synthetic}}\nonnx_towers:\n  t: {{kind: image, model: '{model}'{(sha is null ? "" : $", sha256: {sha}")}}}\nencoders: [t]\n").Spec;

    [Fact]
    public void A_relative_model_is_read_under_the_weights_directory_and_its_checksum_changes_the_job_key()
    {
        var spec = Spec("m/model.onnx");
        var (filled, list) = OnnxModelChecksums.FillMissing(spec, weights);

        Assert.Equal(Sha, filled.OnnxTowers!["t"].Sha256);
        Assert.Equal(new FilledChecksum("t", Path.Combine(weights, "m", "model.onnx"), Sha), Assert.Single(list));
        var before = SweepSpecParser.Parse(spec.ToCanonicalJson()).Jobs[0];
        var after = SweepSpecParser.Parse(filled.ToCanonicalJson()).Jobs[0];
        Assert.Equal(Sha, after.Parameters.OnnxImageTower!.Sha256);
        Assert.NotEqual(before.JobKey, after.JobKey);
    }

    [Fact]
    public void An_absolute_path_needs_no_weights_directory()
    {
        var (filled, _) = OnnxModelChecksums.FillMissing(Spec(Path.Combine(weights, "m", "model.onnx")), null);
        Assert.Equal(Sha, filled.OnnxTowers!["t"].Sha256);
    }

    [Fact]
    public void Unreadable_files_and_given_checksums_are_left_as_they_are()
    {
        Assert.Empty(OnnxModelChecksums.FillMissing(Spec("m/model.onnx"), null).Filled);
        Assert.Empty(OnnxModelChecksums.FillMissing(Spec("m/absent.onnx"), weights).Filled);
        var given = new string('a', 64);
        var (kept, list) = OnnxModelChecksums.FillMissing(Spec("m/model.onnx", given), weights);
        Assert.Empty(list);
        Assert.Equal(given, kept.OnnxTowers!["t"].Sha256);
    }
}
