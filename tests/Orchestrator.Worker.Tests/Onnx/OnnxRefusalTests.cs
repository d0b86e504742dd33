using Orchestrator.Worker.Engine.Onnx;
using Orchestrator.Worker.Tests.Onnx.Support;

namespace Orchestrator.Worker.Tests.Onnx;

/// <summary>What the importer cannot run is refused when the module is built (never mid-training), naming every
/// problem at once; unreadable files are refused naming the file.</summary>
public sealed class OnnxRefusalTests
{
    [Fact]
    public void Every_unsupported_operator_is_named_with_its_node_and_opset()
    {
        var graph = new TestGraph("unsupported", 15)
            .Input("x", null, 4)
            .Node("Relu", "x", "r")
            .Node("NonZero", "r", "nz")
            .Node("Einsum", "x, x", "e", OnnxAttribute.String("equation", "ij,ij->i"))
            .Node("Cast", "nz", "nz_f", OnnxAttribute.Int("to", 1))
            .Node("ReduceSum", "nz_f", "y")
            .Output("y", "e")
            .Parse();

        var error = Assert.Throws<OnnxImportException>(() => new OnnxModule("m", graph));
        Assert.Contains("operator 'NonZero' (node 'NonZero_nz', opset 15)", error.Message, StringComparison.Ordinal);
        Assert.Contains("operator 'Einsum' (node 'Einsum_e', opset 15)", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, graph.Unsupported().Count);
        // Only what the requested outputs need is judged.
        Assert.Single(graph.Unsupported(["e"]));
        using var relu = new OnnxModule("relu", graph, ["r"]);
        Assert.Equal(["r"], relu.OutputNames);
    }

    [Fact]
    public void An_unknown_output_name_is_refused_with_the_name()
    {
        var graph = OnnxTestCases.Get("softmax_before_13").Graph.Parse();
        var error = Assert.Throws<OnnxImportException>(() => new OnnxModule("m", graph, ["axis1", "no_such_value"]));
        Assert.Contains("no_such_value", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(error.Problems, p => p.Contains("'axis1'", StringComparison.Ordinal));
        Assert.False(graph.Produces("no_such_value"));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    [InlineData("empty")]
    public void A_file_that_is_not_an_onnx_model_is_refused_naming_the_file(string kind)
    {
        var bytes = OnnxTestCases.Get("conv_net").Graph.Bytes();
        var path = Path.Combine(Path.GetTempPath(), $"onnx-refusal-{Guid.NewGuid():N}-{kind}.onnx");
        try
        {
            File.WriteAllBytes(path, kind switch
            {
                "truncated" => bytes[..(bytes.Length / 2)],
                "garbage" => "this is not an ONNX model\n"u8.ToArray(),
                _ => [],
            });
            var error = Assert.Throws<OnnxImportException>(() => new OnnxModule("m", OnnxGraph.Load(path)));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }

        var missing = Assert.Throws<OnnxImportException>(() => OnnxGraph.Load(path));
        Assert.Contains(path, missing.Message, StringComparison.Ordinal);
    }
}
