using SkiaSharp;

namespace Orchestrator.Worker.Engine.Data;

/// <summary>
/// A seeded image–caption set for tests and demos: one coloured shape per image (colour, shape, size and
/// position drawn at random, with jitter so no two images are identical), each image with several distinct
/// templated captions naming those attributes.
/// </summary>
public static class SyntheticShapes
{
    private static readonly (string Name, SKColor Color)[] Colours =
    [
        ("red", new SKColor(220, 40, 40)), ("green", new SKColor(40, 180, 60)), ("blue", new SKColor(50, 80, 230)),
        ("yellow", new SKColor(235, 220, 50)), ("purple", new SKColor(150, 60, 200)), ("orange", new SKColor(245, 140, 30)),
        ("white", new SKColor(245, 245, 245)), ("cyan", new SKColor(40, 210, 220)),
    ];

    private static readonly string[] Shapes = ["circle", "square", "triangle", "cross"];

    private static readonly (string Name, float X, float Y)[] Positions =
    [
        ("top left", 0.27f, 0.27f), ("top right", 0.73f, 0.27f), ("centre", 0.5f, 0.5f),
        ("bottom left", 0.27f, 0.73f), ("bottom right", 0.73f, 0.73f),
    ];

    private static readonly (string Name, float Radius)[] Sizes = [("small", 0.13f), ("large", 0.24f)];

    private static readonly Func<Attributes, string>[] Templates =
    [
        a => $"a {a.Size} {a.Colour} {a.Shape} in the {a.Position}",
        a => $"a {a.Colour} {a.Shape}",
        a => $"there is a {a.Shape} coloured {a.Colour} at the {a.Position}",
        a => $"{a.Size} {a.Shape}, {a.Colour}, {a.Position}",
        a => $"the picture shows a {a.Colour} {a.Shape} placed {a.Position}",
        a => $"{a.Position}: one {a.Size} {a.Colour} {a.Shape} on a dark background",
    ];

    public static int MaxCaptionsPerImage => Templates.Length;

    public static CaptionedImageSet Generate(int imageCount, int captionsPerImage, int imageSize, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(imageCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(captionsPerImage, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(captionsPerImage, MaxCaptionsPerImage);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 8);
        var random = new Random(seed);
        var images = new List<float[]>(imageCount);
        var captions = new List<Caption>(imageCount * captionsPerImage);
        for (var i = 0; i < imageCount; i++)
        {
            var colour = Colours[random.Next(Colours.Length)];
            var attributes = new Attributes(
                colour.Name, Shapes[random.Next(Shapes.Length)], Sizes[random.Next(Sizes.Length)], Positions[random.Next(Positions.Length)]);
            images.Add(Render(attributes, colour.Color, imageSize, random));
            // Distinct templates per image, in a random order, so captions differ in wording, not only content.
            foreach (var template in Templates.OrderBy(_ => random.Next()).Take(captionsPerImage))
            {
                captions.Add(new Caption(i, template(attributes)));
            }
        }

        return new CaptionedImageSet(imageSize, images, captions);
    }

    private static float[] Render(Attributes a, SKColor colour, int size, Random random)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            var shade = (byte)random.Next(20, 60);
            canvas.Clear(new SKColor(shade, shade, (byte)(shade + 10)));
            using var paint = new SKPaint { Color = colour, IsAntialias = true, Style = SKPaintStyle.Fill };
            var jitter = 0.06f * size;
            var cx = (a.PositionXy.X * size) + (((float)random.NextDouble() - 0.5f) * jitter);
            var cy = (a.PositionXy.Y * size) + (((float)random.NextDouble() - 0.5f) * jitter);
            var r = a.SizeRadius * size * (0.9f + (0.2f * (float)random.NextDouble()));
            Draw(canvas, paint, a.Shape, cx, cy, r);
        }

        return ImagePixels.NormalisedChw(bitmap.GetPixelSpan(), size, size);
    }

    private static void Draw(SKCanvas canvas, SKPaint paint, string shape, float cx, float cy, float r)
    {
        switch (shape)
        {
            case "circle":
                canvas.DrawCircle(cx, cy, r, paint);
                break;
            case "square":
                canvas.DrawRect(cx - r, cy - r, 2 * r, 2 * r, paint);
                break;
            case "triangle":
                using (var path = new SKPath())
                {
                    path.MoveTo(cx, cy - r);
                    path.LineTo(cx + r, cy + r);
                    path.LineTo(cx - r, cy + r);
                    path.Close();
                    canvas.DrawPath(path, paint);
                }

                break;
            default:
                canvas.DrawRect(cx - r, cy - (r / 3), 2 * r, 2 * r / 3, paint);
                canvas.DrawRect(cx - (r / 3), cy - r, 2 * r / 3, 2 * r, paint);
                break;
        }
    }

    private sealed record Attributes(string Colour, string Shape, (string Name, float Radius) SizeEntry, (string Name, float X, float Y) PositionEntry)
    {
        public string Size => SizeEntry.Name;

        public float SizeRadius => SizeEntry.Radius;

        public string Position => PositionEntry.Name;

        public (float X, float Y) PositionXy => (PositionEntry.X, PositionEntry.Y);
    }
}
