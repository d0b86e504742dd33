using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Specs;

/// <summary>`onnx_towers:` — image and text towers read from ONNX files, named in a spec like built-in ones.</summary>
public sealed class OnnxTowerSpecTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private const string TwoTowers = $$"""
        name: onnx
        dataset: {format: synthetic}
        onnx_towers:
          my-vit:
            kind: image
            model: vit/model.onnx
            sha256: {{Sha}}
            output: pooled
            input: pixel_values
            pixels: {channels: rgb, scale: 1, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]}
          my-bert:
            kind: text
            model: /models/bert.onnx
            pool: cls
            vocabulary: bert/vocab.txt
            lowercase: false
        encoders: [resnet18, my-vit, resnet18-onnx]
        parameters:
          text_encoder: [small-transformer, my-bert, all-minilm-l6-v2]
        """;

    private static IReadOnlyList<SpecProblem> Problems(string spec) =>
        Assert.Throws<SpecValidationException>(() => SweepSpecParser.Parse(spec)).Problems;

    private static string WithTower(string definition, string encoder = "t", string? textEncoder = null) =>
        $"name: bad\ndataset: {{format: synthetic}}\nonnx_towers:\n  t:\n{string.Join('\n', definition.Split('\n').Select(l => "    " + l))}\n" +
        $"encoders: [{encoder}]\n" + (textEncoder is null ? "" : $"parameters: {{text_encoder: {textEncoder}}}\n");

    [Fact]
    public void Onnx_and_built_in_towers_mix_in_one_sweep_and_each_job_carries_its_definitions()
    {
        var parsed = SweepSpecParser.Parse(TwoTowers);

        Assert.Equal(9, parsed.Jobs.Count);
        Assert.Equal(9, parsed.Jobs.Select(j => j.JobKey).Distinct().Count());
        var vitBert = parsed.Jobs.Single(j => j.Parameters is { Encoder: "my-vit", TextEncoder: "my-bert" }).Parameters;
        Assert.Equal("vit/model.onnx", vitBert.OnnxImageTower!.Model);
        Assert.Equal(Sha, vitBert.OnnxImageTower.Sha256);
        Assert.Equal("pixel_values", vitBert.OnnxImageTower.Input);
        Assert.Equal([0.5, 0.5, 0.5], vitBert.OnnxImageTower.Pixels!.Std);
        Assert.Equal("cls", vitBert.OnnxTextTower!.Pool);
        Assert.False(vitBert.OnnxTextTower.Lowercase);

        var plain = parsed.Jobs.Single(j => j.Parameters is { Encoder: "resnet18", TextEncoder: "small-transformer" }).Parameters;
        Assert.Null(plain.OnnxImageTower);
        Assert.Null(plain.OnnxTextTower);
        Assert.DoesNotContain("onnx", parsed.Jobs.Single(j => j.Parameters == plain).CanonicalParameters, StringComparison.Ordinal);
    }

    [Fact]
    public void Built_in_onnx_towers_need_no_entry_and_carry_their_files_checksums()
    {
        var job = SweepSpecParser.ParseSingleJob(
            "name: b\ndataset: {format: synthetic}\nencoders: [resnet18-onnx]\nparameters: {text_encoder: all-minilm-l6-v2}\n").Parameters;

        Assert.Equal("resnet18-onnx/ResNet18.onnx", job.OnnxImageTower!.Model);
        Assert.Equal("e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f", job.OnnxImageTower.Sha256);
        Assert.Equal("ReLU393_Output_0", job.OnnxImageTower.Output);
        Assert.Equal(OnnxPixelConvention.Bgr, job.OnnxImageTower.Pixels!.Channels);
        Assert.Equal(255, job.OnnxImageTower.Pixels.Scale);
        Assert.Equal("4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2", job.OnnxTextTower!.Sha256);
        Assert.Equal("all-minilm-l6-v2/vocab.txt", job.OnnxTextTower.Vocabulary);
        Assert.Equal("mean", job.OnnxTextTower.Pool);
    }

    [Fact]
    public void Defaults_are_filled_in_so_the_job_key_covers_them()
    {
        var image = SweepSpecParser.ParseSingleJob(WithTower("kind: image\nmodel: a.onnx")).Parameters.OnnxImageTower!;
        Assert.Equal(OnnxPixelConvention.TorchVision, image.Pixels! with { Mean = OnnxPixelConvention.TorchVision.Mean, Std = OnnxPixelConvention.TorchVision.Std });
        Assert.Equal(OnnxPixelConvention.TorchVision.Mean, image.Pixels.Mean);
        Assert.Null(image.Pool);

        // Left out, mean and std are torchvision's in the given order and scale.
        var bgr = SweepSpecParser.ParseSingleJob(WithTower("kind: image\nmodel: a.onnx\npixels: {channels: bgr, scale: 255}")).Parameters.OnnxImageTower!.Pixels!;
        Assert.Equal(0.406 * 255, bgr.Mean[0], 9);
        Assert.Equal(0.229 * 255, bgr.Std[2], 9);

        var prep = SweepSpecParser.ParseSingleJob(WithTower("kind: image\nmodel: a.onnx\npreprocess: prep.onnx")).Parameters.OnnxImageTower!;
        Assert.Null(prep.Pixels);

        var text = SweepSpecParser.ParseSingleJob(WithTower("kind: text\nmodel: a.onnx\nvocabulary: v.txt", encoder: "resnet18", textEncoder: "t")).Parameters.OnnxTextTower!;
        Assert.Equal("mean", text.Pool);
        Assert.True(text.Lowercase);
    }

    [Fact]
    public void Jobs_of_specs_without_onnx_towers_keep_their_keys()
    {
        // The keys PretrainedSpecTests pins (computed before ONNX towers existed), with an unused tower defined too.
        const string tower = "onnx_towers: {x: {kind: image, model: x.onnx}}\n";
        var defaults = SweepSpecParser.ParseSingleJob("name: a\ndataset: {format: synthetic}\nencoders: [resnet50]\n");
        var withUnused = SweepSpecParser.ParseSingleJob("name: a\ndataset: {format: synthetic}\n" + tower + "encoders: [resnet50]\n");

        Assert.Equal("cca9d95cf62b1329e789697c0b4548159a151df25824def2d2a21bd03d92cec3", defaults.JobKey);
        Assert.Equal(defaults.JobKey, withUnused.JobKey);
    }

    [Fact]
    public void The_job_key_changes_with_the_model_files_checksum()
    {
        var without = SweepSpecParser.ParseSingleJob(WithTower("kind: image\nmodel: a.onnx"));
        var with = SweepSpecParser.ParseSingleJob(WithTower($"kind: image\nmodel: a.onnx\nsha256: {Sha}"));
        var other = SweepSpecParser.ParseSingleJob(WithTower($"kind: image\nmodel: a.onnx\nsha256: {Sha.ToUpperInvariant()[..63]}0"));
        var sameUpperCase = SweepSpecParser.ParseSingleJob(WithTower($"kind: image\nmodel: a.onnx\nsha256: {Sha.ToUpperInvariant()}"));

        Assert.NotEqual(without.JobKey, with.JobKey);
        Assert.NotEqual(with.JobKey, other.JobKey);
        Assert.Equal(with.JobKey, sameUpperCase.JobKey);
        Assert.Contains(Sha, with.CanonicalParameters, StringComparison.Ordinal);
    }

    [Fact]
    public void The_canonical_spec_parses_back_to_the_same_jobs()
    {
        var parsed = SweepSpecParser.Parse(TwoTowers);
        var again = SweepSpecParser.Parse(parsed.Spec.ToCanonicalJson());

        Assert.Equal(parsed.Jobs.Select(j => j.JobKey), again.Jobs.Select(j => j.JobKey));
    }

    [Fact]
    public void Every_job_written_back_as_a_job_file_parses_to_the_same_job_key()
    {
        foreach (var job in SweepSpecParser.Parse(TwoTowers).Jobs)
        {
            var again = SweepSpecParser.ParseSingleJob(SingleJobSpec.ToJson(job, "again"));
            Assert.Equal(job.JobKey, again.JobKey);
            Assert.Equal(job.Parameters.OnnxImageTower?.Model, again.Parameters.OnnxImageTower?.Model);
        }
    }

    [Theory]
    [InlineData("kind: video\nmodel: a.onnx", "onnx_towers.t.kind", "'video' must be one of: image, text")]
    [InlineData("kind: image", "onnx_towers.t.model", "missing")]
    [InlineData("kind: image\nmodel: ''", "onnx_towers.t.model", "expected a non-empty text value")]
    [InlineData("model: a.onnx", "onnx_towers.t.kind", "missing")]
    [InlineData("kind: image\nmodel: a.onnx\nsha256: abc", "onnx_towers.t.sha256", "must be 64 hexadecimal digits")]
    [InlineData("kind: image\nmodel: a.onnx\npool: cls", "onnx_towers.t.pool", "'cls' does not apply to an image tower; use one of: none, mean")]
    [InlineData("kind: image\nmodel: a.onnx\npreprocess: p.onnx\npixels: {scale: 255}", "onnx_towers.t.preprocess", "either pixels")]
    [InlineData("kind: image\nmodel: a.onnx\npixels: {channels: rgba}", "onnx_towers.t.pixels.channels", "'rgba' must be one of: rgb, bgr")]
    [InlineData("kind: image\nmodel: a.onnx\npixels: {scale: 100}", "onnx_towers.t.pixels.scale", "100 must be 1 (pixels in 0–1) or 255")]
    [InlineData("kind: image\nmodel: a.onnx\npixels: {mean: [1, 2]}", "onnx_towers.t.pixels.mean", "expected a list of 3 numbers, got 2")]
    [InlineData("kind: image\nmodel: a.onnx\npixels: {std: [1, 0, 1]}", "onnx_towers.t.pixels.std[1]", "0 must be positive")]
    [InlineData("kind: image\nmodel: a.onnx\npixels: {gamma: 2}", "onnx_towers.t.pixels.gamma", "unknown key 'gamma'")]
    [InlineData("kind: image\nmodel: a.onnx\nvocabulary: v.txt", "onnx_towers.t.vocabulary", "does not apply to an image tower")]
    [InlineData("kind: image\nmodel: a.onnx\nlayers: 3", "onnx_towers.t.layers", "unknown key 'layers'")]
    [InlineData("kind: image\nmodel: a.onnx\nlowercase: true", "onnx_towers.t.lowercase", "does not apply to an image tower")]
    public void Each_bad_image_definition_is_refused_with_its_path(string definition, string path, string message)
    {
        var problem = Assert.Single(Problems(WithTower(definition)), p => p.Path == path);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kind: text\nmodel: a.onnx", "onnx_towers.t.vocabulary", "missing: a text tower needs the WordPiece vocab.txt")]
    [InlineData("kind: text\nmodel: a.onnx\nvocabulary: v.txt\npool: none", "onnx_towers.t.pool", "use one of: cls, mean")]
    [InlineData("kind: text\nmodel: a.onnx\nvocabulary: v.txt\ninput: ids", "onnx_towers.t.input", "does not apply to a text tower")]
    [InlineData("kind: text\nmodel: a.onnx\nvocabulary: v.txt\npixels: {scale: 1}", "onnx_towers.t.pixels", "does not apply to a text tower")]
    [InlineData("kind: text\nmodel: a.onnx\nvocabulary: v.txt\nlowercase: yes", "onnx_towers.t.lowercase", "expected true or false")]
    public void Each_bad_text_definition_is_refused_with_its_path(string definition, string path, string message)
    {
        var problem = Assert.Single(Problems(WithTower(definition, encoder: "resnet18", textEncoder: "t")), p => p.Path == path);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_of_a_definition_is_reported_at_once()
    {
        var problems = Problems(WithTower("kind: image\nsha256: nope\npool: cls\nvocabulary: v.txt"));

        Assert.Equal(
            ["onnx_towers.t.model", "onnx_towers.t.pool", "onnx_towers.t.sha256", "onnx_towers.t.vocabulary"],
            problems.Select(p => p.Path).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("tiny_cnn")]
    [InlineData("small-transformer")]
    [InlineData("distilbert-base-uncased")]
    [InlineData("resnet18-onnx")]
    [InlineData("all-minilm-l6-v2")]
    public void A_tower_may_not_take_a_built_in_name(string name)
    {
        var spec = $"name: s\ndataset: {{format: synthetic}}\nonnx_towers:\n  {name}: {{kind: image, model: a.onnx}}\nencoders: [resnet18]\n";
        var problem = Assert.Single(Problems(spec));
        Assert.Equal($"onnx_towers.{name}", problem.Path);
        Assert.Contains("built-in tower's name", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Towers_are_named_where_their_kind_belongs()
    {
        var spec = """
            name: s
            dataset: {format: synthetic}
            onnx_towers:
              img: {kind: image, model: a.onnx}
              txt: {kind: text, model: b.onnx, vocabulary: v.txt}
            encoders: [txt, all-minilm-l6-v2, nonesuch]
            parameters: {text_encoder: [img, resnet18-onnx]}
            """;
        var problems = Problems(spec);

        Assert.Contains(problems, p => p.Path == "encoders[0]" && p.Message.Contains("is an ONNX text tower", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Path == "encoders[1]" && p.Message.Contains("is an ONNX text tower", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Path == "encoders[2]" && p.Message.Contains("resnet18-onnx, img", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Path == "parameters.text_encoder[0]" && p.Message.Contains("all-minilm-l6-v2, txt", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Path == "parameters.text_encoder[1]");
    }

    [Fact]
    public void A_weight_file_for_an_onnx_tower_is_refused_but_true_and_false_are_accepted()
    {
        var problem = Assert.Single(Problems(
            "name: s\ndataset: {format: synthetic}\nencoders: [resnet18-onnx]\nparameters: {text_encoder: small-transformer, pretrained: {image: /w/r18.pth}}\n"));
        Assert.Equal("parameters.pretrained.image", problem.Path);
        Assert.Contains("resnet18-onnx is an ONNX tower: it always starts from the weights in its model file", problem.Message, StringComparison.Ordinal);

        var job = SweepSpecParser.ParseSingleJob(
            "name: s\ndataset: {format: synthetic}\nencoders: [resnet18-onnx]\nparameters: {text_encoder: all-minilm-l6-v2, pretrained: false, trainable: false}\n");
        Assert.False(job.Parameters.Trainable);

        // `true` asks for published weights, which an ONNX tower's are: a sweep can ask for them next to a built-in tower.
        var mixed = SweepSpecParser.Parse(
            "name: s\ndataset: {format: synthetic}\nencoders: [resnet18, resnet18-onnx]\nparameters: {text_encoder: small-transformer, pretrained: {image: true, text: false}}\n");
        Assert.Equal(["resnet18", "resnet18-onnx"], mixed.Jobs.Select(j => j.Parameters.Encoder));
        Assert.All(mixed.Jobs, j => Assert.Equal(TowerWeightsKind.Published, j.Parameters.Pretrained.Image.Kind));
    }

    [Fact]
    public void The_built_in_resnet_refuses_images_below_32_pixels()
    {
        var problem = Assert.Single(Problems("name: s\ndataset: {format: synthetic}\nencoders: [resnet18-onnx]\nparameters: {image_size: 16}\n"));
        Assert.Equal("parameters.image_size", problem.Path);
    }

    [Fact]
    public void Onnx_towers_must_be_a_mapping_of_mappings()
    {
        Assert.Equal("onnx_towers", Assert.Single(Problems("name: s\ndataset: {format: synthetic}\nonnx_towers: [a]\nencoders: [resnet18]\n")).Path);
        Assert.Equal("onnx_towers.t", Assert.Single(Problems("name: s\ndataset: {format: synthetic}\nonnx_towers: {t: a.onnx}\nencoders: [resnet18]\n")).Path);
    }
}
