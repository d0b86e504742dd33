using Orchestrator.Worker.Engine.Training;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>
/// The fused kernel, one step worked by hand: AdamW's decoupled decay (not Adam's L2 term added to the gradient), the
/// bias corrections read from the step count, and every buffer updated in place.
/// </summary>
public sealed class FusedAdamWKernelTests
{
    [Theory]
    [InlineData(0.0, 0.9)] // p − lr·m̂/(√v̂ + ε) = 1 − 0.1·0.5/0.5
    [InlineData(0.5, 0.85)] // decoupled: p(1 − lr·λ) first = 0.95, then the same step; L2 would give 1 − 0.1 = 0.9
    public void One_step_moves_the_parameter_as_adamw_and_updates_both_moments_in_place(double weightDecay, double expected)
    {
        using var values = ones(4);
        using var gradients = full(4, 0.5f);
        using var expAvg = zeros(4);
        using var expAvgSq = zeros(4);
        using var stepCount = ones(1, dtype: float64);

        FusedAdamWKernel.Step(values, gradients, expAvg, expAvgSq, stepCount, learningRate: 0.1, weightDecay, beta1: 0.9, beta2: 0.999, epsilon: 1e-8);

        Assert.All(values.data<float>().ToArray(), v => Assert.Equal(expected, v, 1e-6));
        Assert.All(expAvg.data<float>().ToArray(), m => Assert.Equal(0.05, m, 1e-7)); // (1 − β₁)·g
        Assert.All(expAvgSq.data<float>().ToArray(), v => Assert.Equal(0.00025, v, 1e-9)); // (1 − β₂)·g²
        Assert.All(gradients.data<float>().ToArray(), g => Assert.Equal(0.5f, g));
    }

    [Fact]
    public void The_step_count_sets_the_bias_corrections()
    {
        // At step 2 with moments already at their steady values for g = 0.5, m̂ = m/(1 − β₁²) and v̂ = v/(1 − β₂²).
        using var values = ones(2);
        using var gradients = full(2, 0.5f);
        using var expAvg = full(2, 0.05f);
        using var expAvgSq = full(2, 0.00025f);
        using var stepCount = full(1, 2.0, dtype: float64);

        FusedAdamWKernel.Step(values, gradients, expAvg, expAvgSq, stepCount, learningRate: 0.1, weightDecay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8);

        var m = (0.9 * 0.05) + (0.1 * 0.5);
        var v = (0.999 * 0.00025) + (0.001 * 0.25);
        var expected = 1 - (0.1 * (m / (1 - (0.9 * 0.9))) / (Math.Sqrt(v / (1 - (0.999 * 0.999))) + 1e-8));
        Assert.All(values.data<float>().ToArray(), p => Assert.Equal(expected, p, 1e-6));
    }
}
