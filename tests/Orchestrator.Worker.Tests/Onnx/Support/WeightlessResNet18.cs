using Google.Protobuf;
using Orchestrator.Worker.Engine.Networks.Weights;
using Orchestrator.Worker.Engine.Onnx.Format;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx.Support;

/// <summary>The committed weightless export of torchvision's resnet18 (infra/onnx/export_torchvision_resnet18.py)
/// filled, initializer by initializer, from the built-in port's state_dict: one set of weights, two routes.</summary>
internal static class WeightlessResNet18
{
    public static string FixturePath => Path.Combine(AppContext.BaseDirectory, "Onnx", "Fixtures", "torchvision_resnet18_weightless.onnx");

    /// <summary>The built-in classifier, seeded, with BatchNormalization's affine weights and running statistics
    /// randomised (fresh ones are 1 and 0, which would hide a swapped mean/variance or scale/bias).</summary>
    public static nn.Module<Tensor, Tensor> CreateBuiltIn(int seed)
    {
        manual_seed(seed);
        var classifier = TorchvisionClassifiers.Create("resnet18");
        using var noGrad = no_grad();
        foreach (var (name, value) in classifier.state_dict())
        {
            if (name.EndsWith("running_var", StringComparison.Ordinal))
            {
                value.uniform_(0.5, 1.5);
            }
            else if (name.EndsWith("running_mean", StringComparison.Ordinal) || (name.Contains("bn", StringComparison.Ordinal) || name.Contains("downsample.1", StringComparison.Ordinal)) && value.is_floating_point())
            {
                value.uniform_(-0.3, 0.3).add_(name.EndsWith("weight", StringComparison.Ordinal) ? 1 : 0);
            }
        }

        return classifier;
    }

    /// <summary>The fixture's bytes with every initializer's data taken from <paramref name="source"/> by name.</summary>
    public static byte[] Fill(nn.Module source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(FixturePath));
        var state = source.state_dict();
        foreach (var initializer in model.Graph.Initializer)
        {
            if (!state.TryGetValue(initializer.Name, out var value))
            {
                throw new InvalidOperationException($"{FixturePath}: initializer '{initializer.Name}' has no state_dict entry in the built-in resnet18");
            }

            using var data = value.detach().cpu().to_type(ScalarType.Float32).contiguous();
            if (!data.shape.SequenceEqual(initializer.Dims))
            {
                throw new InvalidOperationException($"'{initializer.Name}': built-in shape [{string.Join(",", data.shape)}], ONNX [{string.Join(",", initializer.Dims)}]");
            }

            var floats = data.data<float>().ToArray();
            var bytes = new byte[floats.Length * sizeof(float)];
            Buffer.BlockCopy(floats, 0, bytes, 0, bytes.Length);
            initializer.RawData = ByteString.CopyFrom(bytes);
        }

        return model.ToByteArray();
    }
}
