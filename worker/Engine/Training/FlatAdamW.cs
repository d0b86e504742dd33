using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>Parameters that share a learning rate and a weight decay (PyTorch's parameter group).</summary>
public sealed record ParameterGroup(string Name, IReadOnlyList<Parameter> Parameters, double LearningRate, double WeightDecay)
{
    /// <summary>The same group for TorchSharp's own AdamW (old checkpoints, the benchmark's "before").</summary>
    public AdamW.ParamGroup ToTorchSharp() => new(Parameters, lr: LearningRate, weight_decay: WeightDecay);
}

/// <summary>
/// AdamW (decoupled weight decay, PyTorch's defaults β 0.9/0.999, ε 1e-8) whose parameters and gradients live in one
/// contiguous buffer per group, so a step is one fused kernel per group on the CPU (<see cref="FusedAdamWKernel"/>) and
/// eight whole-buffer operations per group elsewhere (nine where it decays), instead of ten per tensor.
/// TorchSharp's AdamW updates tensor by tensor: ResNet-50's 161 image-tower tensors cost some 1,600 LibTorch calls,
/// two temporaries per tensor and a decay pass even at weight decay 0, which at small batches (and on GPUs, where
/// each call is a kernel launch) outweighs the arithmetic. Here each parameter's storage is re-pointed at its slice
/// of the group's buffer and its gradient is a view of the gradient buffer, so autograd accumulates into the buffer
/// (gradients are kept, never set to none) and zeroing them is one fill. The technique of apex's multi-tensor apply
/// and DeepSpeed/Megatron's contiguous gradient buffers.
/// Build it after the model is on its device and before loading a checkpoint into the model (loading copies into
/// the parameters and keeps the views): moving the model afterwards would detach its parameters from the buffers.
/// </summary>
public sealed class FlatAdamW : IDisposable
{
    public const double Beta1 = 0.9;
    public const double Beta2 = 0.999;
    public const double Epsilon = 1e-8;

    private const int StateFormat = 1;

    private readonly List<FlatGroup> groups;

    public FlatAdamW(IEnumerable<ParameterGroup> parameterGroups)
        : this(parameterGroups, fusedOnCpu: true)
    {
    }

    /// <summary>With <paramref name="fusedOnCpu"/> false, CPU groups take the separate operations too (tests of that path).</summary>
    internal FlatAdamW(IEnumerable<ParameterGroup> parameterGroups, bool fusedOnCpu)
    {
        ArgumentNullException.ThrowIfNull(parameterGroups);
        groups = [.. parameterGroups.Select(g => new FlatGroup(g, fusedOnCpu))];
    }

    public IReadOnlyList<FlatGroup> ParamGroups => groups;

    /// <summary>
    /// LibTorch calls of one <see cref="Step"/>, none per tensor: per fused group the step count's fill and the kernel,
    /// per other group one per operation.
    /// </summary>
    public int CallsPerStep => groups.Sum(g => g.Fused ? 2 : g.WeightDecay == 0 ? 8 : 9);

    /// <summary>Sets every gradient to zero in place; autograd then accumulates the next backward pass into them.</summary>
    public void ZeroGrad()
    {
        foreach (var group in groups)
        {
            group.Gradients.zero_();
        }
    }

    public void Step()
    {
        using var noGrad = no_grad();
        foreach (var group in groups)
        {
            group.Update();
        }
    }

    /// <summary>Writes the step counts and moments; <see cref="Load"/> reads them into an optimizer over the same groups.</summary>
    public void Save(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(StateFormat);
        writer.Write(groups.Count);
        foreach (var group in groups)
        {
            writer.Write(group.Name);
            writer.Write(group.Length);
            writer.Write(group.Steps);
            group.ExpAvg.Save(writer);
            group.ExpAvgSq.Save(writer);
        }
    }

    public void Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var format = reader.ReadInt32();
        var count = reader.ReadInt32();
        if (format != StateFormat || count != groups.Count)
        {
            throw new InvalidDataException($"{path}: optimizer state of format {format} with {count} parameter groups; this model has {groups.Count} groups (format {StateFormat})");
        }

        foreach (var group in groups)
        {
            var (name, length) = (reader.ReadString(), reader.ReadInt64());
            if (name != group.Name || length != group.Length)
            {
                throw new InvalidDataException($"{path}: optimizer state for group {name} of {length} values; this model's group is {group.Name} of {group.Length}");
            }

            group.Steps = reader.ReadInt64();
            TensorExtensionMethods.Load(group.ExpAvg, reader);
            TensorExtensionMethods.Load(group.ExpAvgSq, reader);
        }
    }

    /// <summary>
    /// Takes the moments and step counts of TorchSharp's own AdamW over the same groups (checkpoints written before
    /// this optimizer existed), tensor by tensor into the buffers.
    /// </summary>
    public void LoadTorchSharpState(string path)
    {
        using var legacy = optim.AdamW(groups.Select(g => new ParameterGroup(g.Name, g.Parameters, g.LearningRate, g.WeightDecay).ToTorchSharp()));
        legacy.load_state_dict(path);
        var states = legacy.state_dict().State.Cast<AdamW.State>().ToList();
        using var noGrad = no_grad();
        var index = 0;
        foreach (var group in groups)
        {
            long offset = 0;
            foreach (var parameter in group.Parameters)
            {
                var state = states[index++];
                var length = parameter.numel();
                group.ExpAvg.narrow(0, offset, length).copy_(state.exp_avg.flatten());
                group.ExpAvgSq.narrow(0, offset, length).copy_(state.exp_avg_sq.flatten());
                group.Steps = state.step;
                offset += length;
            }
        }
    }

    /// <summary>
    /// Copies the parameters, moments and step counts, and puts them back when disposed: steps taken inside leave no
    /// trace (trial steps that time the trainer's settings on its own model).
    /// </summary>
    internal IDisposable TrialScope() => new Trial(groups);

    public void Dispose()
    {
        foreach (var group in groups)
        {
            group.Dispose();
        }
    }

    private sealed class Trial : IDisposable
    {
        private readonly List<(FlatGroup Group, long Steps, Tensor Values, Tensor ExpAvg, Tensor ExpAvgSq)> saved;

        public Trial(List<FlatGroup> groups)
        {
            using var noGrad = no_grad();
            saved = [.. groups.Select(g => (g, g.Steps, g.Values.clone(), g.ExpAvg.clone(), g.ExpAvgSq.clone()))];
        }

        public void Dispose()
        {
            using var noGrad = no_grad();
            foreach (var (group, steps, values, expAvg, expAvgSq) in saved)
            {
                group.Steps = steps;
                group.Values.copy_(values);
                group.ExpAvg.copy_(expAvg);
                group.ExpAvgSq.copy_(expAvgSq);
                group.Gradients.zero_();
                values.Dispose();
                expAvg.Dispose();
                expAvgSq.Dispose();
            }
        }
    }

    /// <summary>One parameter group over its buffers; its learning rate is the scheduler's to change.</summary>
    public sealed class FlatGroup : IDisposable
    {
        internal FlatGroup(ParameterGroup group, bool fusedOnCpu)
        {
            Name = group.Name;
            Parameters = group.Parameters;
            LearningRate = group.LearningRate;
            WeightDecay = group.WeightDecay;
            // Device has no value equality: its name stands for it.
            var kinds = group.Parameters.DistinctBy(p => (p.dtype, p.device.ToString())).Select(p => (p.dtype, p.device)).ToList();
            if (kinds.Count > 1)
            {
                throw new ArgumentException($"parameter group {group.Name} mixes data types or devices ({string.Join(", ", kinds.Select(k => $"{k.dtype} on {k.device}"))}); move the model to one device first", nameof(group));
            }

            // An empty group (a tower without parameters) keeps its place, so learning rates line up with the groups.
            var (dtype, device) = kinds.Count == 1 ? kinds[0] : (ScalarType.Float32, CPU);
            Length = group.Parameters.Sum(p => p.numel());
            Values = empty(Length, dtype: dtype, device: device);
            Gradients = zeros(Length, dtype: dtype, device: device);
            ExpAvg = zeros(Length, dtype: dtype, device: device);
            ExpAvgSq = zeros(Length, dtype: dtype, device: device);
            // On GPUs the separate operations stay: the fused kernel's CUDA path is untried here (no GPU to test it on).
            StepCount = fusedOnCpu && device.type == DeviceType.CPU ? zeros(1, dtype: float64) : null;
            using var noGrad = no_grad();
            long offset = 0;
            foreach (var parameter in group.Parameters)
            {
                var length = parameter.numel();
                using var values = Values.narrow(0, offset, length).view(parameter.shape);
                values.copy_(parameter);
                parameter.set_(values);
                using var gradients = Gradients.narrow(0, offset, length);
                parameter.grad = gradients.view(parameter.shape);
                offset += length;
            }
        }

        public string Name { get; }

        public IReadOnlyList<Parameter> Parameters { get; }

        public double LearningRate { get; set; }

        public double WeightDecay { get; }

        internal long Length { get; }

        internal long Steps { get; set; }

        internal Tensor Values { get; }

        internal Tensor Gradients { get; }

        internal Tensor ExpAvg { get; }

        internal Tensor ExpAvgSq { get; }

        /// <summary>True where a step is <see cref="FusedAdamWKernel"/>: CPU buffers.</summary>
        internal bool Fused => StepCount is not null;

        // The fused kernel reads the step number from a tensor; float64 holds every count exactly.
        private Tensor? StepCount { get; }

        /// <summary>
        /// TorchSharp's (and PyTorch's for-loop) update p ← p(1 − lr·λ) − (lr/b₁)·m / (√v/√b₂ + ε). On the CPU in one fused
        /// pass, which rounds a little differently from the separate operations (3e-8 apart after ten steps in the
        /// tests); a run and its resumption take the same kernel, so they agree to the bit. Elsewhere the same
        /// operations in the same order as TorchSharp's AdamW, so each element is computed exactly as it does: shorter
        /// forms (lerp for m, √b₂ folded into the step) save two passes but round differently, and Adam amplifies
        /// rounding where a gradient is pure noise (a bias before a BatchNorm). The decay is skipped at λ = 0, where it
        /// multiplies by one.
        /// </summary>
        internal void Update()
        {
            Steps++;
            if (StepCount is not null)
            {
                using var steps = ((double)Steps).ToScalar();
                StepCount.fill_(steps);
                FusedAdamWKernel.Step(Values, Gradients, ExpAvg, ExpAvgSq, StepCount, LearningRate, WeightDecay, Beta1, Beta2, Epsilon);
                return;
            }

            var correction1 = 1 - Math.Pow(Beta1, Steps);
            var correction2 = 1 - Math.Pow(Beta2, Steps);
            if (WeightDecay != 0)
            {
                using var decay = (1 - (LearningRate * WeightDecay)).ToScalar();
                Values.mul_(decay);
            }

            // Scalars disposed here rather than left to the finalizer thread: TorchSharp passes their raw handles to
            // LibTorch, and fewer finalizable objects per step means fewer collections racing its calls.
            using var beta1 = Beta1.ToScalar();
            using var oneMinusBeta1 = (1 - Beta1).ToScalar();
            using var beta2 = Beta2.ToScalar();
            using var oneMinusBeta2 = (1 - Beta2).ToScalar();
            using var correction2Root = Math.Sqrt(correction2).ToScalar();
            using var epsilon = Epsilon.ToScalar();
            using var stepSize = (-LearningRate / correction1).ToScalar();
            ExpAvg.mul_(beta1).add_(Gradients, alpha: oneMinusBeta1);
            ExpAvgSq.mul_(beta2).addcmul_(Gradients, Gradients, oneMinusBeta2);
            using var denominator = ExpAvgSq.sqrt();
            denominator.div_(correction2Root).add_(epsilon);
            Values.addcdiv_(ExpAvg, denominator, stepSize);
        }

        public void Dispose()
        {
            Values.Dispose();
            Gradients.Dispose();
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
            StepCount?.Dispose();
        }
    }
}
