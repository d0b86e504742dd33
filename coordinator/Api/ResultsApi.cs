using Grpc.Core;
using Orchestrator.Coordinator.Results;
using Orchestrator.Coordinator.Storage;
using Orchestrator.Protos;
using Orchestrator.Shared.Metrics;
using ResultTable = Orchestrator.Protos.ResultTable;

namespace Orchestrator.Coordinator.Api;

/// <summary>Client-facing results: validates the request, runs the aggregation, maps to the contract.</summary>
public sealed class ResultsApi(ResultsQuery results, LossCurvesQuery curves, SweepStore sweeps) : ResultsService.ResultsServiceBase
{
    public override async Task<ResultTable> GetResults(GetResultsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var query = new ResultsRequest
        {
            SweepIds = request.SweepIds,
            GroupBy = request.GroupBy.Count > 0 ? request.GroupBy : ["encoder"],
            RankBy = string.IsNullOrEmpty(request.RankBy) ? MetricCatalog.TextToImageR1.Key : request.RankBy,
            CostAxes = request.CostAxes.Count > 0 ? request.CostAxes : [MetricCatalog.LatencyMs.Key, MetricCatalog.ParamsTotal.Key],
        };
        var problems = query.Problems();
        if (problems.Count > 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, string.Join("; ", problems)));
        }

        var names = new List<string>();
        foreach (var id in request.SweepIds)
        {
            var sweep = await sweeps.GetAsync(id, context.CancellationToken)
                        ?? throw new RpcException(new Status(StatusCode.NotFound, $"sweep {id} does not exist"));
            names.Add($"{sweep.Sweep.Name} (#{id})");
        }

        var table = await results.AggregateAsync(query, $"{string.Join(", ", names)} by {string.Join(", ", query.GroupBy)}", context.CancellationToken);
        return ResultConversions.ToProto(table);
    }

    public override async Task<GetLossCurvesResponse> GetLossCurves(GetLossCurvesRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (request.SweepIds.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "name at least one sweep"));
        }

        var found = await curves.ForSweepsAsync(request.SweepIds, string.IsNullOrEmpty(request.Encoder) ? null : request.Encoder, context.CancellationToken);
        var response = new GetLossCurvesResponse();
        response.Curves.AddRange(found.Select(ResultConversions.ToProto));
        return response;
    }
}
