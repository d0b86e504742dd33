using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orchestrator.Worker.Tests.Weights;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (a TcpListener on port 0, so it can drop a connection mid-body), one
/// response per connection, serving <see cref="ServedFile"/>s and recording every request.
/// </summary>
public sealed class LoopbackWeightsServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<string, ServedFile> files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> hits = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ServedRequest> requests = new();
    private readonly Task accepting;

    public LoopbackWeightsServer()
    {
        listener.Start();
        accepting = AcceptAsync();
    }

    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");

    public IReadOnlyList<ServedRequest> Requests => [.. requests];

    public IReadOnlyList<ServedRequest> RequestsFor(string path) => [.. requests.Where(r => r.Path == "/" + path)];

    /// <summary>Serves <paramref name="file"/> at /<paramref name="path"/>.</summary>
    public void Serve(string path, ServedFile file) => files["/" + path] = file;

    private bool disposed;

    /// <summary>Stops serving; a test that stops it early (to prove no network is used after) may dispose it again.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        stop.Cancel();
        listener.Stop();
        try
        {
            accepting.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Stopping the listener ends the accept loop with an exception.
        }

        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var (path, headers) = await ReadRequestAsync(stream);
                headers.TryGetValue("range", out var range);
                requests.Enqueue(new ServedRequest(path, range));
                await RespondAsync(stream, path, range);
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The client went away (a timeout test, a cancelled download).
            }
        }
    }

    private async Task RespondAsync(NetworkStream stream, string path, string? range)
    {
        if (!files.TryGetValue(path, out var file))
        {
            await WriteHeadAsync(stream, 404, "Not Found", [("Content-Length", "0")]);
            return;
        }

        var hit = hits.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (file.Status != 200 || hit <= file.FailFirst)
        {
            var status = file.Status != 200 ? file.Status : 503;
            await WriteHeadAsync(stream, status, status == 503 ? "Service Unavailable" : "Error", [("Content-Length", "0")]);
            return;
        }

        var etag = file.ETag is null ? [] : new[] { ("ETag", $"\"{file.ETag}\"") };
        if (file.RedirectTo is not null)
        {
            await WriteHeadAsync(stream, 302, "Found", [("Location", file.RedirectTo), ("X-Linked-Etag", $"\"{file.ETag}\""), ("Content-Length", "0")]);
            return;
        }

        var length = file.Content.LongLength;
        long start = 0;
        if (range is not null && !file.IgnoreRange)
        {
            start = long.Parse(range["bytes=".Length..].TrimEnd('-'), CultureInfo.InvariantCulture);
            if (start >= length)
            {
                await WriteHeadAsync(stream, 416, "Range Not Satisfiable", [("Content-Range", $"bytes */{length}"), ("Content-Length", "0")]);
                return;
            }

            await WriteHeadAsync(stream, 206, "Partial Content", [.. etag, ("Content-Range", $"bytes {start}-{length - 1}/{length}"), ("Content-Length", (length - start).ToString(CultureInfo.InvariantCulture))]);
        }
        else
        {
            await WriteHeadAsync(stream, 200, "OK", [.. etag, ("Content-Length", length.ToString(CultureInfo.InvariantCulture))]);
        }

        var end = hit == 1 + file.FailFirst && file.DropFirstAt is { } drop ? drop : length;
        for (var at = start; at < end; at += file.ChunkBytes)
        {
            await stream.WriteAsync(file.Content.AsMemory((int)at, (int)Math.Min(file.ChunkBytes, end - at)));
            await stream.FlushAsync();
            if (file.DelayPerChunk > TimeSpan.Zero)
            {
                await Task.Delay(file.DelayPerChunk);
            }
        }
    }

    private static async Task<(string Path, Dictionary<string, string> Headers)> ReadRequestAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException("the client closed before its request ended");
            }

            head.Append((char)one[0]);
        }

        var lines = head.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var path = lines[0].Split(' ')[1];
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim(), StringComparer.Ordinal);
        return (path, headers);
    }

    private static async Task WriteHeadAsync(NetworkStream stream, int status, string reason, IEnumerable<(string Name, string Value)> headers)
    {
        var head = new StringBuilder($"HTTP/1.1 {status} {reason}\r\n");
        foreach (var (name, value) in headers.Append(("Connection", "close")))
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
    }
}
