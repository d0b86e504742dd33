using Xunit.Abstractions;
using Xunit.Sdk;

namespace Orchestrator.Integration.Tests.Hostile;

/// <summary>
/// Runs the catalogue's test methods in the order of their names (A_, B_, …, Z_), each theory's rows in the order
/// of the data file (a runner may hand them over sorted by display name): the acceptance measurements on a fresh coordinator first, the check of what is left last.
/// </summary>
public sealed class CatalogueOrder : ITestCaseOrderer
{
    public const string TypeName = "Orchestrator.Integration.Tests.Hostile.CatalogueOrder";
    public const string AssemblyName = "Orchestrator.Integration.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases
            .OrderBy(c => c.TestMethod.Method.Name, StringComparer.Ordinal)
            .ThenBy(c => c.TestMethodArguments is [string name] ? HostileCatalogue.Position(name) : -1);
}
