using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Orchestrator.Worker.Engine.Weights;

/// <summary>
/// Downloads a URL into a `.partial` file, resuming from the bytes already there with an HTTP Range request. A
/// server that ignores the range (200) or refuses it (416) gets a clean restart. Redirects are followed here rather
/// than by the handler because the Hugging Face hub declares an LFS file's SHA-256 (X-Linked-Etag) on the redirect,
/// not on the CDN's answer. Transient failures are retried with doubling waits; 4xx answers are not.
/// </summary>
public sealed partial class HttpWeightDownload(DownloadPolicy policy, Action<string> log)
{
    private const int MaxRedirects = 10;

    // One client per process, as HttpClient wants; timeouts are per request (policy), not the client's.
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<DownloadedBytes> ToPartialAsync(Uri url, string partialPath, string label, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var delay = policy.FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await AttemptAsync(url, partialPath, label, restartAllowed: true, cancellationToken);
            }
            catch (DownloadFailedException e) when (e.Transient && attempt < policy.Attempts)
            {
                var have = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
                log($"downloading {label}: {e.Message}; attempt {attempt + 1} of {policy.Attempts} in {delay.TotalSeconds:0.#} s{(have > 0 ? $", resuming after {have} bytes" : "")}");
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
            }
        }
    }

    private async Task<DownloadedBytes> AttemptAsync(Uri url, string partialPath, string label, bool restartAllowed, CancellationToken cancellationToken)
    {
        var have = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
        var (response, declaredSha256) = await SendAsync(url, have, cancellationToken);
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0 && restartAllowed)
            {
                log($"downloading {label}: the server refused to resume after {have} bytes (416); starting over");
                File.Delete(partialPath);
                return await AttemptAsync(url, partialPath, label, restartAllowed: false, cancellationToken);
            }

            ThrowIfFailed(response, url);
            var append = response.StatusCode == HttpStatusCode.PartialContent;
            long? total;
            if (append)
            {
                var range = response.Content.Headers.ContentRange;
                if (range?.From != have)
                {
                    throw new DownloadFailedException($"asked {url} for bytes {have}- and got {range?.ToString() ?? "a 206 without Content-Range"}", transient: false);
                }

                total = range.Length;
            }
            else
            {
                if (have > 0)
                {
                    log($"downloading {label}: the server ignored the request to resume after {have} bytes; starting over");
                }

                have = 0;
                total = response.Content.Headers.ContentLength;
            }

            var length = await CopyBodyAsync(response, partialPath, append, have, total, label, cancellationToken);
            if (total is { } expected && length != expected)
            {
                throw new DownloadFailedException($"the connection ended after {length} of {expected} bytes", transient: true);
            }

            return new DownloadedBytes(length, total, declaredSha256);
        }
    }

    private async Task<(HttpResponseMessage Response, string? DeclaredSha256)> SendAsync(Uri url, long resumeFrom, CancellationToken cancellationToken)
    {
        string? declared = null;
        var target = url;
        for (var hop = 0; hop <= MaxRedirects; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            if (resumeFrom > 0)
            {
                request.Headers.Range = new RangeHeaderValue(resumeFrom, null);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(policy.ResponseTimeout);
            HttpResponseMessage response;
            try
            {
                response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DownloadFailedException($"no answer from {target} within {policy.ResponseTimeout.TotalSeconds:0} s", transient: true, e);
            }
            catch (HttpRequestException e)
            {
                throw new DownloadFailedException($"{target}: {e.Message}", transient: e.HttpRequestError is not HttpRequestError.NameResolutionError and not HttpRequestError.SecureConnectionError and not HttpRequestError.ConfigurationLimitExceeded, e);
            }

            declared ??= Sha256Of(response.Headers, "X-Linked-Etag") ?? Sha256Of(response.Headers, "ETag");
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                target = new Uri(target, location);
                response.Dispose();
                continue;
            }

            return (response, declared);
        }

        throw new DownloadFailedException($"{url} redirected more than {MaxRedirects} times", transient: false);
    }

    private static void ThrowIfFailed(HttpResponseMessage response, Uri url)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var code = (int)response.StatusCode;
        var transient = code >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
        throw new DownloadFailedException($"HTTP {code} {response.ReasonPhrase} from {response.RequestMessage?.RequestUri ?? url}", transient);
    }

    private async Task<long> CopyBodyAsync(HttpResponseMessage response, string partialPath, bool append, long have, long? total, string label, CancellationToken cancellationToken)
    {
        var progress = new DownloadProgressLine(label, have, total, policy.ProgressInterval, log);
        var length = have;
        await using var file = new FileStream(partialPath, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var buffer = new byte[1 << 16];
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            while (true)
            {
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                stall.CancelAfter(policy.StallTimeout);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer, stall.Token);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new DownloadFailedException($"no data for {policy.StallTimeout.TotalSeconds:0} s after {length} bytes", transient: true, e);
                }

                if (read == 0)
                {
                    break;
                }

                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                length += read;
                progress.Report(length);
            }
        }
        catch (IOException e)
        {
            // What arrived stays in the partial file, flushed, so the next attempt resumes after it.
            await file.FlushAsync(CancellationToken.None);
            file.Flush(flushToDisk: true);
            throw new DownloadFailedException($"the connection broke after {length} bytes ({e.Message})", transient: true, e);
        }

        await file.FlushAsync(cancellationToken);
        // On disk before the rename makes the file visible: a crash must not leave a complete-looking empty file.
        file.Flush(flushToDisk: true);
        progress.Done(length);
        return length;
    }

    private static string? Sha256Of(HttpResponseHeaders headers, string name)
    {
        if (!headers.TryGetValues(name, out var values))
        {
            return null;
        }

        var value = values.First().Trim();
        value = value.StartsWith("W/", StringComparison.Ordinal) ? value[2..] : value;
        value = value.Trim('"');
        return Sha256Hex().IsMatch(value) ? value.ToLowerInvariant() : null;
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Hex();
}
