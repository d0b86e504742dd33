using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Orchestrator.Shared.Transport;

/// <summary>
/// Why a call to a coordinator failed at the transport, when the reason is one the user can fix: a certificate
/// this client does not trust, an http:// address for a coordinator that speaks TLS, or an https:// address for
/// one that does not. Decided from the exception types and, where they cannot tell, by asking the server itself
/// (one TLS handshake), never from message text.
/// </summary>
public static class TransportDiagnosis
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>What to tell the user, or null when the failure is none of these (the coordinator is down, say).</summary>
    /// <param name="address">the coordinator address the call went to</param>
    /// <param name="failure">the exception behind the failed call (gRPC's Status.DebugException)</param>
    /// <param name="trust">the trust the call verified the certificate with</param>
    /// <param name="cancellationToken">stops the probe</param>
    public static async Task<string?> ExplainAsync(Uri address, Exception? failure, CoordinatorTrust trust, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(trust);
        var https = address.Scheme == Uri.UriSchemeHttps;
        if (https && trust.LastRejection is { } reason && Chain(failure).OfType<AuthenticationException>().Any())
        {
            return $"the coordinator's TLS certificate is not trusted ({reason}): pass --ca FILE with the CA that signed it " +
                   $"(or set {Configuration.EnvironmentVariables.CaFile})";
        }

        var speaksTls = await SpeaksTlsAsync(address, cancellationToken);
        return (https, speaksTls) switch
        {
            (false, true) => $"the coordinator at {address} speaks TLS: use https://{address.Authority}",
            (true, false) => $"the coordinator at {address} does not speak TLS (it serves plain HTTP): use http://{address.Authority}, " +
                             "or serve it with `orch serve --tls-cert FILE --tls-key FILE`",
            _ => null,
        };
    }

    /// <summary>
    /// True when the server answers a TLS handshake, false when it answers but not with TLS, null when it cannot
    /// be reached at all. The certificate is not judged here: only whether TLS is spoken.
    /// </summary>
    public static async Task<bool?> SpeaksTlsAsync(Uri address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(address.DnsSafeHost, address.Port, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = address.DnsSafeHost,
                ApplicationProtocols = [SslApplicationProtocol.Http2],
                // Only the protocol is in question, and nothing is sent after the handshake: the real call judges the certificate.
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null,
            }, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static IEnumerable<Exception> Chain(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
