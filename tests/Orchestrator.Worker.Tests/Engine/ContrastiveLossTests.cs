using System.Text.Json;
using Orchestrator.Testing;
using Orchestrator.Worker.Engine.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>Both losses against references written from the formulas in plain loops, and against PyTorch's values.</summary>
public sealed class ContrastiveLossTests
{
    private static readonly double[,] Image =
    {
        { 0.3, -1.2, 0.8 }, { 1.1, 0.4, -0.5 }, { -0.7, 0.9, 0.2 }, { 0.05, -0.3, 1.4 },
    };

    private static readonly double[,] Text =
    {
        { 0.6, -0.8, 0.1 }, { 0.9, 0.7, -0.2 }, { -1.3, 0.2, 0.6 }, { 0.4, -0.1, 0.9 },
    };

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(2.0)]
    public void Study_loss_and_its_gradients_equal_the_formula(double temperature)
    {
        using var scope = NewDisposeScope();
        var image = ToTensor(Image).requires_grad_();
        var text = ToTensor(Text).requires_grad_();

        var loss = new StudySoftTargetLoss(temperature).call(image, text);
        loss.backward();

        Assert.Equal(StudyReference(Image, Text, temperature), loss.item<double>(), 1e-5);
        AssertClose(NumericGradient(m => StudyReference(m, Text, temperature), Image), image.grad!);
        AssertClose(NumericGradient(m => StudyReference(Image, m, temperature), Text), text.grad!);
    }

    [Theory]
    [InlineData(2.659260036932778)]
    [InlineData(1.0)]
    public void InfoNce_loss_and_its_gradients_equal_the_formula(double logScale)
    {
        using var scope = NewDisposeScope();
        var image = ToTensor(Image).requires_grad_();
        var text = ToTensor(Text).requires_grad_();

        var loss = new InfoNceLoss(logScale).to(ScalarType.Float64).call(image, text);
        loss.backward();

        Assert.Equal(InfoNceReference(Image, Text, logScale), loss.item<double>(), 1e-5);
        AssertClose(NumericGradient(m => InfoNceReference(m, Text, logScale), Image), image.grad!);
        AssertClose(NumericGradient(m => InfoNceReference(Image, m, logScale), Text), text.grad!);
    }

    [Fact]
    public void InfoNce_starts_at_ln_1_over_0_07_and_clamps_the_scale_at_100()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(Math.Log(1 / 0.07), new InfoNceLoss().LogitScale.item<float>(), 1e-6);

        var clamped = new InfoNceLoss(Math.Log(1000)).to(ScalarType.Float64).call(ToTensor(Image), ToTensor(Text)).item<double>();
        Assert.Equal(InfoNceReference(Image, Text, Math.Log(100)), clamped, 1e-5);
    }

    [SkippableFact]
    public void Both_losses_match_the_values_and_gradients_PyTorch_computed()
    {
        var path = Path.Combine(ReferenceData.FixturesDirectory, "clip-loss.json");
        var missing = ReferenceData.MissingReason(ReferenceData.FixturesDirectory);
        Skip.If(missing is not null, missing);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var cases = root.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(4, cases.Count);
        foreach (var c in cases)
        {
            using var scope = NewDisposeScope();
            var image = ToTensor(Matrix(root.GetProperty("image_embeddings"))).to(ScalarType.Float32).requires_grad_();
            var text = ToTensor(Matrix(root.GetProperty("text_embeddings"))).to(ScalarType.Float32).requires_grad_();
            ContrastiveLoss loss = c.GetProperty("loss").GetString() switch
            {
                "study" => new StudySoftTargetLoss(c.GetProperty("temperature").GetDouble()),
                _ => new InfoNceLoss(c.GetProperty("log_logit_scale").GetDouble()),
            };

            var value = loss.call(image, text);
            value.backward();

            var expected = c.GetProperty("value").GetDouble();
            Assert.True(Math.Abs(value.item<float>() - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"{c}: {value.item<float>()} vs {expected}");
            AssertClose(Matrix(c.GetProperty("grad_image")), image.grad!);
            AssertClose(Matrix(c.GetProperty("grad_text")), text.grad!);
        }
    }

    private static double StudyReference(double[,] image, double[,] text, double t)
    {
        var n = image.GetLength(0);
        var logits = new double[n, n];
        var targets = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                logits[i, j] = Dot(text, i, text: image, j) / t;
                targets[i, j] = (Dot(image, i, image, j) + Dot(text, i, text, j)) / 2 * t;
            }
        }

        targets = SoftmaxRows(targets);
        var total = 0.0;
        for (var i = 0; i < n; i++)
        {
            var textsLoss = 0.0;
            var imagesLoss = 0.0;
            for (var j = 0; j < n; j++)
            {
                textsLoss -= targets[i, j] * LogSoftmaxRow(logits, i, j, transposed: false);
                imagesLoss -= targets[j, i] * LogSoftmaxRow(logits, i, j, transposed: true);
            }

            total += (textsLoss + imagesLoss) / 2;
        }

        return total / n;
    }

    private static double InfoNceReference(double[,] image, double[,] text, double logScale)
    {
        var n = image.GetLength(0);
        var scale = Math.Exp(Math.Min(logScale, Math.Log(100)));
        var img = NormaliseRows(image);
        var txt = NormaliseRows(text);
        var logitsPerImage = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                logitsPerImage[i, j] = scale * Dot(img, i, txt, j);
            }
        }

        var total = 0.0;
        for (var i = 0; i < n; i++)
        {
            total -= LogSoftmaxRow(logitsPerImage, i, i, transposed: false) + LogSoftmaxRow(logitsPerImage, i, i, transposed: true);
        }

        return total / n / 2;
    }

    /// <summary>log_softmax of row <paramref name="row"/> (of the transpose when asked) at column <paramref name="column"/>.</summary>
    private static double LogSoftmaxRow(double[,] m, int row, int column, bool transposed)
    {
        double At(int j) => transposed ? m[j, row] : m[row, j];
        var n = m.GetLength(0);
        var max = Enumerable.Range(0, n).Max(At);
        var sum = Enumerable.Range(0, n).Sum(j => Math.Exp(At(j) - max));
        return At(column) - max - Math.Log(sum);
    }

    private static double[,] SoftmaxRows(double[,] m)
    {
        var n = m.GetLength(0);
        var result = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                result[i, j] = Math.Exp(LogSoftmaxRow(m, i, j, transposed: false));
            }
        }

        return result;
    }

    private static double[,] NormaliseRows(double[,] m)
    {
        var result = (double[,])m.Clone();
        for (var i = 0; i < m.GetLength(0); i++)
        {
            var norm = Math.Sqrt(Dot(m, i, m, i));
            for (var k = 0; k < m.GetLength(1); k++)
            {
                result[i, k] /= norm;
            }
        }

        return result;
    }

    private static double Dot(double[,] a, int i, double[,] text, int j)
    {
        var sum = 0.0;
        for (var k = 0; k < a.GetLength(1); k++)
        {
            sum += a[i, k] * text[j, k];
        }

        return sum;
    }

    /// <summary>Central differences of the plain-loop reference: an independent gradient, accurate to ~1e-9 in double.</summary>
    private static double[,] NumericGradient(Func<double[,], double> f, double[,] at)
    {
        const double h = 1e-6;
        var gradient = new double[at.GetLength(0), at.GetLength(1)];
        for (var i = 0; i < at.GetLength(0); i++)
        {
            for (var k = 0; k < at.GetLength(1); k++)
            {
                var plus = (double[,])at.Clone();
                var minus = (double[,])at.Clone();
                plus[i, k] += h;
                minus[i, k] -= h;
                gradient[i, k] = (f(plus) - f(minus)) / (2 * h);
            }
        }

        return gradient;
    }

    private static void AssertClose(double[,] expected, Tensor actual)
    {
        var values = actual.to(ScalarType.Float64).data<double>().ToArray();
        var columns = expected.GetLength(1);
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var e = expected[i / columns, i % columns];
            Assert.True(Math.Abs(values[i] - e) <= 1e-5 * Math.Max(1, Math.Abs(e)), $"element {i}: {values[i]} vs {e}");
        }
    }

    private static Tensor ToTensor(double[,] m) =>
        tensor(m.Cast<double>().ToArray(), [m.GetLength(0), m.GetLength(1)], dtype: ScalarType.Float64);

    private static double[,] Matrix(JsonElement rows)
    {
        var list = rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var m = new double[list.Length, list[0].Length];
        for (var i = 0; i < list.Length; i++)
        {
            for (var k = 0; k < list[i].Length; k++)
            {
                m[i, k] = list[i][k];
            }
        }

        return m;
    }
}
