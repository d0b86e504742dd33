using Orchestrator.Worker.Engine;
using Orchestrator.Worker.Engine.Networks.MobileNet;
using Orchestrator.Worker.Engine.Networks.ResNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Networks;

/// <summary>
/// The ported towers (1×1 layers as products, channels-last) are TorchVision for .NET's models: same state_dict keys
/// and shapes, and with the same weights the same outputs, in eval and in train mode, and the same gradients.
/// </summary>
public sealed class TorchVisionPortTests
{
    public static TheoryData<string, long> Published => new()
    {
        { "resnet18", 11_689_512 },
        { "resnet50", 25_557_032 },
        { "mobilenet_v2", 3_504_872 },
        { "mobilenet_v3_small", 2_542_856 },
        { "mobilenet_v3_large", 5_483_032 },
    };

    public static TheoryData<string> Names => ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large"];

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
        // TorchVision's references reach oneDNN's crashing 1×1 backward on hosts without cache sizes.
        TorchRuntime.Prepare();
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        // TorchVision for .NET builds its MobileNetV3s with 1000 classes only.
        var classes = name.StartsWith("mobilenet", StringComparison.Ordinal) ? 1000 : 10;
        using var reference = TorchVision(name, classes);
        using var port = Port(name, classes);
        port.load_state_dict(reference.state_dict());
        var input = randn(2, 3, 64, 64);

        reference.eval();
        port.eval();
        using (no_grad())
        {
            var difference = (reference.call(input) - port.call(input)).abs().max().item<float>();
            Assert.True(difference <= 1e-4f, $"{name}, eval logits: max |Δ| = {difference:E3}");
        }

        // Float32 gradients through dozens of batch-2 BatchNorm layers differ by percents between any two orders of
        // summation; in float64 both sides are exact to rounding, so a wrong gradient cannot hide there. Dropout
        // stays off, or the two would draw different masks.
        TrainWithoutDropout(reference.to(float64));
        TrainWithoutDropout(port.to(float64));
        var input64 = input.to(float64);
        reference.call(input64).square().mean().backward();
        port.call(input64).square().mean().backward();

        var referenceGradients = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        var largest = referenceGradients.Values.Max(g => g.abs().max().item<double>());
        foreach (var (key, parameter) in port.named_parameters())
        {
            // A bias feeding a train-mode BatchNorm has a gradient of zero, which comes out as rounding noise on both
            // sides: measured against a millionth of the model's largest gradient, that noise cannot count.
            var expected = referenceGradients[key];
            var scale = Math.Max(expected.abs().max().item<double>(), largest * 1e-6);
            var relative = (expected - parameter.grad!).abs().max().item<double>() / scale;
            Assert.True(relative < 1e-9, $"{name}, gradient of {key}: max |Δ| / max |g| = {relative:E2}");
        }
    }

    private static void TrainWithoutDropout(nn.Module model)
    {
        model.train();
        foreach (var dropout in model.modules().OfType<TorchSharp.Modules.Dropout>())
        {
            dropout.eval();
        }
    }

    private static nn.Module<Tensor, Tensor> Port(string name, int classes = 1000) => name switch
    {
        "resnet18" => ResNetClassifier.ResNet18(classes),
        "resnet50" => ResNetClassifier.ResNet50(classes),
        "mobilenet_v2" => new MobileNetV2(classes),
        "mobilenet_v3_small" => MobileNetV3.Small(classes),
        _ => MobileNetV3.Large(classes),
    };

    private static nn.Module<Tensor, Tensor> TorchVision(string name, int classes = 1000) => name switch
    {
        "resnet18" => torchvision.models.resnet18(num_classes: classes),
        "resnet50" => torchvision.models.resnet50(num_classes: classes),
        "mobilenet_v2" => torchvision.models.mobilenet_v2(num_classes: classes),
        "mobilenet_v3_small" => torchvision.models.mobilenet_v3_small(),
        _ => torchvision.models.mobilenet_v3_large(),
    };
}
