using Microsoft.Playwright;

namespace Orchestrator.Coordinator.Tests.Web.Browser;

/// <summary>
/// Class fixture: Debian's chromium (or the one ORCH_CHROMIUM names) driven by Playwright, started once per test class.
/// Playwright's own browser download does not work on our machines, so only an installed browser is used; where none is
/// installed the browser tests skip with <see cref="MissingReason"/> (`.ci/run` installs Debian's chromium).
/// </summary>
public sealed class InstalledChromium : IAsyncLifetime
{
    public const string ExecutableVariable = "ORCH_CHROMIUM";

    // Headless, as root in CI (no sandbox), and nothing that phones home: the machines' closed network refuses those
    // connections many at a time and slows every start.
    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    ];

    private IPlaywright? playwright;
    private IBrowser? browser;

    public string? MissingReason { get; private set; }

    public IBrowser Browser => browser ?? throw new InvalidOperationException($"no browser: {MissingReason}");

    public static string? FindExecutable()
    {
        var named = Environment.GetEnvironmentVariable(ExecutableVariable);
        if (!string.IsNullOrWhiteSpace(named))
        {
            return named;
        }

        return new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);
    }

    public async Task InitializeAsync()
    {
        var executable = FindExecutable();
        if (executable is null || !File.Exists(executable))
        {
            MissingReason = $"no installed Chromium ({executable ?? "/usr/bin/chromium"} absent): `apt-get install chromium`, or set {ExecutableVariable}";
            return;
        }

        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = executable, Headless = true, Args = Flags });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
    }
}
