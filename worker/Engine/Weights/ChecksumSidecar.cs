using System.Globalization;
using System.Security.Cryptography;

namespace Orchestrator.Worker.Engine.Weights;

/// <summary>
/// A cached file's SHA-256, kept in {weights}/.sha256/{file}.sha256 with the length and modification time it was
/// computed for, so listing the cache does not hash gigabytes each time; a changed file is hashed again. The line
/// also records how the file was checked when it was put in place.
/// </summary>
public static class ChecksumSidecar
{
    public const string Folder = ".sha256";

    /// <summary>The file's SHA-256 (lower-case hex) and the check recorded with it (null when none was).</summary>
    public static (string Sha256, string? Check) Read(string weightsDirectory, string relativePath)
    {
        var file = new FileInfo(Path.Combine(weightsDirectory, relativePath));
        var sidecar = PathOf(weightsDirectory, relativePath);
        if (File.Exists(sidecar))
        {
            var parts = File.ReadAllText(sidecar).Trim().Split(' ', 4);
            if (parts.Length >= 3 && parts[1] == file.Length.ToString(CultureInfo.InvariantCulture) && parts[2] == file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture))
            {
                return (parts[0], parts.Length == 4 ? parts[3] : null);
            }
        }

        var computed = Sha256Of(file.FullName);
        Write(weightsDirectory, relativePath, computed, check: null);
        return (computed, null);
    }

    public static void Write(string weightsDirectory, string relativePath, string sha256, string? check)
    {
        var file = new FileInfo(Path.Combine(weightsDirectory, relativePath));
        var sidecar = PathOf(weightsDirectory, relativePath);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(sidecar)!);
            File.WriteAllText(sidecar, string.Create(CultureInfo.InvariantCulture, $"{sha256} {file.Length} {file.LastWriteTimeUtc.Ticks}{(check is null ? "" : " " + check)}\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only shared cache still lists, only more slowly.
        }
    }

    public static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string PathOf(string weightsDirectory, string relativePath) => Path.Combine(weightsDirectory, Folder, relativePath + ".sha256");
}
