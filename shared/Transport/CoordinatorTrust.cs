using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orchestrator.Shared.Transport;

/// <summary>
/// Which TLS certificates `orch` and `orch-worker` accept from a coordinator: those the system trusts, and those
/// that chain to a CA of the --ca file (a private CA, a self-signed server certificate). The host name is
/// checked either way. Remembers why it last refused one, so the user hears the reason instead of "unavailable".
/// </summary>
public sealed class CoordinatorTrust
{
    private readonly X509Certificate2Collection customRoots;
    private string? lastRejection;

    private CoordinatorTrust(X509Certificate2Collection customRoots, string? caFile)
    {
        this.customRoots = customRoots;
        CaFile = caFile;
    }

    /// <summary>The system's CAs only.</summary>
    public static CoordinatorTrust System { get; } = new([], null);

    /// <summary>The --ca file this trust adds to the system's CAs; null when none.</summary>
    public string? CaFile { get; }

    /// <summary>Why the last certificate was refused (chain status or name mismatch, and its subject); null when none was.</summary>
    public string? LastRejection => Volatile.Read(ref lastRejection);

    /// <summary>The system's CAs plus every certificate of the PEM file <paramref name="caFile"/> (null or empty: the system's only).</summary>
    /// <exception cref="ArgumentException">the file is missing, unreadable or holds no PEM certificate; the message says which.</exception>
    public static CoordinatorTrust Load(string? caFile)
    {
        if (string.IsNullOrWhiteSpace(caFile))
        {
            return System;
        }

        if (!File.Exists(caFile))
        {
            throw new ArgumentException($"--ca: the CA file {caFile} does not exist (a PEM file with the certificate of the CA that signed the coordinator's)", nameof(caFile));
        }

        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--ca: cannot read the CA file {caFile}: {e.Message}", nameof(caFile), e);
        }

        return roots.Count > 0
            ? new CoordinatorTrust(roots, caFile)
            : throw new ArgumentException($"--ca: {caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", nameof(caFile));
    }

    /// <summary>A handler for a gRPC channel that verifies the coordinator with this trust.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        // Several HTTP/2 connections when one is full of streams (many slots' long lease waits).
        EnableMultipleHttp2Connections = true,
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validate },
    };

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return Reject("the coordinator sent no certificate");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            // The CA file widens whom we trust, never which name the certificate must carry.
            return Reject($"it does not name the host connected to; it is {certificate.Subject}");
        }

        var systemStatus = chain is null ? "untrusted" : string.Join(", ", chain.ChainStatus.Select(s => s.Status));
        if (customRoots.Count == 0)
        {
            return Reject($"{systemStatus}: {certificate.Subject}, issued by {certificate.Issuer}");
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(customRoots);
        // A private CA publishes no revocation list; its certificates are short-lived and replaced instead.
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(leaf)
               || Reject($"{string.Join(", ", custom.ChainStatus.Select(s => s.Status))}: {certificate.Subject}, issued by {certificate.Issuer}, not by a CA of {CaFile}");
    }

    private bool Reject(string reason)
    {
        Volatile.Write(ref lastRejection, reason);
        return false;
    }
}
