using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Orchestrator.Integration.Tests.Deployment;

/// <summary>
/// A node of a deployment file addressed by keys and indexes. A missing key gives an absent node that remembers
/// its path, and reading it fails with that path, so an assertion on a broken file says where it broke.
/// </summary>
public sealed class YamlTree
{
    private readonly YamlNode? node;

    private YamlTree(YamlNode? node, string path)
    {
        this.node = node;
        Path = path;
    }

    /// <summary>Where this node is: the file, then keys and indexes (`docker-compose.yml:services.postgres.image`).</summary>
    public string Path { get; }

    public bool Exists => node is not null;

    /// <summary>A scalar's text; fails the test when absent or not a scalar.</summary>
    public string Text => node is YamlScalarNode { Value: { } value } ? value : throw new Xunit.Sdk.XunitException($"{Path}: expected a value");

    public YamlTree this[string key] =>
        new(node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null, $"{Path}.{key}");

    public YamlTree this[int index] =>
        new(node is YamlSequenceNode list && index < list.Children.Count ? list.Children[index] : null, $"{Path}[{index}]");

    /// <summary>A sequence's items; none when absent.</summary>
    public IReadOnlyList<YamlTree> Items =>
        node is YamlSequenceNode list ? list.Children.Select((child, i) => new YamlTree(child, $"{Path}[{i}]")).ToList() : [];

    public IReadOnlyList<string> Texts => Items.Select(item => item.Text).ToList();

    /// <summary>A mapping's keys; none when absent.</summary>
    public IReadOnlyList<string> Keys =>
        node is YamlMappingNode map ? map.Children.Keys.Select(key => ((YamlScalarNode)key).Value!).ToList() : [];

    /// <summary>This node and every node under it, depth first.</summary>
    public IEnumerable<YamlTree> DescendantsAndSelf()
    {
        yield return this;
        var children = node switch
        {
            YamlMappingNode => Keys.Select(key => this[key]),
            YamlSequenceNode => Items,
            _ => [],
        };
        foreach (var descendant in children.SelectMany(child => child.DescendantsAndSelf()))
        {
            yield return descendant;
        }
    }

    /// <summary>A scalar as a number; fails the test when it is not one.</summary>
    public double Number => double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
        ? value
        : throw new Xunit.Sdk.XunitException($"{Path}: expected a number, got '{Text}'");

    /// <summary>Every document of a YAML file (Kubernetes manifests hold several, separated by ---).</summary>
    public static IReadOnlyList<YamlTree> LoadAll(string file)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(file))
        {
            stream.Load(reader);
        }

        var name = System.IO.Path.GetFileName(file);
        return stream.Documents.Select((document, i) => new YamlTree(document.RootNode, stream.Documents.Count == 1 ? name : $"{name}#{i}")).ToList();
    }
}
