using Orchestrator.Coordinator.Auth;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// `/login` (a form, or a link `/login?token=…` used once, which redirects at once to a URL without the token) and
/// `/logout`. The token is never written back into a page, and only client and viewer tokens may sign in.
/// </summary>
public static class LoginEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/login", IResult (HttpContext http, string? token, string? returnUrl) =>
            token is null ? Form(returnUrl, problem: null, StatusCodes.Status200OK) : SignIn(http, token, returnUrl));

        routes.MapPost("/login", async Task<IResult> (HttpContext http) =>
        {
            if (!SameOrigin.Allows(http.Request))
            {
                return CrossSite();
            }

            var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
            return SignIn(http, form?["token"].ToString() ?? string.Empty, form?["returnUrl"].ToString());
        });

        routes.MapPost("/logout", IResult (HttpContext http) =>
        {
            if (!SameOrigin.Allows(http.Request))
            {
                return CrossSite();
            }

            DashboardSession.End(http);
            return HttpResults.Redirect("/login", permanent: false, preserveMethod: false);
        });
    }

    private static IResult SignIn(HttpContext http, string token, string? returnUrl)
    {
        var role = token.Length == 0 ? null : http.RequestServices.GetRequiredService<AcceptedTokens>().RoleOf(token.Trim());
        switch (role)
        {
            case CallerRole.Client or CallerRole.Viewer:
                DashboardSession.Start(http, token.Trim());
                return HttpResults.Redirect(LocalOrHome(returnUrl));
            case CallerRole.Worker:
                return Form(returnUrl, "This is a worker token: workers cannot open the dashboard. Sign in with a client or viewer token.", StatusCodes.Status403Forbidden);
            default:
                return Form(returnUrl, "That token is not accepted by this coordinator. Use a client or viewer token (orch serve logs a generated one).", StatusCodes.Status401Unauthorized);
        }
    }

    private static HtmlPage Form(string? returnUrl, string? problem, int statusCode) => new("Sign in", page =>
    {
        if (problem is not null)
        {
            page.Append($"<p class=\"problem\">{problem}</p>");
        }

        page.Append($"<form class=\"login\" method=\"post\" action=\"/login\"><label>Client or viewer token <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required autofocus></label>");
        page.Append($"<input type=\"hidden\" name=\"returnUrl\" value=\"{LocalOrHome(returnUrl)}\"><button type=\"submit\">Sign in</button></form>");
        page.Append($"<p class=\"muted\">A link <code>/login?token=…</code> signs in too, once: the token is then kept out of the address bar.</p>");
    }, statusCode, signedIn: false);

    private static HtmlPage CrossSite() => new("Refused", page =>
        page.Append($"<p class=\"problem\">This request came from another site and was refused. Open the dashboard itself and try again.</p>"),
        StatusCodes.Status403Forbidden, signedIn: false);

    /// <summary>Only a path on this site, so a crafted link cannot send a freshly signed-in user elsewhere.</summary>
    private static string LocalOrHome(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Contains("token=", StringComparison.OrdinalIgnoreCase)
            ? url
            : "/";
}
