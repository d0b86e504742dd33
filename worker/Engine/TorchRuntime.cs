using System.Runtime.InteropServices;
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
    /// (SIGFPE, the process dies) while choosing a blocking for 1×1 backward-data convolutions
    /// (brgemm_convolution_bwd_utils::est_eff_1x1) on hosts whose CPU reports no cache sizes, such as this
    /// project's VMs (no /sys/devices/system/cpu/cpu0/cache); ResNet-50 training at any size triggers it.
    /// There, convolutions take LibTorch's native im2col + GEMM path instead.
    /// </summary>
    public static bool OneDnnDisabled { get; private set; }

    /// <summary>
    /// Image towers whose training reaches the crashing oneDNN path there: ResNet-50 seen crashing every time;
    /// EfficientNet-B0 (1×1 convolutions throughout, not yet tried on such a host) kept off as a precaution.
    /// Every other tower trained a step with oneDNN on without trouble, and is about 10× faster with it.
    /// </summary>
    private static readonly HashSet<string> CrashProneTowers = new(StringComparer.Ordinal) { "resnet50", "efficientnet_b0" };

    /// <summary>
    /// Applies the settings once per process. <paramref name="encoder"/> narrows the oneDNN switch to the tower a
    /// trainer process will train; without one (tests that build every tower) the switch is conservative.
    /// </summary>
    public static void Prepare(Action<string>? log = null, string? encoder = null)
    {
        lock (Gate)
        {
            if (prepared)
            {
                return;
            }

            prepared = true;
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
        var disable = Environment.GetEnvironmentVariable("ORCH_ONEDNN") switch
        {
            "0" or "off" => true,
            "1" or "on" => false,
            _ => cacheTopologyHidden && (encoder is null || CrashProneTowers.Contains(encoder)),
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
    /// Lets CUDA matmuls and cuDNN convolutions use TF32 tensor cores (Ampere and newer): float32 storage with a
    /// 10-bit mantissa inside the products, as PyTorch users switch on for training. It is the only reduced
    /// precision on offer: TorchSharp 0.107 has no autocast, so bf16/fp16 mixed precision is not available.
    /// </summary>
    public static void AllowTf32()
    {
        backends.cuda.matmul.allow_tf32 = true;
        backends.cudnn.allow_tf32 = true;
    }

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static partial IntPtr GlobalContext();

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static partial void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);
}
