using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>
/// The problems of one request, each with the field it is about (proto field name or YAML path). Refused as
/// INVALID_ARGUMENT whose message lists the first few and counts the rest, and whose google.rpc.BadRequest
/// detail lists every one, both kept small enough for HTTP/2 response headers (clients allow 64 KiB).
/// </summary>
public sealed class RequestProblems(int maxInMessage = 20)
{
    // The detail travels base64-encoded in a trailer next to the message: 24 KiB become 32 KiB there.
    private const int DetailBudgetBytes = 24 * 1024;
    private const int ShortestDescription = 24;
    private const int LongestMessageLine = 300;

    // Bytes of an entry besides its field and description (tags and lengths), and of the "…" a shortened one ends with.
    private const int EntryOverhead = 10;
    private const int Ellipsis = 3;

    private readonly List<BadRequest.Types.FieldViolation> problems = [];

    public int Count => problems.Count;

    public void Add(string field, string message)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(message);
        problems.Add(new BadRequest.Types.FieldViolation { Field = field, Description = message });
    }

    /// <summary>Refuses the request when any problem was found; <paramref name="heading"/> opens a message of several.</summary>
    public void ThrowIfAny(string? heading = null)
    {
        if (problems.Count > 0)
        {
            throw ToException(heading);
        }
    }

    public RpcException ToException(string? heading = null)
    {
        if (problems.Count == 0)
        {
            throw new InvalidOperationException("there are no problems to refuse the request with");
        }

        var status = new Google.Rpc.Status { Code = (int)StatusCode.InvalidArgument, Message = Message(heading) };
        status.Details.Add(Any.Pack(Detail()));
        return status.ToRpcException();
    }

    private string Message(string? heading)
    {
        if (problems.Count == 1 && heading is null)
        {
            return Line(problems[0]);
        }

        var text = new StringBuilder(heading ?? string.Create(CultureInfo.InvariantCulture, $"the request has {problems.Count} problems:"));
        foreach (var problem in problems.Take(maxInMessage))
        {
            text.Append('\n').Append("  ").Append(Line(problem));
        }

        if (problems.Count > maxInMessage)
        {
            text.Append('\n').Append(CultureInfo.InvariantCulture, $"  … and {problems.Count - maxInMessage} more (every problem is in the error's BadRequest detail)");
        }

        return text.ToString();
    }

    private static string Line(BadRequest.Types.FieldViolation problem) => Shorten($"{problem.Field}: {problem.Description}", LongestMessageLine);

    /// <summary>Every problem; descriptions are shortened when they would not fit, and a last entry counts any that still do not.</summary>
    private BadRequest Detail()
    {
        var detail = new BadRequest();
        var whole = problems.Sum(p => p.CalculateSize() + 3);
        var descriptionRoom = whole <= DetailBudgetBytes
            ? int.MaxValue
            : Math.Max(ShortestDescription, ((DetailBudgetBytes - problems.Sum(p => Encoding.UTF8.GetByteCount(p.Field) + EntryOverhead)) / problems.Count) - Ellipsis);
        var used = 0;
        for (var i = 0; i < problems.Count; i++)
        {
            var violation = new BadRequest.Types.FieldViolation { Field = problems[i].Field, Description = Shorten(problems[i].Description, descriptionRoom) };
            used += violation.CalculateSize() + 3;
            if (used > DetailBudgetBytes)
            {
                detail.FieldViolations.Add(new BadRequest.Types.FieldViolation
                {
                    Field = "(more)",
                    Description = string.Create(CultureInfo.InvariantCulture, $"{problems.Count - i} more problems not listed; fix these first"),
                });
                break;
            }

            detail.FieldViolations.Add(violation);
        }

        return detail;
    }

    private static string Shorten(string text, int length) => text.Length <= length ? text : string.Concat(text.AsSpan(0, length - 1), "…");
}
