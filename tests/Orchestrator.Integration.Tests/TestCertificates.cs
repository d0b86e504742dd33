using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// A private CA and a server certificate it signed for 127.0.0.1 and localhost, made at test time and written as PEM
/// files into a folder, the way an operator's `openssl` commands (infra/README.md) leave them.
/// </summary>
public sealed class TestCertificates
{
    private TestCertificates(string folder)
    {
        CaFile = Path.Combine(folder, "ca.crt");
        CertificateFile = Path.Combine(folder, "server.crt");
        KeyFile = Path.Combine(folder, "server.key");
        OtherKeyFile = Path.Combine(folder, "other.key");
    }

    public string CaFile { get; }

    public string CertificateFile { get; }

    public string KeyFile { get; }

    /// <summary>A private key that is not the server certificate's.</summary>
    public string OtherKeyFile { get; }

    public static TestCertificates Create(string folder)
    {
        Directory.CreateDirectory(folder);
        var files = new TestCertificates(folder);
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=orch test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now, now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=orch test coordinator", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var server = serverRequest.Create(ca, now, now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(files.CaFile, ca.ExportCertificatePem());
        File.WriteAllText(files.CertificateFile, server.ExportCertificatePem());
        File.WriteAllText(files.KeyFile, serverKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(files.OtherKeyFile, otherKey.ExportPkcs8PrivateKeyPem());
        return files;
    }
}
