using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Onnx;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>
/// An image tower read from an ONNX graph. Images arrive ImageNet-normalised (<see cref="ImagePixels"/>); the
/// tower undoes that and applies the model's own convention (channel order, scale, mean and std, or its
/// preprocessing graph, kept frozen), then pools a 4-D output globally so any input size the graph allows works.
/// </summary>
public sealed class OnnxImageTower : ImageTower
{
    private readonly OnnxModule model;
    private readonly OnnxModule? preprocess;
    private readonly OnnxPixelConvention? pixels;
    private readonly bool poolMean;
    private readonly long featureWidth;

    public OnnxImageTower(OnnxTowerFiles files, int imageSize)
        : base(files?.Name ?? throw new ArgumentNullException(nameof(files)))
    {
        model = new OnnxModule("model", files.Graph, [files.Output]);
        if (model.InputNames.Count != 1 || model.InputNames[0] != files.ImageInput)
        {
            var needed = string.Join(", ", model.InputNames);
            model.Dispose();
            throw new Training.InvalidJobException([new Training.JobProblem("encoder",
                $"{files.Name}: {files.Graph.Origin}'s output '{files.Output}' needs the inputs {needed}; an image tower feeds only '{files.ImageInput}'")]);
        }

        if (files.Preprocess is { } graph)
        {
            preprocess = new OnnxModule("preprocess", graph);
            foreach (var p in preprocess.parameters())
            {
                p.requires_grad = false;
            }
        }

        pixels = files.Definition.Pixels ?? (preprocess is null ? OnnxPixelConvention.TorchVision : null);
        poolMean = files.Definition.Pool != OnnxTowerDefinition.PoolNone;
        RegisterComponents();
        featureWidth = MeasureWidth(imageSize);
    }

    public override long FeatureWidth => featureWidth;

    /// <summary>An ONNX graph is used whole: nothing was cut from it.</summary>
    public override long RemovedHeadParameterCount => 0;

    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var rgb = (input * Constant(ImagePixels.ChannelStd, input)) + Constant(ImagePixels.ChannelMean, input);
        Tensor x;
        if (preprocess is not null)
        {
            // The preprocessing graph stays frozen; only the model behind it trains.
            using var frozen = no_grad();
            x = preprocess.forward([rgb * 255])[0];
        }
        else
        {
            var convention = pixels!;
            x = rgb * convention.Scale;
            if (convention.Channels == OnnxPixelConvention.Bgr)
            {
                x = x.flip(1);
            }

            x = (x - Constant(convention.Mean, input)) / Constant(convention.Std, input);
        }

        var output = model.forward([x])[0];
        if (output.dim() == 4 && poolMean)
        {
            output = output.mean([2, 3]);
        }

        return output.flatten(1).MoveToOuterDisposeScope();
    }

    private static Tensor Constant(IEnumerable<double> values, Tensor like) =>
        tensor(values.Select(v => (float)v).ToArray(), dtype: like.dtype, device: like.device).view(1, 3, 1, 1);

    private static Tensor Constant(IReadOnlyList<float> values, Tensor like) => Constant(values.Select(v => (double)v), like);

    // Graphs rarely declare the width of an inner value such as ReLU393_Output_0, so one image at the job's size
    // is passed through, in eval mode so BatchNormalization's running statistics stay as loaded.
    private long MeasureWidth(int imageSize)
    {
        var wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            using var probe = zeros(1, 3, imageSize, imageSize);
            using var output = forward(probe);
            return output.shape[1];
        }
        finally
        {
            train(wasTraining);
        }
    }
}
