using System.Text.Json;
using Orchestrator.Testing;

namespace Orchestrator.Worker.Tests.Networks;

/// <summary>The models ../shared/fixtures/manifest.json lists, read fresh so another folder of the same layout works.</summary>
public static class FixtureManifest
{
    public static string Directory => ReferenceData.FixturesDirectory;

    public static IEnumerable<string> ModelNames()
    {
        var path = Path.Combine(Directory, "manifest.json");
        if (!File.Exists(path))
        {
            // Skipped at run time by the test itself; a placeholder row keeps the theory non-empty.
            return ["(fixtures absent)"];
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("models").EnumerateObject().Select(p => p.Name).ToList();
    }

    public static JsonElement Model(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "manifest.json")));
        return document.RootElement.GetProperty("models").GetProperty(name).Clone();
    }

    public static float[] ReadFloats(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Directory, file));
        var values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, values.Length * sizeof(float));
        return values;
    }

    public static long[] Shape(JsonElement element) => element.EnumerateArray().Select(e => e.GetInt64()).ToArray();
}
