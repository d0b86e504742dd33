using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Monitoring;

/// <summary>The test-side reader of scrapes: what the acceptance tests compare with the database must be read right.</summary>
public sealed class PrometheusTextTests
{
    private const string Page = """
        # HELP orch_jobs Jobs by sweep and state.
        # TYPE orch_jobs gauge
        orch_jobs{sweep="7",state="queued"} 2
        orch_jobs{sweep="7",state="running"} 1
        orch_jobs{sweep="8",state="queued"} 5
        # TYPE orch_lease_wait_seconds histogram
        orch_lease_wait_seconds_sum 0.75
        orch_lease_wait_seconds_count 3
        orch_lease_wait_seconds_bucket{le="0.01"} 1
        orch_lease_wait_seconds_bucket{le="+Inf"} 3
        odd{text="a \"quoted\" back\\slash\nline", other="x"} 1.5e3 1700000000000
        not_a_number NaN
        minus_infinity -Inf
        """;

    [Fact]
    public void Samples_are_read_with_their_labels_and_values()
    {
        var page = PrometheusText.Parse(Page);

        Assert.Equal(10, page.Samples.Count);
        Assert.Equal(2, page.Value("orch_jobs", ("sweep", "7"), ("state", "queued")));
        Assert.Equal(3, page.Sum("orch_jobs", ("sweep", "7")));
        Assert.Equal(7, page.Sum("orch_jobs", ("state", "queued")));
        Assert.Equal(0, page.Sum("orch_jobs", ("sweep", "9")));
        Assert.Equal(3, page.Value("orch_lease_wait_seconds_count"));
        Assert.Equal(3, page.Value("orch_lease_wait_seconds_bucket", ("le", "+Inf")));
        Assert.True(double.IsNaN(page.Value("not_a_number")));
        Assert.Equal(double.NegativeInfinity, page.Value("minus_infinity"));
    }

    [Fact]
    public void Escaped_label_values_are_unescaped_and_a_timestamp_is_not_the_value()
    {
        var sample = PrometheusText.Parse(Page).Series("odd").Single();

        Assert.Equal("a \"quoted\" back\\slash\nline", sample.Labels["text"]);
        Assert.Equal("x", sample.Labels["other"]);
        Assert.Equal(1500, sample.Value);
    }

    [Theory]
    [InlineData("orch_jobs{sweep=\"7\"", "not closed")]
    [InlineData("orch_jobs{sweep=7} 2", "name=\"value\"")]
    [InlineData("orch_jobs two", "not a number")]
    [InlineData("orch_jobs 1 2 3", "at most a timestamp")]
    [InlineData("orch_jobs{a=\"1\",a=\"2\"} 1", "appears twice")]
    public void A_line_that_is_no_sample_is_refused_with_its_number(string line, string reason)
    {
        var error = Assert.Throws<FormatException>(() => PrometheusText.Parse("# HELP x y\n" + line));

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
