namespace Orchestrator.Shared.Tests.Specs;

/// <summary>
/// Hostile or mistaken specs, each with the path its problem must name and a fragment of the message: limits of
/// the text and its YAML, characters, upper bounds, ranges, and values a client might send by accident.
/// </summary>
public static class HostileSpecs
{
    private const string Head = "name: s\ndataset: {format: synthetic}\nencoders: [resnet18]\n";
    private const string Random = Head + "method: random\ncount: 4\nparameters:\n";
    private const string Parameters = Head + "parameters:\n";

    private static readonly string Long = new('x', 5_000);

    public static TheoryData<string, string, string, string> All => new()
    {
        // The text itself
        { "empty text", "", "(spec)", "empty" },
        { "only a comment", "# nothing here\n", "(spec)", "empty" },
        { "a scalar instead of a mapping", "hello", "(spec)", "must be a mapping" },
        { "a list instead of a mapping", "- name: s\n", "(spec)", "must be a mapping" },
        { "a second document", Head + "---\nname: t\n", "(spec)", "exactly one YAML document" },
        { "an empty second document", Head + "---\n", "(spec)", "exactly one YAML document" },
        { "one byte over the size limit", Head + "description: " + new string('x', 1_048_576) + "\n", "(spec)", "larger than the limit of 1,048,576 bytes" },
        { "a raw NUL character", Head + "description: a\0b\n", "(spec)", "control character U+0000" },
        { "a raw escape character", Head + "description: \u001b[31mred\n", "(spec)", "control character U+001B" },
        { "a raw DEL character", Head + "description: a\u007fb\n", "(spec)", "control character U+007F" },
        { "bytes that were not UTF-8", Head + "description: caf\ufffd\n", "(spec)", "not valid UTF-8" },
        { "a lone surrogate", Head + "description: a\ud800b\n", "(spec)", "not valid UTF-8" },
        { "unclosed flow list", "name: [unclosed\n", "(line", "not valid YAML" },
        { "tab indentation", "name: s\ndataset:\n\tformat: synthetic\n", "(line", "not valid YAML" },

        // YAML structure
        { "nesting beyond the depth limit", Head + "description: " + new string('[', 40) + new string(']', 40) + "\n", "(spec)", "nested deeper than 32" },
        { "block mappings nested too deep", Head + "x:\n" + string.Concat(Enumerable.Range(1, 40).Select(i => new string(' ', i) + "k:\n")), "(spec)", "nested deeper than 32" },
        { "too many nodes", Parameters + "  batch_size: [" + string.Join(", ", Enumerable.Range(1, 20_001)) + "]\n", "(spec)", "more than 20,000 YAML nodes" },
        { "too many aliases", "a: &a x\nb: [" + string.Join(", ", Enumerable.Repeat("*a", 101)) + "]\n", "(spec)", "more than 100 aliases" },
        { "an alias to no anchor", Head + "description: *nowhere\n", "(spec)", "names no anchor" },
        { "an alias inside its own anchor", Head + "description: &loop [*loop]\n", "(spec)", "inside the node it names" },
        { "a list as a key", Head + "? [a, b]\n: 1\n", "(spec)", "a key must be a name, not a list" },
        { "a mapping as a parameter key", Parameters + "  ? {a: 1}\n  : 1\n", "parameters", "a key must be a name, not a mapping" },
        { "a key given twice", Head + "name: t\n", "name", "given twice" },
        { "a merge key", "base: &b {name: s}\n<<: *b\n", "<<", "unknown key '<<'" },
        { "a key holding NUL", Head + "\"ep\\0ochs\": 3\n", "'ep\\u0000ochs'", "unknown key 'ep\\u0000ochs'" },

        // Removed and unknown fields
        { "schedule", Head + "schedule: \"0 3 * * *\"\n", "schedule", "run `orch submit SPEC --new` from cron or CI" },
        { "a huge unknown key", Head + "? " + Long + "\n: 1\n", "'xxxx", "(5,000 characters)" },

        // Text fields
        { "name with a NUL escape", "name: \"a\\0b\"\ndataset: {format: synthetic}\nencoders: [resnet18]\n", "name", "control character U+0000" },
        { "name too long", "name: " + new string('n', 101) + "\ndataset: {format: synthetic}\nencoders: [resnet18]\n", "name", "at most 100" },
        { "name with a slash", "name: a/b\ndataset: {format: synthetic}\nencoders: [resnet18]\n", "name", "use 1–100 letters" },
        { "description with a NUL escape", Head + "description: \"a\\0b\"\n", "description", "control character U+0000" },
        { "description with a bell escape", Head + "description: \"ring\\a\"\n", "description", "control character U+0007" },
        { "description too long", Head + "description: " + Long + "\n", "description", "at most 4,096 are allowed" },
        { "description as a mapping", Head + "description: {a: 1}\n", "description", "expected a non-empty text value" },
        { "dataset path with a control escape", "name: s\ndataset: {format: captions-csv, images: \"/data/\\x01\", captions: /c.txt}\nencoders: [resnet18]\n", "dataset.images", "control character U+0001" },
        { "dataset path with a line break", "name: s\ndataset: {format: captions-csv, images: \"/data/a\\nb\", captions: /c.txt}\nencoders: [resnet18]\n", "dataset.images", "control character U+000A" },
        { "dataset path too long", "name: s\ndataset: {format: captions-csv, images: /i, captions: /" + Long + "}\nencoders: [resnet18]\n", "dataset.captions", "at most 4,096 are allowed" },
        { "pretrained path with NUL", Parameters + "  pretrained: {image: \"/w/r\\0.pth\"}\n", "parameters.pretrained.image", "control character U+0000" },
        { "pretrained path too long", Parameters + "  pretrained: {image: /" + Long + "}\n", "parameters.pretrained.image", "at most 4,096 are allowed" },
        { "encoder with a control escape", "name: s\ndataset: {format: synthetic}\nencoders: [\"res\\x01net18\"]\n", "encoders[0]", "control character U+0001" },
        { "encoder name too long", "name: s\ndataset: {format: synthetic}\nencoders: [" + Long + "]\n", "encoders[0]", "at most 100" },
        { "loss with a NUL escape", Parameters + "  loss: \"study\\0\"\n", "parameters.loss", "'study\\u0000' must be one of: study, infonce" },
        { "text encoder too long", Parameters + "  text_encoder: " + Long + "\n", "parameters.text_encoder", "(5,000 characters) must be one of" },
        { "unknown format echoed short", "name: s\ndataset: {format: " + Long + "}\nencoders: [resnet18]\n", "dataset.format", "at most 100" },
        { "method with a control escape", Head + "method: \"grid\\t\"\n", "method", "control character U+0009" },

        // Upper and lower bounds
        { "a billion epochs", Parameters + "  epochs: 1000000000\n", "parameters.epochs", "must be between 1 and 10000" },
        { "epochs beyond a 64-bit number", Parameters + "  epochs: 99999999999999999999999\n", "parameters.epochs", "expected a whole number" },
        { "huge batch", Parameters + "  batch_size: 100000\n", "parameters.batch_size", "must be between 1 and 65536" },
        { "huge images", Parameters + "  image_size: 4096\n", "parameters.image_size", "must be between 16 and 1024" },
        { "huge captions", Parameters + "  max_length: 100000\n", "parameters.max_length", "must be between 2 and 4096" },
        { "huge projection", Parameters + "  projection_dim: 1000000\n", "parameters.projection_dim", "must be between 1 and 16384" },
        { "deep projection", Parameters + "  projection_layers: 1000\n", "parameters.projection_layers", "must be between 1 and 64" },
        { "learning rate of 100", Parameters + "  head_lr: [1e-3, 100]\n", "parameters.head_lr[1]", "must be positive (greater than 0) and at most 10" },
        { "dropout of one", Parameters + "  dropout: 1\n", "parameters.dropout", "must be in [0, 1)" },
        { "infinite learning rate", Parameters + "  head_lr: 1e400\n", "parameters.head_lr", "expected a number, got '1e400'" },
        { "not-a-number learning rate", Parameters + "  head_lr: .nan\n", "parameters.head_lr", "expected a number" },
        { "count of a billion", Head + "method: random\ncount: 1000000000\nparameters:\n  head_lr: {min: 1e-4, max: 1e-2}\n", "count", "must be between 1 and 1000000" },
        { "count of zero", Head + "method: random\ncount: 0\nparameters:\n  head_lr: {min: 1e-4, max: 1e-2}\n", "count", "must be between 1 and 1000000" },
        { "negative seed", Head + "seeds: [0, -1]\n", "seeds[1]", "must be between 0 and 1000000000" },
        { "seed beyond int", Head + "method: random\ncount: 2\nseed: 2000000000000\nparameters:\n  head_lr: {min: 1e-4, max: 1e-2}\n", "seed", "must be between 0 and 1000000000" },
        { "priority of a million and one", Head + "priority: 1000001\n", "priority", "must be between -1000000 and 1000000" },
        { "negative split seed", "name: s\ndataset: {format: synthetic, split_seed: -5}\nencoders: [resnet18]\n", "dataset.split_seed", "must be between 0 and" },
        { "a hundred million synthetic images", "name: s\ndataset: {format: synthetic, synthetic_images: 100000000}\nencoders: [resnet18]\n", "dataset.synthetic_images", "must be between 10 and 100000" },
        { "a thousand captions per image", "name: s\ndataset: {format: synthetic, captions_per_image: 1000}\nencoders: [resnet18]\n", "dataset.captions_per_image", "must be between 1 and 100" },
        { "validation fraction of one", "name: s\ndataset: {format: synthetic, val_fraction: 1}\nencoders: [resnet18]\n", "dataset.val_fraction", "must be between 0 and 1 (exclusive)" },

        // Ranges
        { "fractional bound of an integer range", Random + "  batch_size: {min: 8.5, max: 64}\n", "parameters.batch_size.min", "expected a whole number, got '8.5'" },
        { "integer range beyond the bound", Random + "  epochs: {min: 1, max: 1000000000}\n", "parameters.epochs.max", "must be between 1 and 10000" },
        { "real range beyond the bound", Random + "  head_lr: {min: 1e-4, max: 1e3}\n", "parameters.head_lr.max", "at most 10" },
        { "range the wrong way round", Random + "  batch_size: {min: 64, max: 8}\n", "parameters.batch_size", "min must be below max" },
        { "log range from zero", Random + "  weight_decay: {min: 0, max: 1, log: true}\n", "parameters.weight_decay.min", "positive min" },
        { "log that is not a flag", Random + "  head_lr: {min: 1e-4, max: 1e-2, log: yes}\n", "parameters.head_lr.log", "expected true or false" },
        { "range of a text parameter", Random + "  loss: {min: 1, max: 2}\n", "parameters.loss", "a range needs a numeric parameter" },
        { "range missing max", Random + "  head_lr: {min: 1e-4}\n", "parameters.head_lr", "needs both min and max" },
        { "integer range too small for count", Head + "method: random\ncount: 5\nparameters:\n  epochs: {min: 1, max: 3}\n", "count", "allow only 3" },
    };
}
