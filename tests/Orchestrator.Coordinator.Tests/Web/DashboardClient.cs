using System.Net;
using Orchestrator.Coordinator.Hosting;

namespace Orchestrator.Coordinator.Tests.Web;

/// <summary>
/// An HTTP client of one coordinator's dashboard with its own cookie jar, as a browser tab would be. It speaks HTTP/2
/// without TLS (prior knowledge), the only protocol of the coordinator's cleartext endpoint; redirects are not followed,
/// so tests see them. Every body it reads is kept, to check afterwards that no token ever appeared in one.
/// </summary>
internal sealed class DashboardClient : IDisposable
{
    private readonly HttpClient http;

    public DashboardClient(CoordinatorHost host)
    {
        Cookies = new CookieContainer();
        http = new HttpClient(new SocketsHttpHandler { CookieContainer = Cookies, UseCookies = true, AllowAutoRedirect = false })
        {
            BaseAddress = host.Address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public CookieContainer Cookies { get; }

    public List<string> Bodies { get; } = [];

    public async Task<(HttpResponseMessage Response, string Body)> GetAsync(string path)
    {
        var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Bodies.Add(body);
        return (response, body);
    }

    public async Task<byte[]> GetBytesAsync(string path)
    {
        var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>The response with its body unread, for binary answers (plots) whose headers a test checks.</summary>
    public async Task<HttpResponseMessage> GetResponseAsync(string path)
    {
        var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    public async Task<(HttpResponseMessage Response, string Body)> PostFormAsync(string path, Dictionary<string, string> form, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) 
        {
            Content = new FormUrlEncodedContent(form),
            Version = HttpVersion.Version20, // a request built by hand does not take the client's defaults
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Bodies.Add(body);
        return (response, body);
    }

    public Task<(HttpResponseMessage Response, string Body)> LoginAsync(string token) =>
        PostFormAsync("/login", new Dictionary<string, string> { ["token"] = token, ["returnUrl"] = "/" });

    public void Dispose() => http.Dispose();
}
