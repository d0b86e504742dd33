using System.Net;
using System.Text.Json;

namespace Orchestrator.Coordinator.Tests.Web;

/// <summary>
/// Reads a server-sent event stream as a browser's EventSource does (the text/event-stream format: fields up to a
/// blank line, comments skipped), over one coordinator's HTTP/2 endpoint with a session's cookies, without its
/// reconnecting: a test reconnects itself with the Last-Event-ID it chose.
/// </summary>
internal sealed class EventStreamReader : IAsyncDisposable
{
    // A bound on a test that waits for an event that never comes, not a timing assert.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly HttpClient http;
    private readonly StreamReader? reader;
    private readonly List<ServerEvent> received = [];
    private int? retry;

    private EventStreamReader(HttpClient http, HttpResponseMessage response, StreamReader? reader, string body)
    {
        this.http = http;
        Response = response;
        this.reader = reader;
        Body = body;
    }

    public HttpResponseMessage Response { get; }

    /// <summary>The body of a refused request (the stream's is read event by event).</summary>
    public string Body { get; }

    public static async Task<EventStreamReader> OpenAsync(
        Uri address, CookieContainer cookies, string path, string? lastEventId = null, HttpStatusCode expect = HttpStatusCode.OK)
    {
        var http = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, UseCookies = true, AllowAutoRedirect = false })
        {
            BaseAddress = address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(expect, response.StatusCode);
        return response.StatusCode == HttpStatusCode.OK
            ? new EventStreamReader(http, response, new StreamReader(await response.Content.ReadAsStreamAsync()), string.Empty)
            : new EventStreamReader(http, response, null, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Reads events until <paramref name="enough"/> holds for those read by this call; returns them.</summary>
    public async Task<IReadOnlyList<ServerEvent>> ReadUntilAsync(Func<IReadOnlyList<ServerEvent>, bool> enough)
    {
        using var patience = new CancellationTokenSource(Patience);
        var start = received.Count;
        while (!enough(received[start..]))
        {
            received.Add(await NextAsync(patience.Token));
        }

        return received[start..];
    }

    /// <summary>The stream's <c>retry</c> field: it comes first, before any event.</summary>
    public async Task<int?> RetryAsync()
    {
        using var patience = new CancellationTokenSource(Patience);
        while (retry is null)
        {
            await ReadLineAsync(patience.Token);
        }

        return retry;
    }

    public async ValueTask DisposeAsync()
    {
        reader?.Dispose();
        Response.Dispose();
        http.Dispose();
        await Task.CompletedTask;
    }

    private async Task<ServerEvent> NextAsync(CancellationToken cancellationToken)
    {
        string? name = null, id = null, data = null;
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    return new ServerEvent(name ?? "message", id, JsonDocument.Parse(data).RootElement.Clone());
                }

                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (field, value) = colon < 0 ? (line, string.Empty) : (line[..colon], line[(colon + 1)..].TrimStart(' '));
            switch (field)
            {
                case "event": name = value; break;
                case "id": id = value; break;
                case "data": data = data is null ? value : data + "\n" + value; break;
                default: break; // a comment (": keep-alive") or retry, read by ReadLineAsync
            }
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = await reader!.ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException("the event stream ended");
        if (line.StartsWith("retry:", StringComparison.Ordinal))
        {
            retry = int.Parse(line["retry:".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }

        return line;
    }
}

/// <summary>One event: its name, its id (null when it has none) and its JSON data.</summary>
internal sealed record ServerEvent(string Name, string? Id, JsonElement Data);
