using System.Reflection;
using System.Text.Json;
using Orchestrator.Worker.Agent;
using Orchestrator.Worker.Engine.Training;

namespace Orchestrator.Worker.Tests.Architecture;

/// <summary>
/// The project references are the architecture (DESIGN.md §2): the training engine knows nothing of gRPC, ASP.NET,
/// hosting, the database or plotting; the worker host links no database or plotting library; the shared contracts
/// link neither LibTorch nor a server library. Read from what the build produced, so a reference added to a project
/// file fails here even when no code uses it yet.
/// </summary>
public sealed class ProjectReferenceTests
{
    // Google.Protobuf alone is not gRPC: Microsoft.ML.Tokenizers reads SentencePiece models with it.
    private static readonly string[] ServerAndHostingPackages =
        ["Grpc.", "Microsoft.AspNetCore.", "Microsoft.Extensions.Hosting", "Npgsql", "Dapper", "Quartz", "ScottPlot", "System.CommandLine"];

    private static readonly string[] DatabaseAndPlotting = ["Npgsql", "Dapper", "Quartz", "ScottPlot", "Microsoft.AspNetCore."];

    private static readonly string[] SharedMustNotLink = [.. ServerAndHostingPackages, "TorchSharp", "TorchVision", "SkiaSharp"];

    [Fact]
    public void The_engine_depends_on_no_grpc_aspnet_hosting_database_or_plotting_package()
    {
        var forbidden = Forbidden(BuildDependencies.Closure("Orchestrator.Worker.Engine"), ServerAndHostingPackages);
        Assert.True(forbidden.Count == 0, "the training engine must not depend on: " + string.Join(", ", forbidden));
    }

    [Fact]
    public void The_engine_assembly_references_no_grpc_aspnet_hosting_database_or_plotting_assembly()
    {
        var forbidden = Forbidden(AssemblyClosure(typeof(ClipTrainer).Assembly), ServerAndHostingPackages);
        Assert.True(forbidden.Count == 0, "the training engine's assembly references: " + string.Join(", ", forbidden));
    }

    [Fact]
    public void The_worker_host_depends_on_no_database_or_plotting_package()
    {
        var dependencies = BuildDependencies.Closure("orch-worker");
        Assert.Contains("Orchestrator.Worker.Engine", dependencies); // the host runs the engine through its project
        var forbidden = Forbidden(dependencies, DatabaseAndPlotting)
            .Concat(Forbidden(AssemblyClosure(typeof(WorkerAgent).Assembly), DatabaseAndPlotting)).Distinct().ToList();
        Assert.True(forbidden.Count == 0, "orch-worker must not depend on: " + string.Join(", ", forbidden));
    }

    [Fact]
    public void The_shared_contracts_depend_on_no_libtorch_imaging_database_grpc_or_plotting_package()
    {
        var forbidden = Forbidden(BuildDependencies.Closure("Orchestrator.Shared"), SharedMustNotLink);
        Assert.True(forbidden.Count == 0, "shared/ must hold contracts only, but depends on: " + string.Join(", ", forbidden));
    }

    [Fact]
    public void The_checks_see_what_they_forbid_where_it_is_allowed()
    {
        // The same reading finds the host's gRPC and the engine's LibTorch, so an empty answer above means "absent".
        Assert.Contains(BuildDependencies.Closure("orch-worker"), d => d.StartsWith("Grpc.", StringComparison.Ordinal));
        Assert.Contains("TorchSharp", BuildDependencies.Closure("Orchestrator.Worker.Engine"));
        Assert.Contains(AssemblyClosure(typeof(WorkerAgent).Assembly), a => a.StartsWith("Grpc.", StringComparison.Ordinal));
    }

    private static List<string> Forbidden(IEnumerable<string> names, string[] prefixes) =>
        [.. names.Where(n => prefixes.Any(p => n.StartsWith(p, StringComparison.OrdinalIgnoreCase))).Order(StringComparer.Ordinal)];

    /// <summary>Every assembly the given one references, following the project's own assemblies (not the framework's).</summary>
    private static HashSet<string> AssemblyClosure(Assembly root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<AssemblyName>(root.GetReferencedAssemblies());
        while (pending.TryPop(out var name))
        {
            if (name.Name is not { } simple || !seen.Add(simple) || !simple.StartsWith("Orchestrator", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var next in Assembly.Load(name).GetReferencedAssemblies())
            {
                pending.Push(next);
            }
        }

        return seen;
    }

    /// <summary>The package and project graph the build resolved, from this test assembly's deps.json.</summary>
    private static class BuildDependencies
    {
        private static readonly Lazy<Dictionary<string, string[]>> Graph = new(Read);

        public static HashSet<string> Closure(string library)
        {
            Assert.True(Graph.Value.ContainsKey(library), $"'{library}' is not in the build's dependency graph");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Stack<string>(Graph.Value[library]);
            while (pending.TryPop(out var name))
            {
                if (seen.Add(name))
                {
                    foreach (var next in Graph.Value.GetValueOrDefault(name, []))
                    {
                        pending.Push(next);
                    }
                }
            }

            return seen;
        }

        private static Dictionary<string, string[]> Read()
        {
            var path = Path.Combine(AppContext.BaseDirectory, typeof(ProjectReferenceTests).Assembly.GetName().Name + ".deps.json");
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var target = document.RootElement.GetProperty("targets").EnumerateObject().First().Value;
            return target.EnumerateObject().ToDictionary(
                library => library.Name.Split('/')[0],
                library => library.Value.TryGetProperty("dependencies", out var dependencies)
                    ? [.. dependencies.EnumerateObject().Select(d => d.Name)]
                    : Array.Empty<string>(),
                StringComparer.Ordinal);
        }
    }
}
