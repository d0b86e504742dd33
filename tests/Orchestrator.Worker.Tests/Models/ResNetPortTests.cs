using Orchestrator.Worker.Engine;
using Orchestrator.Worker.Models.ResNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Models;

/// <summary>
/// The ResNet ports (1×1 layers as products, channels-last) are TorchVision's ResNets: same state_dict keys and
/// shapes, and with the same weights the same outputs, in eval and in train mode, and the same gradients.
/// </summary>
public sealed class ResNetPortTests
{
    public static TheoryData<string, long> Published => new() { { "resnet18", 11_689_512 }, { "resnet50", 25_557_032 } };

    public static TheoryData<string> Names => ["resnet18", "resnet50"];

    [Theory]
    [MemberData(nameof(Published))]
    public void State_dict_keys_and_shapes_equal_torchvisions(string name, long parameters)
    {
        using var port = Port(name);
        using var reference = TorchVision(name);
        var ours = port.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var theirs = reference.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
        Assert.All(theirs, kv => Assert.Equal(kv.Value, ours[kv.Key]));
        Assert.Equal(parameters, port.parameters().Sum(p => p.numel()));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void With_torchvisions_weights_it_computes_torchvisions_outputs_and_gradients(string name)
    {
        // TorchVision's reference reaches oneDNN's crashing 1×1 backward on hosts without cache sizes.
        TorchRuntime.Prepare();
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        using var reference = TorchVision(name, 10);
        using var port = Port(name, 10);
        port.load_state_dict(reference.state_dict());
        var input = randn(2, 3, 64, 64);

        reference.eval();
        port.eval();
        using (no_grad())
        {
            AssertClose(reference.call(input), port.call(input), 1e-4f, "eval logits");
        }

        // Float32 gradients through fifty layers of batch-2 BatchNorm differ by percents between any two orders
        // of summation; in float64 both sides are exact to rounding, so a wrong gradient cannot hide there.
        reference.to(float64).train();
        port.to(float64).train();
        var input64 = input.to(float64);
        reference.call(input64).square().mean().backward();
        port.call(input64).square().mean().backward();

        var referenceGradients = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (key, parameter) in port.named_parameters())
        {
            var expected = referenceGradients[key];
            var relative = ((expected - parameter.grad!).abs().max() / expected.abs().max().clamp_min(1e-30)).item<double>();
            Assert.True(relative < 1e-9, $"{name}, gradient of {key}: max |Δ| / max |g| = {relative:E2}");
        }
    }

    private static ResNetClassifier Port(string name, int classes = 1000) =>
        name == "resnet18" ? ResNetClassifier.ResNet18(classes) : ResNetClassifier.ResNet50(classes);

    private static TorchSharp.Modules.ResNet TorchVision(string name, int classes = 1000) =>
        name == "resnet18" ? torchvision.models.resnet18(num_classes: classes) : torchvision.models.resnet50(num_classes: classes);

    private static void AssertClose(Tensor expected, Tensor actual, float tolerance, string what)
    {
        var difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference <= tolerance, $"{what}: max |Δ| = {difference:E3}");
    }
}
