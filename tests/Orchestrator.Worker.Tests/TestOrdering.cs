using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Orchestrator.Worker.Engine;

// TorchSharp's default generator and thread count are process-wide: tests that seed and draw from it (training,
// resume, tower construction) must not interleave, or a resumed run would see another test's random numbers.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Orchestrator.Worker.Tests;

internal static class TestProcessSetup
{
    /// <summary>Before any test builds a convolution: the oneDNN crash guard the engine applies in production too.</summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "A test assembly: the guard must precede every test, whichever runs first.")]
    internal static void PrepareTorch() => TorchRuntime.Prepare();
}
