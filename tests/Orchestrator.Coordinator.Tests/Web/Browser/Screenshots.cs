using Microsoft.Playwright;

namespace Orchestrator.Coordinator.Tests.Web.Browser;

/// <summary>
/// Where the browser tests leave their screenshots: ORCH_SCREENSHOTS_DIR, or `screenshots/` in the test output folder,
/// so a person can look at each page as the browser drew it (desktop 1280×800 and phone width).
/// </summary>
public static class Screenshots
{
    public const string FolderVariable = "ORCH_SCREENSHOTS_DIR";

    public static string Folder
    {
        get
        {
            var named = Environment.GetEnvironmentVariable(FolderVariable);
            var folder = string.IsNullOrWhiteSpace(named) ? Path.Combine(AppContext.BaseDirectory, "screenshots") : named;
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    public static async Task<string> TakeAsync(IPage page, string name, bool fullPage = true)
    {
        var path = Path.Combine(Folder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        return path;
    }
}
