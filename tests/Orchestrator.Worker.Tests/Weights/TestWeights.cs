using System.Security.Cryptography;
using Orchestrator.Shared.Configuration;
using Orchestrator.Worker.Engine.Weights;

namespace Orchestrator.Worker.Tests.Weights;

/// <summary>Files to serve: random bytes named torchvision's way (name-HASHPREFIX.pth), and settings that point every source at a loopback server.</summary>
public static class TestWeights
{
    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A file named as torchvision names them, with the first 8 hex digits of its SHA-256.</summary>
    public static DownloadedWeightFile Torchvision(string stem, byte[] content, Uri baseUrl)
    {
        var name = $"{stem}-{Sha256(content)[..8]}.pth";
        return new DownloadedWeightFile(stem, name, new Uri(baseUrl, name), EnvironmentVariables.WeightsTorchvisionUrl, Sha256(content)[..8]);
    }

    public static WeightsSettings Settings(Uri baseUrl) => new()
    {
        TorchvisionUrl = baseUrl,
        HuggingFaceUrl = baseUrl,
        Downloads = new DownloadPolicy
        {
            FirstRetryDelay = TimeSpan.FromMilliseconds(20),
            ResponseTimeout = TimeSpan.FromSeconds(10),
            StallTimeout = TimeSpan.FromSeconds(10),
            LockTimeout = TimeSpan.FromSeconds(60),
            ProgressInterval = TimeSpan.FromMilliseconds(100),
        },
    };
}
