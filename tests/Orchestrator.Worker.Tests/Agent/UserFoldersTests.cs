using Orchestrator.Worker.Engine;

namespace Orchestrator.Worker.Tests.Agent;

/// <summary>Environment variables are process-wide; this assembly runs its tests one at a time.</summary>
public sealed class UserFoldersTests
{
    [Fact]
    public void An_override_variable_wins_then_the_xdg_folder_then_the_home_folder()
    {
        var saved = (Environment.GetEnvironmentVariable("ORCH_TEST_FOLDER"), Environment.GetEnvironmentVariable("XDG_CACHE_HOME"));
        try
        {
            Environment.SetEnvironmentVariable("ORCH_TEST_FOLDER", "/srv/weights");
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/xdg/cache");
            Assert.Equal("/srv/weights", UserFolders.Cache("weights", "ORCH_TEST_FOLDER"));

            Environment.SetEnvironmentVariable("ORCH_TEST_FOLDER", null);
            Assert.Equal("/xdg/cache/orchestrator/weights", UserFolders.Cache("weights", "ORCH_TEST_FOLDER"));

            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", null);
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            Assert.Equal(Path.Combine(home, ".cache", "orchestrator", "images"), UserFolders.Cache("images", "ORCH_TEST_FOLDER"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ORCH_TEST_FOLDER", saved.Item1);
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", saved.Item2);
        }
    }
}
