using System.Text;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// A dashboard page in the common layout (navigation, the embedded style sheet and script), sent with headers that
/// keep it self-contained: no script but the dashboard's own (no inline one), no asset or connection elsewhere, no
/// framing, and no Referer carrying a URL to another site.
/// </summary>
public sealed class HtmlPage(string title, Action<HtmlWriter> body, int statusCode = StatusCodes.Status200OK, bool signedIn = true) : IResult
{
    public const string StyleSheetPath = "/dashboard.css";

    /// <summary>The 404 page of a sweep or job that does not exist: the sentence saying so, then the way back.</summary>
    public static HtmlPage NotFound(string sentence) =>
        new("Not found", page => page.Append($"<p class=\"problem\">{sentence} <a href=\"/\">All sweeps</a></p>"), StatusCodes.Status404NotFound);

    /// <summary>The one script tag of every page: the dashboard's own script, run after the page is parsed.</summary>
    public const string ScriptTag = "<script src=\"" + LiveEndpoints.ScriptPath + "\" defer></script>";

    /// <summary>The event stream the page's script follows (sweep page), written as <c>data-sweep-events</c> on &lt;main&gt;.</summary>
    public string? LiveEvents { get; set; }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var page = new HtmlWriter();
        page.Append($"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        page.Append($"<title>{title} · orch</title><link rel=\"stylesheet\" href=\"{StyleSheetPath}\">{new HtmlMarkup(ScriptTag)}</head><body><header><nav><a class=\"brand\" href=\"/\">orch</a>");
        if (signedIn)
        {
            page.Append($"<a href=\"/\">Sweeps</a><a href=\"/workers\">Workers</a><form method=\"post\" action=\"/logout\"><button type=\"submit\">Log out</button></form>");
        }

        page.Append($"</nav></header><main{LiveAttribute()}><h1>{title}</h1>");
        body(page);
        page.Append($"</main></body></html>\n");

        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        response.Headers.XContentTypeOptions = "nosniff";
        // same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with the page's own form POSTs, and
        // the CSRF check (SameOrigin) then refuses a person's own login and buttons (a real-browser test caught it). Other
        // sites still get no Referer.
        response.Headers["Referrer-Policy"] = "same-origin";
        response.Headers.CacheControl = "no-store";
        await response.WriteAsync(page.ToString(), Encoding.UTF8, httpContext.RequestAborted);
    }

    private HtmlMarkup LiveAttribute()
    {
        if (LiveEvents is null)
        {
            return default;
        }

        var attribute = new HtmlWriter();
        attribute.Append($" data-sweep-events=\"{LiveEvents}\"");
        return new HtmlMarkup(attribute.ToString());
    }
}
