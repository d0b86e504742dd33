using Orchestrator.Coordinator.Cli;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Tests.Cli;

/// <summary>`orch submit` sends a spec whose ONNX towers name readable files with their checksums filled in.</summary>
public sealed class SubmitChecksumTests
{
    [Fact]
    public void A_readable_model_file_gets_its_checksum_and_other_specs_go_as_written()
    {
        var model = Path.Combine(Path.GetTempPath(), $"orch-submit-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(model, [7, 7, 7]);
        try
        {
            var spec = $"name: s\ndataset: {{format: synthetic}}\nonnx_towers:\n  t: {{kind: image, model: '{model}'}}\nencoders: [t]\n";
            var sent = SweepCommands.WithModelChecksums(spec, quiet: true);

            var job = SweepSpecParser.ParseSingleJob(sent);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(new byte[] { 7, 7, 7 })), job.Parameters.OnnxImageTower!.Sha256);

            const string plain = "name: s\ndataset: {format: synthetic}\nencoders: [resnet18]\n";
            Assert.Same(plain, SweepCommands.WithModelChecksums(plain, quiet: true));
            const string broken = "name: s\nencoders: [nonesuch]\n";
            Assert.Same(broken, SweepCommands.WithModelChecksums(broken, quiet: true));
        }
        finally
        {
            File.Delete(model);
        }
    }
}
