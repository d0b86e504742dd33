using System.Buffers.Text;
using System.Security.Cryptography;
using Orchestrator.Coordinator.Auth;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// The anti-forgery field of the dashboard's state-changing forms (cancel, retry), on top of the SameSite=Strict cookie
/// and <see cref="SameOrigin"/>. Its value is derived from the session (<see cref="TokenSet.FormTokenOfSession"/>)
/// rather than kept anywhere: a key made at start-up would break every open page at each restart and differ between
/// the coordinators behind one Service, while this one is the same wherever the session is valid and ends with it.
/// Another site can read neither the cookie nor the page, so it cannot know the value.
/// </summary>
public static class FormToken
{
    public const string FieldName = "form_token";

    /// <summary>The value to put in a form for this request's session; null without a valid session.</summary>
    public static string? For(HttpContext context) =>
        Expected(context) is { } expected ? Base64Url.EncodeToString(expected) : null;

    /// <summary>Whether <paramref name="presented"/> is this session's value, compared in constant time.</summary>
    public static bool Matches(HttpContext context, string? presented)
    {
        if (Expected(context) is not { } expected || presented is not { Length: > 0 and <= 64 })
        {
            return false;
        }

        var decoded = new byte[Base64Url.GetMaxDecodedLength(presented.Length)];
        return Base64Url.TryDecodeFromChars(presented, decoded, out var written)
               && CryptographicOperations.FixedTimeEquals(decoded.AsSpan(0, written), expected);
    }

    private static byte[]? Expected(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return DashboardSession.ValueOf(context) is { } session
            ? context.RequestServices.GetRequiredService<AcceptedTokens>().FormTokenOfSession(session)
            : null;
    }
}
