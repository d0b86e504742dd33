using Orchestrator.Coordinator.Tests.Integration;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Web.Browser;

/// <summary>
/// Every page at a laptop's 1280×800 and a phone's 390×844: it loads without a console error or a refused resource
/// (the CSP would say so there), and nothing but a table's own scroll box is wider than the window. The screenshots
/// are the ones a person looks at.
/// </summary>
[Collection(BrowserTestsRunAlone.Name)]
public sealed class PageLayoutInBrowserTests(IsolatedDatabase database, InstalledChromium chromium)
    : IClassFixture<IsolatedDatabase>, IClassFixture<InstalledChromium>
{
    [SkippableFact]
    public async Task Every_page_fits_a_laptop_and_a_phone_without_console_errors()
    {
        Skip.If(chromium.MissingReason is not null, chromium.MissingReason);
        await using var host = await BrowserTestHost.StartAsync(database.ConnectionString);
        var sweepId = await host.Coordinator.SeedSweepAsync(4, name: "laid-out");
        var workers = host.Coordinator.Workers();
        var worker = await workers.RegisterAsync("gpu-box-1");
        var first = await workers.LeaseNowAsync(worker) ?? throw new InvalidOperationException("nothing to lease");
        var second = await workers.LeaseNowAsync(worker) ?? throw new InvalidOperationException("nothing to lease");
        foreach (var (job, epochs) in new[] { (first, 3), (second, 2) })
        {
            for (var epoch = 1; epoch <= epochs; epoch++)
            {
                await workers.ReportProgressAsync(new ReportProgressRequest
                {
                    Lease = job.Token(worker), Epoch = epoch, Step = epoch * 10,
                    Metrics = { ["train_loss"] = 3.0 - (0.4 * epoch) - (job == first ? 0.2 : 0), ["val_loss"] = 3.1 - (0.3 * epoch) },
                });
            }
        }

        var pages = new (string Name, string Path)[]
        {
            ("sweeps", "/"), ("sweep", $"/sweeps/{sweepId}"), ("job", $"/jobs/{first.JobId}"), ("workers", "/workers"),
            ("compare", $"/compare?jobs={first.JobId},{second.JobId}"),
        };
        foreach (var (width, height, device) in new[] { (1280, 800, "desktop"), (390, 844, "phone") })
        {
            var page = await host.SignedInPageAsync(chromium.Browser, TestCoordinator.ClientToken, width, height);
            var problems = new List<string>();
            page.Console += (_, message) =>
            {
                if (message.Type == "error")
                {
                    problems.Add($"console: {message.Text}");
                }
            };
            page.RequestFailed += (_, request) => problems.Add($"failed: {request.Url}");
            foreach (var (name, path) in pages)
            {
                var response = await page.GotoAsync(path);
                // Not NetworkIdle: a sweep page keeps its event stream open. Its plots are images; wait until each has loaded.
                await page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)");
                await Screenshots.TakeAsync(page, $"{name}-{device}");

                Assert.True(response?.Status == 200, $"{path} at {device} width answered {response?.Status}");
                // Wider than the window only inside a .scroll box (tables), never the page itself.
                var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
                Assert.True(overflow <= 1, $"{path} is {overflow} px wider than the {device} window");
            }

            Assert.Empty(problems);
        }
    }
}
