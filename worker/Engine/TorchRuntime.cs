using System.Runtime.InteropServices;
using Orchestrator.Shared.Configuration;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine;

/// <summary>
/// Process-wide LibTorch settings the engine needs before its first convolution.
/// </summary>
public static partial class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool prepared;

    /// <summary>
    /// True when oneDNN (mkldnn) convolutions were switched off. LibTorch 2.10's oneDNN divides by zero
    /// (SIGFPE, the process dies) while choosing a blocking for some 1×1 convolutions
    /// (brgemm_convolution_bwd_utils::est_eff_1x1 for backward-data; forward in channels-last layout at some shapes)
    /// on hosts whose CPU reports no cache sizes, such as this project's VMs (no /sys/devices/system/cpu/cpu0/cache).
    /// ResNet-18/50 and EfficientNet-B0 compute their 1×1 layers as matrix products (PointwiseConv2d) and never reach
    /// it; the TorchVision towers keep Conv2d, and trained with oneDNN on there without trouble, about 10× faster
    /// than without. Only a process that may build any tower (tests) switches it off on such a host.
    /// </summary>
    public static bool OneDnnDisabled { get; private set; }

    /// <summary>
    /// Applies the settings once per process (denormal flushing for the calling thread on every call).
    /// <paramref name="encoder"/> is the tower a trainer process will train; without one (tests that build every
    /// tower) the oneDNN switch is conservative.
    /// </summary>
    public static void Prepare(Action<string>? log = null, string? encoder = null)
    {
        FlushDenormalsOnThisThread();
        lock (Gate)
        {
            if (prepared)
            {
                return;
            }

            prepared = true;
            GlibcHeap.KeepFreedMemory();
            UseOneDnnAsFor(encoder, log);
        }
    }

    /// <summary>
    /// Sets the oneDNN switch as a trainer of <paramref name="encoder"/> would have it. The switch is read at every
    /// convolution, so a benchmark that times each tower in one process calls this before each, and every tower is
    /// timed the way it trains rather than all of them on the conservative setting.
    /// </summary>
    public static void UseOneDnnAsFor(string? encoder, Action<string>? log = null)
    {
        var cacheTopologyHidden = OperatingSystem.IsLinux() && !Directory.Exists("/sys/devices/system/cpu/cpu0/cache");
        var disable = Environment.GetEnvironmentVariable(EnvironmentVariables.OneDnn) switch
        {
            "0" or "off" => true,
            "1" or "on" => false,
            _ => cacheTopologyHidden && encoder is null,
        };

        // Loads LibTorch first, so the entry points below resolve against the library TorchSharp uses.
        _ = get_num_threads();
        SetUserEnabledMkldnn(GlobalContext(), !disable);
        OneDnnDisabled = disable;
        if (disable)
        {
            log?.Invoke("notice: oneDNN convolutions are off (this CPU reports no cache sizes, which crashes oneDNN's 1x1 backward); set ORCH_ONEDNN=on to force them");
        }
    }

    /// <summary>
    /// <see cref="UseOneDnnAsFor"/> until the scope ends, then the previous setting again. A benchmark run inside a
    /// longer-lived process (the tests run `bench` in theirs) must not leave oneDNN on for the towers after it: on a
    /// host without cache sizes a later GoogLeNet then met oneDNN's broken 1×1 path, whose first loss was NaN.
    /// </summary>
    public static IDisposable OneDnnAsFor(string? encoder)
    {
        var previous = OneDnnDisabled;
        UseOneDnnAsFor(encoder);
        return new OneDnnRestore(previous);
    }

    private sealed class OneDnnRestore(bool disabled) : IDisposable
    {
        public void Dispose()
        {
            SetUserEnabledMkldnn(GlobalContext(), !disabled);
            OneDnnDisabled = disabled;
        }
    }

    /// <summary>
    /// Lets CUDA matmuls and cuDNN convolutions use TF32 tensor cores (Ampere and newer): float32 storage with a
    /// 10-bit mantissa inside the products, as PyTorch users switch on for training. It is the only reduced
    /// precision on offer: TorchSharp 0.107 has no autocast, so bf16/fp16 mixed precision is not available.
    /// </summary>
    public static void AllowTf32()
    {
        backends.cuda.matmul.allow_tf32 = true;
        backends.cudnn.allow_tf32 = true;
    }

    /// <summary>
    /// Treats denormal floats as zero (x86 FTZ/DAZ) on the calling thread and on the intra-op threads it starts
    /// afterwards, which inherit its floating-point state; so call it on the training thread before its first
    /// parallel operation. Weights and activations drifting towards zero become denormals, which x86 handles in
    /// microcode at a hundred times the cost of a normal operation: measured on EfficientNet-B0 with PyTorch 1.13
    /// (batch 8, 224 px, 2 threads) training ran 1.5–2× and inference 3–5× faster with denormals flushed. The
    /// values lost are below 1.2e-38, far under float32's resolution of anything a network computes.
    /// </summary>
    public static void FlushDenormalsOnThisThread()
    {
        _ = get_num_threads(); // loads LibTorch, so the entry point resolves against the library TorchSharp uses
        SetFlushDenormal(GlobalContext(), true);
    }

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static partial IntPtr GlobalContext();

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at7Context16setFlushDenormalEb")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool SetFlushDenormal(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static partial void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);
}
