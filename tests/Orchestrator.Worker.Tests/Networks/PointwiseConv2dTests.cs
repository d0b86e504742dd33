using Orchestrator.Worker.Engine.Networks.Layers;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Networks;

/// <summary>A 1×1 convolution as a matrix product equals Conv2d's, values and gradients, in both layouts.</summary>
public sealed class PointwiseConv2dTests
{
    [Theory]
    [InlineData(1, false, false)]
    [InlineData(1, true, false)]
    [InlineData(2, false, false)]
    [InlineData(2, true, false)]
    [InlineData(1, false, true)]
    [InlineData(1, true, true)]
    [InlineData(2, true, true)]
    public void Output_and_gradients_equal_conv2d(int stride, bool channelsLast, bool hasBias)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(11);
        using var layer = new PointwiseConv2d(6, 5, stride, hasBias);
        var parameters = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var weight = parameters["weight"];
        Tensor? bias = hasBias ? parameters["bias"] : null;
        if (bias is not null)
        {
            using var noGrad = no_grad();
            bias.uniform_(-1, 1); // starts at zero, which would hide a misplaced bias
        }

        var values = randn(3, 6, 7, 9);
        var input = (channelsLast ? ChannelsLast.From(values) : values.clone()).requires_grad_();
        var reference = values.clone().requires_grad_();
        var referenceWeight = weight.detach().clone().requires_grad_();
        var referenceBias = bias?.detach().clone().requires_grad_();

        var output = layer.call(input);
        var expected = nn.functional.conv2d(reference, referenceWeight, referenceBias, strides: [stride, stride]);
        var upstream = randn(expected.shape);
        (output * upstream).sum().backward();
        (expected * upstream).sum().backward();

        Assert.Equal(expected.shape, output.shape);
        Assert.Equal(channelsLast, ChannelsLast.IsChannelsLast(output));
        AssertClose(expected, output, "output");
        AssertClose(reference.grad!, input.grad!, "input gradient");
        AssertClose(referenceWeight.grad!, weight.grad!, "weight gradient");
        if (bias is not null)
        {
            AssertClose(referenceBias!.grad!, bias.grad!, "bias gradient");
        }
    }

    [Fact]
    public void Parameters_are_named_and_shaped_as_conv2d()
    {
        using var layer = new PointwiseConv2d(4, 8, hasBias: true);
        using var conv = nn.Conv2d(4, 8, 1);
        var ours = layer.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var theirs = conv.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
        Assert.All(theirs, kv => Assert.Equal(kv.Value, ours[kv.Key]));
    }

    [Fact]
    public void Channels_last_keeps_shape_and_values_and_is_recognised()
    {
        using var scope = NewDisposeScope();
        var images = arange(2 * 3 * 4 * 5, dtype: float32).reshape(2, 3, 4, 5);
        var converted = ChannelsLast.From(images);

        Assert.False(ChannelsLast.IsChannelsLast(images));
        Assert.True(ChannelsLast.IsChannelsLast(converted));
        Assert.Equal(images.shape, converted.shape);
        Assert.True(images.eq(converted).all().item<bool>());
        Assert.Equal(new long[] { 60, 1, 15, 3 }, converted.stride());
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        var difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference < 1e-4f, $"{what}: max |Δ| = {difference:E3}");
    }
}
