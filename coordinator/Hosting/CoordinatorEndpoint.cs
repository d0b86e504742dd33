using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orchestrator.Shared.Transport;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// The coordinator's one Kestrel endpoint (gRPC over cleartext HTTP/2 or TLS), as configuration keys: `orch serve`,
/// `orch demo`, the in-process host and the tests all set its address and certificate through these, and an
/// operator may set the same keys in appsettings.json or the environment (Kestrel__Endpoints__Grpc__Certificate__Path).
/// </summary>
public static class CoordinatorEndpoint
{
    public const string UrlKey = "Kestrel:Endpoints:Grpc:Url";
    public const string ProtocolsKey = "Kestrel:Endpoints:Grpc:Protocols";

    /// <summary>The server certificate, a PEM file (with its chain after it, if any).</summary>
    public const string CertificatePathKey = "Kestrel:Endpoints:Grpc:Certificate:Path";

    /// <summary>The certificate's private key, a PEM file.</summary>
    public const string CertificateKeyPathKey = "Kestrel:Endpoints:Grpc:Certificate:KeyPath";

    /// <summary>The password of an encrypted private key.</summary>
    public const string CertificatePasswordKey = "Kestrel:Endpoints:Grpc:Certificate:Password";

    private const string CertificateSubjectKey = "Kestrel:Endpoints:Grpc:Certificate:Subject";
    private const string DefaultCertificatePathKey = "Kestrel:Certificates:Default:Path";
    private const string DefaultCertificateSubjectKey = "Kestrel:Certificates:Default:Subject";

    /// <summary>The settings that serve gRPC on <paramref name="url"/> (port 0: a free port Kestrel picks).</summary>
    public static Dictionary<string, string?> Settings(string url) => new(StringComparer.OrdinalIgnoreCase)
    {
        [UrlKey] = url,
        [ProtocolsKey] = "Http2",
    };

    /// <summary>
    /// Checks the endpoint before anything is served: an https:// address needs a certificate, a certificate needs an
    /// https:// address, and the certificate and key must load and belong together. Plain HTTP on an address other
    /// than loopback is allowed but warned about on <paramref name="warnings"/>: tokens would cross the network in clear text.
    /// </summary>
    /// <exception cref="CoordinatorConfigurationException">what is wrong and which option sets it</exception>
    public static void Verify(IConfiguration configuration, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(warnings);
        var url = configuration[UrlKey] ?? throw new CoordinatorConfigurationException($"{UrlKey}: no address to serve on (--listen)");
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException e)
        {
            throw new CoordinatorConfigurationException($"--listen: '{url}' is not an address to serve on, e.g. https://0.0.0.0:50051 ({e.Message})", e);
        }

        var certificatePath = configuration[CertificatePathKey] ?? configuration[DefaultCertificatePathKey];
        var fromStore = configuration[CertificateSubjectKey] ?? configuration[DefaultCertificateSubjectKey];
        if (!string.Equals(address.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
        {
            if (configuration[CertificatePathKey] is not null)
            {
                throw new CoordinatorConfigurationException(
                    $"--listen {url} is plain http:// but a TLS certificate is given (--tls-cert, {CertificatePathKey}): listen on https://{address.Host}:{address.Port}");
            }

            if (!LoopbackHost.Is(address.Host))
            {
                warnings.WriteLine($"orch serve: warning: serving plain HTTP on {url}, which is not a loopback address: tokens and data cross the network in clear text. " +
                                   "Serve TLS with --listen https://… --tls-cert FILE --tls-key FILE (README, Security).");
            }

            return;
        }

        if (certificatePath is null)
        {
            if (fromStore is not null)
            {
                return; // a certificate from the machine's store, which Kestrel loads and reports itself
            }

            throw new CoordinatorConfigurationException(
                $"--listen {url} is https:// but no TLS certificate is given: pass --tls-cert FILE --tls-key FILE (PEM), " +
                $"or set {CertificatePathKey} and {CertificateKeyPathKey}");
        }

        CheckCertificate(certificatePath, configuration[CertificateKeyPathKey], configuration[CertificatePasswordKey], warnings);
    }

    private static void CheckCertificate(string certificatePath, string? keyPath, string? password, TextWriter warnings)
    {
        RequireReadable(certificatePath, "--tls-cert", CertificatePathKey);
        if (keyPath is null)
        {
            if (!File.ReadAllText(certificatePath).Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            {
                throw new CoordinatorConfigurationException(
                    $"--tls-cert {certificatePath} holds no private key and no key file is given: pass --tls-key FILE ({CertificateKeyPathKey})");
            }

            keyPath = certificatePath;
        }
        else
        {
            RequireReadable(keyPath, "--tls-key", CertificateKeyPathKey);
        }

        X509Certificate2 certificate;
        try
        {
            certificate = password is null
                ? X509Certificate2.CreateFromPemFile(certificatePath, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new CoordinatorConfigurationException(
                $"the TLS certificate {certificatePath} and key {keyPath} cannot be used together: {e.Message} " +
                "(both must be PEM, and the key must be the certificate's own)", e);
        }

        using (certificate)
        {
            if (!certificate.HasPrivateKey)
            {
                throw new CoordinatorConfigurationException($"--tls-key {keyPath}: no private key for the certificate {certificatePath}");
            }

            if (certificate.NotAfter < DateTime.Now)
            {
                warnings.WriteLine($"orch serve: warning: the TLS certificate {certificatePath} expired on {certificate.NotAfter:u}: clients will refuse it");
            }
        }
    }

    private static void RequireReadable(string path, string option, string key)
    {
        try
        {
            using var _ = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CoordinatorConfigurationException($"{option} ({key}): cannot read {path}: {e.Message}", e);
        }
    }
}
