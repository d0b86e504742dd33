using Grpc.Core;
using Microsoft.Extensions.Options;
using Orchestrator.Coordinator.Api.Boundary;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Protos;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Specs;
using ResultTable = Orchestrator.Protos.ResultTable;

namespace Orchestrator.Coordinator.Api;

/// <summary>Client-facing results: validates the request, runs the aggregation, maps to the contract.</summary>
public sealed class ResultsApi(ResultsQuery results, LossCurvesQuery curves, SweepStore sweeps, IOptions<LimitsOptions> limitsOptions)
    : ResultsService.ResultsServiceBase
{
    private static readonly string[] GroupingNames = ["encoder", "seed", .. ParameterCatalog.Names.Order(StringComparer.Ordinal)];
    private static readonly string[] MetricNames = [.. MetricCatalog.ResultColumns.Select(m => m.Key)];
    private readonly LimitsOptions limits = limitsOptions.Value;

    public override async Task<ResultTable> GetResults(GetResultsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var problems = new RequestProblems(limits.MaxProblemsInMessage);
        RepeatedField.SweepIds(problems, "sweep_ids", request.SweepIds, limits);
        RepeatedField.Names(problems, "group_by", request.GroupBy, GroupingNames, limits);
        RepeatedField.Names(problems, "cost_axes", request.CostAxes, MetricNames, limits);
        if (request.RankBy.Length > 0 && !MetricNames.Contains(request.RankBy))
        {
            problems.Add("rank_by", $"'{TextField.Printable(request.RankBy)}' is not one of: {string.Join(", ", MetricNames)}");
        }

        problems.ThrowIfAny();
        var query = new ResultsRequest
        {
            SweepIds = request.SweepIds,
            GroupBy = request.GroupBy.Count > 0 ? request.GroupBy : ["encoder"],
            RankBy = string.IsNullOrEmpty(request.RankBy) ? MetricCatalog.TextToImageR1.Key : request.RankBy,
            CostAxes = request.CostAxes.Count > 0 ? request.CostAxes : [MetricCatalog.LatencyMs.Key, MetricCatalog.ParamsTotal.Key],
            IncludeStopped = request.IncludeStopped,
        };
        var left = query.Problems(); // the library's own checks; the boundary's above already cover them
        if (left.Count > 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, string.Join("; ", left)));
        }

        var names = await SweepNamesAsync(request.SweepIds, context.CancellationToken);

        var table = await results.AggregateAsync(query, query.Title(names), context.CancellationToken);
        return ResultConversions.ToProto(table);
    }

    public override async Task<GetLossCurvesResponse> GetLossCurves(GetLossCurvesRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var problems = new RequestProblems(limits.MaxProblemsInMessage);
        RepeatedField.SweepIds(problems, "sweep_ids", request.SweepIds, limits);
        TextField.Check(problems, "encoder", request.Encoder, limits.MaxNameLength, required: false);
        problems.ThrowIfAny();
        _ = await SweepNamesAsync(request.SweepIds, context.CancellationToken);

        var found = await curves.ForSweepsAsync(request.SweepIds, string.IsNullOrEmpty(request.Encoder) ? null : request.Encoder, context.CancellationToken);
        var response = new GetLossCurvesResponse();
        response.Curves.AddRange(found.Select(ResultConversions.ToProto));
        return response;
    }

    /// <summary>"name (#id)" of each sweep; NOT_FOUND for the first that does not exist, rather than an empty answer.</summary>
    private async Task<List<string>> SweepNamesAsync(IEnumerable<long> sweepIds, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        foreach (var id in sweepIds)
        {
            var sweep = await sweeps.GetAsync(id, cancellationToken)
                        ?? throw new RpcException(new Status(StatusCode.NotFound, $"sweep {id} does not exist; `orch status` lists the sweeps there are"));
            names.Add(ResultsRequest.SweepLabel(sweep.Sweep.Name, id));
        }

        return names;
    }
}
