namespace Orchestrator.Integration.Tests.Deployment;

/// <summary>Every YAML file the deployment ships parses, whichever tool reads it later.</summary>
public sealed class YamlFilesTests
{
    public static TheoryData<string> Files => new(DeploymentFiles.AllYaml().Select(f => Path.GetRelativePath(DeploymentFiles.Root, f)));

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_yaml_file_under_infra_parses_into_documents_that_are_mappings(string file)
    {
        var documents = YamlTree.LoadAll(DeploymentFiles.InRepository(file));

        Assert.NotEmpty(documents);
        Assert.All(documents, d => Assert.NotEmpty(d.Keys));
    }
}
