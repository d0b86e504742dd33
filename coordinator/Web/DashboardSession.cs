using System.Buffers.Text;
using Orchestrator.Coordinator.Auth;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// The dashboard's sign-in: an HttpOnly, SameSite=Strict cookie (Secure over HTTPS) holding the token's session value
/// (<see cref="TokenSet.SessionOf"/>), never the token. It is checked against the tokens in force on every request,
/// so removing a token from the tokens file ends its sessions too, across restarts and on every coordinator.
/// </summary>
public static class DashboardSession
{
    public const string CookieName = "orch_session";

    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public static void Start(HttpContext context, string token)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Append(CookieName, Base64Url.EncodeToString(TokenSet.SessionOf(token)), Options(context));
    }

    public static void End(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Delete(CookieName, Options(context));
    }

    /// <summary>The role of the signed-in token; null without a cookie or when its token is no longer accepted.</summary>
    public static CallerRole? RoleOf(HttpContext context) =>
        ValueOf(context) is { } session ? context.RequestServices.GetRequiredService<AcceptedTokens>().RoleOfSession(session) : null;

    /// <summary>The session value the cookie holds (what <see cref="TokenSet.SessionOf"/> made); null without a readable cookie.</summary>
    public static byte[]? ValueOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.Cookies.TryGetValue(CookieName, out var value) || value.Length > 64)
        {
            return null;
        }

        var session = new byte[Base64Url.GetMaxDecodedLength(value.Length)];
        return Base64Url.TryDecodeFromChars(value, session, out var written) ? session[..written] : null;
    }

    private static CookieOptions Options(HttpContext context) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        MaxAge = Lifetime,
        IsEssential = true,
    };
}
