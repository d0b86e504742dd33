using System.Globalization;
using System.Text;
using Xunit;

namespace Orchestrator.Testing;

/// <summary>One sample of a scrape: a series name, its labels and its value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A scrape in the Prometheus text exposition format (0.0.4), parsed the way Prometheus reads it: comment lines
/// skipped, label values unescaped (\\, \", \n), NaN and ±Inf values, an optional timestamp after the value. The
/// acceptance tests compare its numbers with the database's rows.
/// </summary>
public sealed class PrometheusText
{
    private PrometheusText(string text, IReadOnlyList<PrometheusSample> samples)
    {
        Text = text;
        Samples = samples;
    }

    /// <summary>The page as served.</summary>
    public string Text { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <exception cref="FormatException">a line that is not a sample, with its number and text</exception>
    public static PrometheusText Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<PrometheusSample>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            try
            {
                samples.Add(ParseSample(line));
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {number} is not a Prometheus sample ({e.Message}): {line}", e);
            }
        }

        return new PrometheusText(text, samples);
    }

    /// <summary>GETs <paramref name="address"/> over HTTP/1.1 and parses the page; fails on any status but 200.</summary>
    public static async Task<PrometheusText> ScrapeAsync(Uri address)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await client.GetAsync(address);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {address}: {(int)response.StatusCode} {response.ReasonPhrase}: {body}");
        return Parse(body);
    }

    /// <summary>The samples of <paramref name="name"/> whose labels include every pair of <paramref name="labels"/>.</summary>
    public IEnumerable<PrometheusSample> Series(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value));

    /// <summary>The one sample of <paramref name="name"/> with these labels; fails when there is none or several.</summary>
    public double Value(string name, params (string Label, string Value)[] labels)
    {
        var matching = Series(name, labels).ToList();
        Assert.True(matching.Count == 1,
            $"expected one sample of {name}{{{string.Join(",", labels.Select(l => $"{l.Label}=\"{l.Value}\""))}}}, found {matching.Count}:{Environment.NewLine}{Text}");
        return matching[0].Value;
    }

    /// <summary>The sum over every sample of <paramref name="name"/> with these labels (0 when none).</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) => Series(name, labels).Sum(s => s.Value);

    private static PrometheusSample ParseSample(string line)
    {
        var position = 0;
        while (position < line.Length && line[position] != '{' && !char.IsWhiteSpace(line[position]))
        {
            position++;
        }

        var name = line[..position];
        if (name.Length == 0)
        {
            throw new FormatException("no metric name");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position = ParseLabels(line, position + 1, labels);
        }

        var rest = line[position..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2)
        {
            throw new FormatException("expected a value and at most a timestamp after the name");
        }

        return new PrometheusSample(name, labels, ParseValue(rest[0]));
    }

    /// <summary>Reads `a="x",b="y"}` from <paramref name="position"/>; returns the position after the brace.</summary>
    private static int ParseLabels(string line, int position, Dictionary<string, string> labels)
    {
        while (true)
        {
            while (position < line.Length && (line[position] == ',' || char.IsWhiteSpace(line[position])))
            {
                position++;
            }

            if (position >= line.Length)
            {
                throw new FormatException("labels not closed with }");
            }

            if (line[position] == '}')
            {
                return position + 1;
            }

            var equals = line.IndexOf('=', position);
            if (equals < 0 || equals + 1 >= line.Length || line[equals + 1] != '"')
            {
                throw new FormatException("a label is not name=\"value\"");
            }

            var label = line[position..equals].Trim();
            var value = new StringBuilder();
            position = equals + 2;
            while (true)
            {
                if (position >= line.Length)
                {
                    throw new FormatException($"the value of label {label} is not closed");
                }

                var c = line[position++];
                if (c == '"')
                {
                    break;
                }

                if (c == '\\' && position < line.Length)
                {
                    var escaped = line[position++];
                    value.Append(escaped switch
                    {
                        'n' => '\n',
                        _ => escaped, // \\ and \"
                    });
                    continue;
                }

                value.Append(c);
            }

            if (!labels.TryAdd(label, value.ToString()))
            {
                throw new FormatException($"label {label} appears twice");
            }
        }
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a number"),
    };
}
