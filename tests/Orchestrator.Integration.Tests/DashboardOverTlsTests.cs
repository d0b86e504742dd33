using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Orchestrator.Coordinator.Hosting;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// Over TLS the dashboard shares the gRPC port: a browser-like client offering HTTP/2 and HTTP/1.1 gets HTTP/2 by ALPN
/// on the HTTP/2-only endpoint, signs in and receives a Secure session cookie.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class DashboardOverTlsTests
{
    [Fact]
    public async Task A_browser_like_client_signs_in_on_the_grpc_port_over_tls_and_gets_a_secure_cookie()
    {
        await using var bed = await AgentTestBed.CreateAsync(inProcessCoordinator: false);
        var certificates = TestCertificates.Create(Path.Combine(bed.Root, "tls"));
        var settings = new Dictionary<string, string?>(bed.Settings)
        {
            [CoordinatorEndpoint.UrlKey] = "https://127.0.0.1:0",
            [CoordinatorEndpoint.CertificatePathKey] = certificates.CertificateFile,
            [CoordinatorEndpoint.CertificateKeyPathKey] = certificates.KeyFile,
        };
        await using var host = await CoordinatorHost.StartAsync(settings);
        using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certificates.CaFile));
        var handler = new SocketsHttpHandler
        {
            CookieContainer = new CookieContainer(),
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, _) => TrustedBy(ca, certificate) },
        };
        using var browser = new HttpClient(handler)
        {
            BaseAddress = host.Address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower, // offers h2 and http/1.1, as browsers do
        };

        var form = await browser.GetAsync(new Uri("/login", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/login", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = AgentTestBed.ClientToken }),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        var login = await browser.SendAsync(request);
        var sweeps = await browser.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal("https", host.Address.Scheme);
        Assert.Equal(HttpVersion.Version20, form.Version);
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Contains("; secure", string.Join("\n", login.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, sweeps.StatusCode);
    }

    private static bool TrustedBy(X509Certificate2 ca, X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }
}
