using System.Text.Json;
using Orchestrator.Coordinator.EarlyStopping;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Coordinator.Web;

/// <summary>
/// One job's page: its parameters, the states it went through (attempt by attempt), every epoch it reported with all
/// metrics, its loss curve, its result, and the error text its worker reported with a failure (the trainer's last lines).
/// </summary>
public static class JobView
{
    public static HtmlPage Render(JobAnswer job) => new($"Job #{job.Id} · {job.Encoder}", page =>
    {
        page.Append($"<p><span class=\"state-{job.State}\">{job.State}</span> · attempt {job.Attempt}/{job.MaxAttempts} · sweep <a href=\"/sweeps/{job.SweepId}\">#{job.SweepId}</a>");
        page.Append($" · key <code>{job.Key}</code> · created {Format.Time(job.CreatedAt)} · started {Format.Time(job.StartedAt)} · finished {Format.Time(job.FinishedAt)}");
        if (job.Worker is { } worker)
        {
            page.Append($" · leased by worker <code>{worker}</code>");
        }

        page.Append($" · <a href=\"/api/jobs/{job.Id}\">JSON</a></p>");
        WriteStop(page, job.Stop);
        WriteParameters(page, job.Parameters);
        WriteHistory(page, job);
        WriteEpochs(page, job);
        WriteResult(page, job.Result);
        WriteLog(page, job.Error);
    });

    // First after the header: for a stopped job, why is the question its page must answer.
    private static void WriteStop(HtmlWriter page, JobStop? stop)
    {
        if (stop is null)
        {
            return;
        }

        page.Append($"<h2>Stopped early</h2><div class=\"scroll\"><table class=\"pairs stop\"><tbody>");
        page.Append($"<tr><th>Rule</th><td>{stop.Rule}</td></tr>");
        page.Append($"<tr><th>{(stop.Rule is EarlyStoppingSpec.Asha or EarlyStoppingSpec.Hyperband ? "Rung (epoch)" : "Epoch")}</th><td class=\"num\">{stop.Rung}</td></tr>");
        page.Append($"<tr><th>{JsonCells.Heading(stop.Metric)}</th><td class=\"num\">{Format.Number(stop.Value)}</td></tr>");
        page.Append($"<tr><th>Cut</th><td class=\"num\">{Format.Number(stop.Cut)}</td></tr>");
        page.Append($"<tr><th>Reason</th><td>{stop.Reason}</td></tr>");
        page.Append($"<tr><th>Decided</th><td>{Format.Time(stop.RecordedAt)}</td></tr>");
        page.Append($"</tbody></table></div>");
    }

    private static void WriteParameters(HtmlWriter page, JsonElement parameters)
    {
        page.Append($"<h2>Parameters</h2><div class=\"scroll\"><table class=\"pairs\"><tbody>");
        foreach (var key in JsonCells.Keys([parameters]))
        {
            page.Append($"<tr><th>{key}</th><td>{JsonCells.Value(parameters, key)}</td></tr>");
        }

        page.Append($"</tbody></table></div>");
    }

    private static void WriteHistory(HtmlWriter page, JobAnswer job)
    {
        page.Append($"<h2>Attempts</h2><p class=\"muted\">Every state the job entered, with the worker that took or lost the lease and the error an attempt ended with.</p>");
        page.Append($"<div class=\"scroll\"><table class=\"history\"><thead><tr><th>Time</th><th class=\"num\">Attempt</th><th>State</th><th>Worker</th><th>Error</th></tr></thead><tbody>");
        foreach (var change in job.History)
        {
            page.Append($"<tr><td>{Format.Time(change.At)}</td><td class=\"num\">{change.Attempt}</td><td class=\"state-{change.State}\">{change.State}</td>");
            page.Append($"<td>{change.Worker ?? string.Empty}</td><td class=\"error\">{change.Error ?? string.Empty}</td></tr>");
        }

        page.Append($"</tbody></table></div>");
    }

    private static void WriteEpochs(HtmlWriter page, JobAnswer job)
    {
        var total = job.Epochs.Count + job.EpochsOmitted;
        page.Append($"<h2>Epochs</h2>");
        PlotFigure.Write(page, "job-loss", $"/jobs/{job.Id}/loss", string.Empty, total, $"Loss per epoch of job {job.Id}",
            "Train (solid) and validation (dashed) loss per epoch; a resumed attempt continues the curve.");
        if (job.Epochs.Count == 0)
        {
            page.Append($"<p class=\"muted\">No epoch reported yet.</p>");
            return;
        }

        if (job.EpochsOmitted > 0)
        {
            page.Append($"<p class=\"muted\">The newest {job.Epochs.Count} of {total} epochs (the limit GetJob has too).</p>");
        }

        var keys = JsonCells.MetricKeys(job.Epochs.Select(e => (JsonElement?)e.Metrics));
        page.Append($"<div class=\"scroll\"><table class=\"epochs\"><thead><tr><th class=\"num\">Epoch</th><th class=\"num\">Attempt</th><th class=\"num\">Step</th>");
        foreach (var key in keys)
        {
            page.Append($"<th class=\"num\">{JsonCells.Heading(key)}</th>");
        }

        page.Append($"<th>Reported</th></tr></thead><tbody>");
        foreach (var epoch in job.Epochs)
        {
            page.Append($"<tr><td class=\"num\">{epoch.Epoch}</td><td class=\"num\">{epoch.Attempt}</td><td class=\"num\">{epoch.Step}</td>");
            foreach (var key in keys)
            {
                page.Append($"<td class=\"num\">{JsonCells.Value(epoch.Metrics, key)}</td>");
            }

            page.Append($"<td>{Format.Time(epoch.At)}</td></tr>");
        }

        page.Append($"</tbody></table></div>");
    }

    private static void WriteResult(HtmlWriter page, JsonElement? result)
    {
        page.Append($"<h2>Result</h2>");
        if (result is null)
        {
            page.Append($"<p class=\"muted\">No result: the job has not succeeded.</p>");
            return;
        }

        page.Append($"<p>Parameters {JsonCells.Value(result, MetricCatalog.ParamsTotal.Key)} (image {JsonCells.Value(result, MetricCatalog.ParamsImage.Key)})");
        page.Append($" · latency {JsonCells.Value(result, MetricCatalog.LatencyMs.Key)} ms at batch 1 · {MetricCatalog.TextToImageR1.Heading} {JsonCells.Value(result, MetricCatalog.TextToImageR1.Key)}</p>");
        page.Append($"<div class=\"scroll\"><table class=\"pairs result\"><tbody>");
        foreach (var key in JsonCells.MetricKeys([result]))
        {
            page.Append($"<tr><th>{JsonCells.Heading(key)}</th><td class=\"num\">{JsonCells.Value(result, key)}</td></tr>");
        }

        page.Append($"</tbody></table></div>");
    }

    private static void WriteLog(HtmlWriter page, string? error)
    {
        page.Append($"<h2>Log tail</h2>");
        if (string.IsNullOrEmpty(error))
        {
            page.Append($"<p class=\"muted\">No log reported.</p>");
            return;
        }

        page.Append($"<p class=\"muted\">What the worker reported with the latest failure: the trainer's last error lines or the reason.</p><pre class=\"log\">{error}</pre>");
    }
}
