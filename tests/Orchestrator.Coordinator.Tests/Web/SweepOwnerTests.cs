using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Web;

/// <summary>The spec's owner on the sweeps list, the sweep's page and the API, encoded like every other value.</summary>
public sealed class SweepOwnerTests(IsolatedDatabase database) : IClassFixture<IsolatedDatabase>
{
    [Fact]
    public async Task The_owner_from_the_spec_is_shown_encoded_on_the_pages_and_in_the_api()
    {
        await using var host = await TestCoordinator.StartAsync(database.ConnectionString);
        var submitted = await host.Sweeps().SubmitSweepAsync(new SubmitSweepRequest
        {
            Spec = "name: owned\nowner: \"<b>ana</b>\"\ndescription: mine\ndataset: {format: synthetic}\nencoders: [tiny_cnn]\n",
        });
        using var browser = new DashboardClient(host);
        await browser.LoginAsync(TestCoordinator.ClientToken);

        var (_, list) = await browser.GetAsync("/");
        var (_, page) = await browser.GetAsync($"/sweeps/{submitted.SweepId}");
        var (_, api) = await browser.GetAsync($"/api/sweeps/{submitted.SweepId}");

        Assert.Contains("<span class=\"owner\">&lt;b&gt;ana&lt;/b&gt;</span>", list, StringComparison.Ordinal);
        Assert.Contains("Owner: <span class=\"owner\">&lt;b&gt;ana&lt;/b&gt;</span>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>ana</b>", list + page, StringComparison.Ordinal);
        Assert.Equal("<b>ana</b>", System.Text.Json.JsonDocument.Parse(api).RootElement.GetProperty("sweep").GetProperty("owner").GetString());
    }
}
