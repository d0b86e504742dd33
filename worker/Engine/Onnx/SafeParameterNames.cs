using System.Text;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>Initializer names made into TorchSharp parameter names: '.' separates submodules in state_dict keys,
/// so every character outside [A-Za-z0-9_] becomes '_'; collisions get a numeric suffix in graph order, so the
/// same file always yields the same names.</summary>
internal sealed class SafeParameterNames
{
    private readonly HashSet<string> taken = new(StringComparer.Ordinal);

    public string Claim(string onnxName)
    {
        var builder = new StringBuilder(onnxName.Length + 2);
        foreach (var c in onnxName)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        var name = builder.ToString().Trim('_');
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            name = "v_" + name;
        }

        var unique = name;
        for (var i = 2; !taken.Add(unique); i++)
        {
            unique = $"{name}_{i}";
        }

        return unique;
    }
}
