namespace Orchestrator.Coordinator.Web;

/// <summary>
/// The CSRF check of the dashboard's POSTs (login, logout), besides the SameSite=Strict cookie: a browser sends Origin
/// (and Sec-Fetch-Site) with every POST, so one from another site is refused. A request without either header does not
/// come from a browser form (curl, tests) and cannot ride on a victim's cookie.
/// </summary>
public static class SameOrigin
{
    public static bool Allows(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return false;
        }

        var origin = request.Headers.Origin.ToString();
        return origin.Length == 0
               || (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }
}
