using Orchestrator.Coordinator.Auth;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// Lets a request through only with a client or viewer session. Without one a page redirects to the login form and an
/// API call answers 401 in JSON; neither ever shows data. Worker tokens cannot sign in, and a session of one is refused.
/// </summary>
public sealed class DashboardAccess(bool api) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (DashboardSession.RoleOf(http) is CallerRole.Client or CallerRole.Viewer)
        {
            return await next(context);
        }

        return api
            ? HttpResults.Json(new ApiError("sign in first: POST /login with a client or viewer token (the dashboard's session cookie is missing or no longer valid)"),
                statusCode: StatusCodes.Status401Unauthorized)
            : HttpResults.Redirect("/login?returnUrl=" + Uri.EscapeDataString(http.Request.Path + http.Request.QueryString));
    }
}
