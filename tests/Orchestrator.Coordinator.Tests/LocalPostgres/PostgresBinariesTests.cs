using Orchestrator.LocalPostgres;

namespace Orchestrator.Coordinator.Tests.LocalPostgres;

public sealed class PostgresBinariesTests
{
    [SkippableFact]
    public void Finds_the_installed_server_without_being_told_where()
    {
        PostgresBinaries binaries;
        try
        {
            binaries = PostgresBinaries.Locate();
        }
        catch (PostgresNotInstalledException e)
        {
            // A machine without the server package: nothing to find, which is not a failure of the search.
            throw new SkipException("PostgreSQL server binaries are not installed here: " + e.Message);
        }

        Assert.True(File.Exists(binaries.InitDb), binaries.InitDb);
        Assert.True(File.Exists(binaries.PgCtl), binaries.PgCtl);
    }

    [Fact]
    public void A_directory_without_the_server_programs_is_rejected_with_the_missing_names()
    {
        var empty = Directory.CreateTempSubdirectory("orch-empty-bin-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(empty, "initdb"), string.Empty);

            var error = Assert.Throws<PostgresNotInstalledException>(() => PostgresBinaries.Locate(empty));

            Assert.Contains("pg_ctl, postgres", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("initdb not found", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }
}
