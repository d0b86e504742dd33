using Xunit;

namespace Orchestrator.Testing;

/// <summary>
/// Invalid specs, each with the YAML path its problem must name and a fragment of the message. Public so the
/// coordinator's submission tests can replay the same table over gRPC.
/// </summary>
public static class BadSpecs
{
    private const string Dataset = "dataset: {format: synthetic}\n";

    public static TheoryData<string, string, string, string> All => new()
    {
        { "unknown top-level key", "name: s\n" + Dataset + "encoders: [resnet18]\nepochz: 3\n", "epochz", "unknown key" },
        { "unknown encoder", "name: s\n" + Dataset + "encoders: [resnet18, vgg16]\n", "encoders[1]", "unknown encoder 'vgg16'" },
        { "negative learning rate", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  head_lr: [1e-3, -1e-4]\n", "parameters.head_lr[1]", "must be positive" },
        { "zero learning rate", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  image_encoder_lr: 0\n", "parameters.image_encoder_lr", "must be positive" },
        { "empty parameter list", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  batch_size: []\n", "parameters.batch_size", "empty list" },
        { "empty encoder list", "name: s\n" + Dataset + "encoders: []\n", "encoders", "empty list" },
        { "duplicate values", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  head_lr: [1e-3, 0.001]\n", "parameters.head_lr[1]", "duplicate value" },
        { "duplicate encoders", "name: s\n" + Dataset + "encoders: [resnet18, resnet18]\n", "encoders[1]", "duplicate value" },
        { "wrong type", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  batch_size: [16, big]\n", "parameters.batch_size[1]", "expected a whole number" },
        { "quoted number is text", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  epochs: \"3\"\n", "parameters.epochs", "expected a whole number" },
        { "unknown parameter", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  head_lrr: [1e-3]\n", "parameters.head_lrr", "did you mean 'head_lr'" },
        { "grid over the cap", "name: s\n" + Dataset + "encoders: [resnet18, resnet50]\nparameters:\n  batch_size: [1,2,3,4,5,6,7,8,9,10]\n  epochs: [1,2,3,4,5,6,7,8,9,10]\n  head_lr: [0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0]\n  patience: [0,1,2,3,4,5,6,7,8,9]\n", "parameters", "more than the limit of 10,000" },
        { "missing name", Dataset + "encoders: [resnet18]\n", "name", "missing" },
        { "missing dataset", "name: s\nencoders: [resnet18]\n", "dataset", "missing" },
        { "unknown dataset format", "name: s\ndataset: {format: imagenet}\nencoders: [resnet18]\n", "dataset.format", "unknown format" },
        { "dataset format without its files", "name: s\ndataset: {format: captions-csv}\nencoders: [resnet18]\n", "dataset.captions", "needs dataset.captions" },
        { "random without count", "name: s\n" + Dataset + "encoders: [resnet18]\nmethod: random\nparameters:\n  head_lr: {min: 1e-5, max: 1e-2, log: true}\n", "count", "needs count" },
        { "unknown method", "name: s\n" + Dataset + "encoders: [resnet18]\nmethod: bayes\n", "method", "unknown method" },
        { "image size below the encoder minimum", "name: s\n" + Dataset + "encoders: [inception_v3]\nparameters:\n  image_size: 64\n", "parameters.image_size", "below inception_v3's minimum" },
        { "dropout out of range", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  dropout: 1.5\n", "parameters.dropout", "must be in [0, 1)" },
        { "unknown loss", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  loss: triplet\n", "parameters.loss", "must be one of: study, infonce" },
        { "zero batch size", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  batch_size: 0\n", "parameters.batch_size", "must be between 1 and 65536" },
        { "range with grid", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  head_lr: {min: 1e-5, max: 1e-2}\n", "parameters.head_lr", "needs method random" },
        { "not YAML", "name: [unclosed\n", "(line", "not valid YAML" },
        { "pretrained path without a tower", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  pretrained: /weights/resnet18.pth\n", "parameters.pretrained", "a path belongs to one tower" },
        { "pretrained for an unknown tower", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  pretrained: {imag: /w/r.pth}\n", "parameters.pretrained.imag", "did you mean 'image'" },
        { "pretrained weights for a tower that has none", "name: s\n" + Dataset + "encoders: [tiny_cnn]\nparameters:\n  pretrained: {image: true}\n", "parameters.pretrained.image", "tiny_cnn has no pretrained weights" },
        { "nesting that overflowed the stack", new string('[', 30_000) + new string(']', 30_000), "(spec)", "nested deeper than 32" },
        { "alias bomb", "l0: &l0 [" + string.Join(", ", Enumerable.Repeat("lol", 10)) + "]\n" + string.Concat(Enumerable.Range(1, 11).Select(i => $"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n")), "(spec)", "more than 100 aliases" },
        { "second document", "name: s\n" + Dataset + "encoders: [resnet18]\n---\nname: t\n", "(spec)", "exactly one YAML document" },
        { "schedule", "name: s\n" + Dataset + "encoders: [resnet18]\nschedule: \"0 3 * * *\"\n", "schedule", "not supported" },
        { "a billion epochs", "name: s\n" + Dataset + "encoders: [resnet18]\nparameters:\n  epochs: 1000000000\n", "parameters.epochs", "must be between 1 and 10000" },
        { "NUL escaped in the description", "name: s\n" + Dataset + "encoders: [resnet18]\ndescription: \"a\\0b\"\n", "description", "control character U+0000" },
        { "raw NUL in the text", "name: s\n" + Dataset + "encoders: [resnet18]\ndescription: a\0b\n", "(spec)", "control character U+0000" },
        { "C1 CSI escaped in the description", "name: s\n" + Dataset + "encoders: [resnet18]\ndescription: \"a\\u009b2Jb\"\n", "description", "control character U+009B" },
        { "C1 NEL escaped in the name", "name: \"s\\u0085t\"\n" + Dataset + "encoders: [resnet18]\n", "name", "control character U+0085" },
        { "fractional bound of an integer range", "name: s\n" + Dataset + "encoders: [resnet18]\nmethod: random\ncount: 2\nparameters:\n  batch_size: {min: 8.5, max: 64}\n", "parameters.batch_size.min", "expected a whole number" },
        { "zero max attempts", "name: s\n" + Dataset + "encoders: [resnet18]\nmax_attempts: 0\n", "max_attempts", "between 1 and 100" },
    };
}
