using Orchestrator.Worker.Engine.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>
/// The flat-buffer AdamW takes the same steps as TorchSharp's per-tensor AdamW (the trainer's optimizer before it),
/// keeps the model's parameters and gradients as views of its buffers, and saves and resumes its state.
/// </summary>
public sealed class FlatAdamWTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("orch-flat-adamw-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>Two groups of several shapes: one without decay at one rate, one with decay at another (the trainer's kinds).</summary>
    private static (nn.Module<Tensor, Tensor> Model, List<ParameterGroup> Groups) Model(int seed)
    {
        random.manual_seed(seed);
        var tower = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 8));
        var head = nn.Sequential(nn.Linear(8, 8), nn.GELU(), nn.LayerNorm(8));
        var model = nn.Sequential(tower, head);
        return (model, [new ParameterGroup("tower", [.. tower.parameters()], 3e-3, 0), new ParameterGroup("head", [.. head.parameters()], 1e-2, 0.2)]);
    }

    private static Tensor Loss(nn.Module<Tensor, Tensor> model, int step)
    {
        var generator = new Generator((ulong)(100 + step));
        var input = randn([4, 3, 6, 6], generator: generator);
        var target = randn([4, 8], generator: generator);
        return nn.functional.mse_loss(model.call(input), target);
    }

    private static void Train(nn.Module<Tensor, Tensor> model, Action zeroGrad, Action step, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            using var scope = NewDisposeScope();
            zeroGrad();
            Loss(model, i).backward();
            step();
        }
    }

    private static void AssertSameParameters(nn.Module<Tensor, Tensor> expected, nn.Module<Tensor, Tensor> actual, double tolerance, params string[] except)
    {
        foreach (var ((name, e), (_, a)) in expected.named_parameters().Zip(actual.named_parameters()).Where(p => !except.Contains(p.First.name)))
        {
            var difference = (e - a).abs().max().item<float>();
            Assert.True(difference <= tolerance, $"{name}: differs by {difference:E2}");
        }
    }

    /// <summary>As the trainer resumes: a differently initialised model and a fresh optimizer, then the saved weights and optimizer state; steps 4–7.</summary>
    private static nn.Module<Tensor, Tensor> ResumedAndTrainedOn(string modelPath, Action<FlatAdamW> loadState)
    {
        var (resumed, groups) = Model(seed: 99);
        using var optimizer = new FlatAdamW(groups);
        resumed.load(modelPath);
        loadState(optimizer);
        Train(resumed, optimizer.ZeroGrad, optimizer.Step, 4, 8);
        return resumed;
    }

    /// <summary>Rounding of one fused pass against separate operations: measured 3e-8 after these ten steps.</summary>
    private const double FusedRounding = 1e-6;

    /// <summary>
    /// The convolution's bias, which a BatchNorm follows: its true gradient is zero, so what it gets is rounding noise,
    /// which Adam scales up to whole steps of ±lr; any difference in rounding moves it differently (7.7e-3 apart after
    /// ten fused steps, while every other parameter is within 3e-8). Exact comparisons keep it: there it shows any change.
    /// </summary>
    private const string NoiseOnlyBias = "0.0.bias";

    [Fact]
    public void The_bias_before_batch_norm_gets_only_rounding_noise()
    {
        var (model, _) = Model(seed: 7);
        Loss(model, 0).backward();
        var (bias, weight) = (model.get_parameter(NoiseOnlyBias)!.grad!, model.get_parameter("0.0.weight")!.grad!);
        Assert.True(bias.abs().max().item<float>() < 1e-6 * weight.abs().max().item<float>(), $"bias gradient {bias.abs().max().item<float>():E2}, weight gradient {weight.abs().max().item<float>():E2}");
    }

    [Fact]
    public void Ten_fused_steps_give_the_parameters_of_torchsharp_s_adamw_within_rounding()
    {
        var (reference, referenceGroups) = Model(seed: 7);
        var (flat, flatGroups) = Model(seed: 7);
        using var torchSharp = optim.AdamW(referenceGroups.Select(g => g.ToTorchSharp()));
        using var optimizer = new FlatAdamW(flatGroups);
        Assert.All(optimizer.ParamGroups, g => Assert.True(g.Fused));

        Train(reference, torchSharp.zero_grad, () => torchSharp.step(), 0, 10);
        Train(flat, optimizer.ZeroGrad, optimizer.Step, 0, 10);

        // Ten steps of lr 1e-2 moved the head's weights by ~0.1 (the decaying group): a no-op or a missed decay would show.
        using var initial = Model(seed: 7).Model;
        Assert.True((initial.parameters().Last() - flat.parameters().Last()).abs().max().item<float>() > 1e-2);
        AssertSameParameters(reference, flat, FusedRounding, except: NoiseOnlyBias);
    }

    [Fact]
    public void Ten_steps_of_separate_operations_give_exactly_the_parameters_of_torchsharp_s_adamw()
    {
        var (reference, referenceGroups) = Model(seed: 7);
        var (flat, flatGroups) = Model(seed: 7);
        using var torchSharp = optim.AdamW(referenceGroups.Select(g => g.ToTorchSharp()));
        using var optimizer = new FlatAdamW(flatGroups, fusedOnCpu: false);
        Assert.All(optimizer.ParamGroups, g => Assert.False(g.Fused));

        Train(reference, torchSharp.zero_grad, () => torchSharp.step(), 0, 10);
        Train(flat, optimizer.ZeroGrad, optimizer.Step, 0, 10);

        // Ten steps of lr 1e-2 moved the head's weights by ~0.1, and the update was applied: not a no-op.
        using var initial = Model(seed: 7).Model;
        Assert.True((initial.parameters().Last() - flat.parameters().Last()).abs().max().item<float>() > 1e-2);
        // The same operations in the same order: equal to the last bit (the conv's bias before BatchNorm would show any difference).
        AssertSameParameters(reference, flat, 0);
    }

    /// <summary>
    /// An embedding table of which the inputs use rows 0–2 only (the other rows' gradients and second moments stay
    /// zero, as for words no caption used) and a weight of values near 1e-8 seen through a factor of 1e-20 (its squared
    /// gradients underflow to zero or to denormals while its first moments do not, and its updates of ~1e-14 show).
    /// </summary>
    private static List<Parameter> VanishingGradientParameters() =>
    [
        new Parameter(randn([10, 4], generator: new Generator(5))),
        new Parameter(randn([4, 4], generator: new Generator(6)) * 1e-8),
    ];

    private static Tensor VanishingGradientLoss(List<Parameter> parameters, int step)
    {
        var generator = new Generator((ulong)(200 + step));
        var ids = randint(0, 3, [6], generator: generator);
        var rows = parameters[0].index_select(0, ids);
        var target = randn([6, 4], generator: generator);
        var faint = (parameters[1] * randn([4, 4], generator: generator)).sum() * 1e-20;
        return nn.functional.mse_loss(rows, target) + faint;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Zero_and_vanishing_gradients_give_the_parameters_of_torchsharp_s_adamw(bool fused)
    {
        var reference = VanishingGradientParameters();
        var flat = VanishingGradientParameters();
        using var torchSharp = optim.AdamW([new ParameterGroup("p", reference, 1e-2, 0).ToTorchSharp()]);
        using var optimizer = new FlatAdamW([new ParameterGroup("p", flat, 1e-2, 0)], fused);
        for (var step = 0; step < 10; step++)
        {
            using var scope = NewDisposeScope();
            torchSharp.zero_grad();
            VanishingGradientLoss(reference, step).backward();
            torchSharp.step();
            optimizer.ZeroGrad();
            VanishingGradientLoss(flat, step).backward();
            optimizer.Step();
        }

        var group = optimizer.ParamGroups[0];
        using var zeroMoments = group.ExpAvgSq.eq(0).sum();
        using var tinyFirstMoments = group.ExpAvg.abs().lt(1e-18).logical_and(group.ExpAvg.ne(0)).sum();
        Assert.True(zeroMoments.item<long>() >= 28, $"{zeroMoments.item<long>()} zero second moments: the unused rows should have kept theirs at zero");
        Assert.True(tinyFirstMoments.item<long>() > 0, "the faint weight should have first moments under 1e-18");
        using var unused = VanishingGradientParameters()[0];
        Assert.True(flat[0][TensorIndex.Slice(3)].equal(unused[TensorIndex.Slice(3)]).all().item<bool>(), "rows no input used moved");
        Assert.True((flat[0][TensorIndex.Slice(null, 3)] - unused[TensorIndex.Slice(null, 3)]).abs().max().item<float>() > 1e-2, "the used rows did not train");
        for (var i = 0; i < flat.Count; i++)
        {
            // Relative: the faint weight's values are ~1e-8, where an absolute tolerance would pass anything.
            using var scale = reference[i].abs().clamp_min(1e-30);
            var relative = ((reference[i] - flat[i]).abs() / scale).max().item<float>();
            Assert.True(relative <= (fused ? FusedRounding : 0), $"parameter {i} differs by {relative:E2} of its size");
        }
    }

    [Fact]
    public void Parameters_and_gradients_are_views_of_the_buffers_and_zeroing_clears_every_gradient()
    {
        var (model, groups) = Model(seed: 3);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        using var optimizer = new FlatAdamW(groups);

        // Flattening kept every value.
        foreach (var (p, b) in model.parameters().Zip(before))
        {
            Assert.True(p.equal(b).all().item<bool>());
        }

        using (var scope = NewDisposeScope())
        {
            Loss(model, 0).backward();
        }

        var gradients = model.parameters().Select(p => p.grad!).ToList();
        Assert.All(gradients, g => Assert.True(g.abs().sum().item<float>() > 0));
        var norm = gradients.Sum(g => g.pow(2).sum().item<float>());
        var buffers = optimizer.ParamGroups.Sum(g => g.Gradients.pow(2).sum().item<float>());
        Assert.Equal(norm, buffers, norm * 1e-5); // autograd accumulated into the buffers

        optimizer.ZeroGrad();
        Assert.All(model.parameters(), p => Assert.Equal(0f, p.grad!.abs().sum().item<float>()));

        // A second backward accumulates into the same storage (no new gradient tensors).
        using (var scope = NewDisposeScope())
        {
            Loss(model, 1).backward();
        }

        Assert.True(optimizer.ParamGroups.Sum(g => g.Gradients.abs().sum().item<float>()) > 0);
    }

    [Fact]
    public void A_saved_state_resumes_into_a_new_optimizer_and_continues_as_one_that_never_stopped()
    {
        var (straight, straightGroups) = Model(seed: 5);
        using var straightOptimizer = new FlatAdamW(straightGroups);
        Train(straight, straightOptimizer.ZeroGrad, straightOptimizer.Step, 0, 8);

        var (first, firstGroups) = Model(seed: 5);
        var path = Path.Combine(directory, "adamw.dat");
        var modelPath = Path.Combine(directory, "model.dat");
        using (var firstOptimizer = new FlatAdamW(firstGroups))
        {
            Train(first, firstOptimizer.ZeroGrad, firstOptimizer.Step, 0, 4);
            firstOptimizer.Save(path);
            first.save(modelPath);
        }

        AssertSameParameters(straight, ResumedAndTrainedOn(modelPath, optimizer => optimizer.Load(path)), 0);
    }

    [Fact]
    public void A_checkpoint_of_torchsharp_s_adamw_resumes_into_the_flat_optimizer()
    {
        var (reference, referenceGroups) = Model(seed: 9);
        using var torchSharp = optim.AdamW(referenceGroups.Select(g => g.ToTorchSharp()));
        Train(reference, torchSharp.zero_grad, () => torchSharp.step(), 0, 4);
        var path = Path.Combine(directory, "optimizer.dat");
        var modelPath = Path.Combine(directory, "model.dat");
        torchSharp.save_state_dict(path);
        reference.save(modelPath);
        Train(reference, torchSharp.zero_grad, () => torchSharp.step(), 4, 8);

        AssertSameParameters(reference, ResumedAndTrainedOn(modelPath, optimizer => optimizer.LoadTorchSharpState(path)), FusedRounding, except: NoiseOnlyBias);
    }

    [Fact]
    public void A_state_file_of_other_groups_is_refused_with_both_shapes()
    {
        var (model, groups) = Model(seed: 2);
        var path = Path.Combine(directory, "adamw.dat");
        using (var optimizer = new FlatAdamW(groups))
        {
            optimizer.Save(path);
        }

        using var other = new FlatAdamW([groups[0]]);
        var refused = Assert.Throws<InvalidDataException>(() => other.Load(path));
        Assert.Contains("with 2 parameter groups; this model has 1 groups", refused.Message, StringComparison.Ordinal);

        using var linear = nn.Linear(3, 3);
        using var renamed = new FlatAdamW([new ParameterGroup("tower", [.. linear.parameters()], 1e-3, 0), groups[1]]);
        refused = Assert.Throws<InvalidDataException>(() => renamed.Load(path));
        Assert.Contains("optimizer state for group tower of ", refused.Message, StringComparison.Ordinal);
        Assert.Contains("this model's group is tower of 12", refused.Message, StringComparison.Ordinal);
        GC.KeepAlive(model);
    }

    [Fact]
    public void A_group_that_mixes_data_types_is_refused_before_anything_moves()
    {
        using var single = nn.Linear(2, 2);
        using var @double = nn.Linear(2, 2).to(ScalarType.Float64);

        var refused = Assert.Throws<ArgumentException>(() => new FlatAdamW([new ParameterGroup("mixed", [.. single.parameters(), .. @double.parameters()], 1e-3, 0)]));

        Assert.Contains("parameter group mixed mixes data types or devices (Float32 on cpu, Float64 on cpu)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calls_per_step_are_per_group_not_per_tensor()
    {
        var (_, groups) = Model(seed: 4);
        using var fused = new FlatAdamW(groups);
        using var separate = new FlatAdamW(Model(seed: 4).Groups, fusedOnCpu: false);

        // Fused: the step count's fill and the kernel per group. Separate: eight operations per group, nine where it decays.
        Assert.Equal(2 + 2, fused.CallsPerStep);
        Assert.Equal(8 + 9, separate.CallsPerStep);
        Assert.Equal(10, groups.Sum(g => g.Parameters.Count)); // TorchSharp's AdamW: 100 calls
    }
}
