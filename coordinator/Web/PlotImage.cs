using Orchestrator.Coordinator.Results;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// A plot as a response: its media type, never sniffed as anything else, and for SVG a policy that runs nothing and
/// loads nothing should the file be opened on its own (labels are escaped text; this is the second fence).
/// </summary>
public sealed class PlotImage(byte[] bytes, PlotFormat format) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.ContentType = format.MediaType();
        response.ContentLength = bytes.Length;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"; // the SVG has no style or script of its own
        response.Headers.CacheControl = "no-store"; // the data moves on; the live script's ?v= only makes a fetch happen sooner
        await response.Body.WriteAsync(bytes, httpContext.RequestAborted);
    }
}
