using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Coordinator.Storage;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// The body of <c>GET /sweeps/ID/events</c>: server-sent events with the changes of one sweep after a position, never
/// whole tables. <c>job</c> for each state change (the feed WatchSweep sends), <c>epoch</c> for each epoch reported,
/// <c>counts</c> when the sweep's counts by state changed; each job and epoch event carries the position after it as
/// its id. An idle poll costs two indexed range reads; the counts are read only after a poll that brought job changes.
/// A comment every <see cref="KeepAlive"/> keeps proxies from closing a quiet stream. It ends when the client goes
/// away or the coordinator stops (the browser then reconnects with its Last-Event-ID).
/// </summary>
public sealed class SweepEventsResponse(long sweepId, LivePosition from) : IResult
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <summary>How long a browser waits before reconnecting, sent as the stream's <c>retry</c>.</summary>
    public const int RetryMilliseconds = 2000;

    // A catch-up of a large sweep goes out in pieces of about this size rather than as one string.
    private const int FlushAt = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var services = httpContext.RequestServices;
        var sweeps = services.GetRequiredService<SweepStore>();
        var epochs = services.GetRequiredService<EpochFeedQuery>();
        var time = services.GetRequiredService<TimeProvider>();
        var poll = services.GetRequiredService<IOptions<QueueOptions>>().Value.WatchPollInterval;
        // Without the stopping token a coordinator shutting down would wait for every open page to go away.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(
            httpContext.RequestAborted, services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        var cancellationToken = stop.Token;

        var response = httpContext.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx (the usual ingress) would otherwise hold events back
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var position = from;
        IReadOnlyDictionary<string, int>? countsSent = null;
        var output = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"retry: {RetryMilliseconds}\n\n"));
        var lastSent = time.GetUtcNow();
        try
        {
            while (true)
            {
                var jobsChanged = false;
                await foreach (var change in sweeps.ChangesAsync(sweepId, position.Jobs, sweepOver: false, cancellationToken))
                {
                    position = position with { Jobs = change.Position };
                    Append(output, "job", position, new JobChange(change.JobId, change.StateLabel, change.Attempt, change.MaxAttempts, change.State == Shared.States.JobState.Running ? change.WorkerName ?? change.WorkerId : null, change.JobError));
                    jobsChanged = true;
                    await SendIfLargeAsync(response, output, cancellationToken);
                }

                await foreach (var epoch in epochs.AfterAsync(sweepId, position.Epochs, cancellationToken))
                {
                    position = position with { Epochs = epoch.Position };
                    Append(output, "epoch", position, new EpochChange(epoch.JobId, epoch.Epoch, epoch.TrainLoss, epoch.ValLoss));
                    await SendIfLargeAsync(response, output, cancellationToken);
                }

                // Counts change only with a job's state, so a quiet poll does not read them.
                if (jobsChanged && await sweeps.GetAsync(sweepId, cancellationToken) is { } sweep)
                {
                    var summary = SweepSummary.From(sweep);
                    if (countsSent is null || !countsSent.All(c => summary.Counts.GetValueOrDefault(c.Key) == c.Value))
                    {
                        Append(output, "counts", position: null, new CountsChange(summary.Counts, summary.Finished, summary.JobCount));
                        countsSent = summary.Counts;
                    }
                }

                var now = time.GetUtcNow();
                if (output.Length == 0 && now - lastSent >= KeepAlive)
                {
                    output.Append(": keep-alive\n\n");
                }

                if (output.Length > 0)
                {
                    await SendAsync(response, output, cancellationToken);
                    lastSent = now;
                }

                await Task.Delay(poll, time, cancellationToken);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException && stop.IsCancellationRequested)
        {
            // The page was closed or the coordinator is stopping: the end of the stream, not a failure.
        }
    }

    /// <summary>One event; an event without an id (counts) leaves the browser's Last-Event-ID as it was.</summary>
    private static void Append<T>(StringBuilder output, string name, LivePosition? position, T data)
    {
        output.Append("event: ").Append(name).Append('\n');
        if (position is { } at)
        {
            output.Append("id: ").Append(at.ToToken()).Append('\n');
        }

        // JSON on one line: a newline inside a string is escaped, so the data is one field.
        output.Append("data: ").Append(JsonSerializer.Serialize(data, Json)).Append("\n\n");
    }

    private static Task SendIfLargeAsync(HttpResponse response, StringBuilder output, CancellationToken cancellationToken) =>
        output.Length >= FlushAt ? SendAsync(response, output, cancellationToken) : Task.CompletedTask;

    private static async Task SendAsync(HttpResponse response, StringBuilder output, CancellationToken cancellationToken)
    {
        await response.WriteAsync(output.ToString(), Encoding.UTF8, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
        output.Clear();
    }

    /// <summary>The data of a <c>job</c> event: the state as the jobs table labels it, the attempt and the job's error.</summary>
    private sealed record JobChange(long Job, string State, int Attempt, int MaxAttempts, string? Worker, string? Error);

    private sealed record EpochChange(long Job, int Epoch, double? TrainLoss, double? ValLoss);

    private sealed record CountsChange(IReadOnlyDictionary<string, int> Counts, int Finished, int Total);
}
