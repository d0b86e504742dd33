namespace Orchestrator.Coordinator.Web;

/// <summary>A sweep and a page of its jobs from /api/sweeps/{id}; the query string filters, sorts and pages as on the sweep's page.</summary>
public sealed record SweepAnswer(SweepSummary Sweep, IReadOnlyList<JobLine> Jobs, long TotalJobs, int Page, int PageSize);
