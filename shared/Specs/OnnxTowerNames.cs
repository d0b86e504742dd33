namespace Orchestrator.Shared.Specs;

/// <summary>The ONNX tower names a spec may use, by kind: the built-in ones and the spec's own, in that order.</summary>
internal sealed class OnnxTowerNames
{
    public OnnxTowerNames(IReadOnlyDictionary<string, OnnxTowerDefinition>? own, IReadOnlySet<string> declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        Invalid = [.. declared.Where(name => own is null || !own.ContainsKey(name))];
        var all = OnnxTowerCatalog.BuiltInTowers.Concat(own ?? new Dictionary<string, OnnxTowerDefinition>()).ToList();
        Image = [.. all.Where(t => t.Value.IsImage).Select(t => t.Key)];
        Text = [.. all.Where(t => t.Value.IsText).Select(t => t.Key)];
    }

    public IReadOnlyList<string> Image { get; }

    public IReadOnlyList<string> Text { get; }

    /// <summary>Names whose definition had problems (already reported): accepted as either kind so they are not reported twice.</summary>
    public IReadOnlyList<string> Invalid { get; }
}
