using Grpc.Core;

namespace Orchestrator.Integration.Tests.Hostile;

/// <summary>What every catalogue answer must be: the expected code (never Unknown or Internal), a message that names the field, and small.</summary>
public static class Refusal
{
    /// <summary>A refusal's message travels in a response header; well under HTTP/2's usual limits.</summary>
    public const int MaxMessageLength = 16_384;

    public static void Check(string caseName, RawCall.Outcome outcome, IReadOnlyCollection<StatusCode> codes, IReadOnlyCollection<string> mentions, int? more = null)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(mentions);
        var detail = outcome.Status.Detail ?? string.Empty;
        var shown = detail.Length > 600 ? detail[..600] + $"… ({detail.Length} characters)" : detail;
        var actual = $"{caseName}: got {outcome.Status.StatusCode} \"{shown}\"";
        Assert.True(codes.Contains(outcome.Status.StatusCode), $"{actual}; expected {string.Join(" or ", codes)}");
        Assert.True(detail.Length <= MaxMessageLength, $"{actual}; the message is longer than {MaxMessageLength} characters");
        if (mentions.Count > 0)
        {
            Assert.True(mentions.Any(m => detail.Contains(m, StringComparison.Ordinal)), $"{actual}; the message names none of: {string.Join(", ", mentions)}");
        }

        if (more is not null)
        {
            Assert.True(detail.Contains($"and {more} more", StringComparison.Ordinal), $"{actual}; the message does not end with \"… and {more} more\"");
        }
    }
}
