#!/usr/bin/python3
"""Export torchvision's resnet18 to ONNX as a weightless fixture for the importer's "same model, two routes" test.

Run with Debian's interpreter (torch 1.13, torchvision 0.14, onnx 1.12):
    /usr/bin/python3 infra/onnx/export_torchvision_resnet18.py [OUT]
OUT defaults to tests/Orchestrator.Worker.Tests/Onnx/Fixtures/torchvision_resnet18_weightless.onnx.
    /usr/bin/python3 infra/onnx/export_torchvision_resnet18.py --with-weights /tmp/resnet18_full.onnx
keeps the (random) weights instead, ~45 MB, for `orch-worker bench --onnx /tmp/resnet18_full.onnx` (never commit it).

What the test needs from the file, and how this script gets it:
- BatchNormalization stays a node of its own (not folded into Conv), so the imported module has BN parameters and
  running statistics to fill and train: the model is exported in eval mode with TrainingMode.PRESERVE (torch only
  runs its Conv+BN fusion pass for TrainingMode.EVAL) and constant folding off.
- Initializers are named by their state_dict keys (conv1.weight, layer1.0.bn1.running_mean, ...), which torch does
  when parameters are exported unfolded; the script checks it.
- No weights in the committed file: every initializer keeps its name, type and dims, its data is removed. The test
  fills each from the built-in port's state_dict by name.
- Batch, height and width are symbolic, so the same file serves 224 px comparisons and 112 px benchmarks.
"""
import io
import os
import sys

import onnx
import torch
import torchvision

WITH_WEIGHTS = "--with-weights" in sys.argv[1:]
ARGS = [a for a in sys.argv[1:] if a != "--with-weights"]
OUT = ARGS[0] if ARGS else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "Orchestrator.Worker.Tests", "Onnx", "Fixtures",
    "torchvision_resnet18_weightless.onnx")


def main():
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    # The exporter merges initializers of equal value (all fresh BN weights are ones), which would lose names:
    # distinct random values keep one initializer per state_dict key. The values are removed below anyway.
    with torch.no_grad():
        for value in model.state_dict().values():
            if value.is_floating_point():
                value.uniform_(0.5, 1.5)
    buffer = io.BytesIO()
    torch.onnx.export(
        model, torch.randn(1, 3, 224, 224), buffer,
        input_names=["image"], output_names=["logits"],
        dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"}, "logits": {0: "batch"}},
        opset_version=13, do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE,
        export_params=True, keep_initializers_as_inputs=False)
    proto = onnx.load_from_string(buffer.getvalue())

    state = {k for k in model.state_dict() if not k.endswith("num_batches_tracked")}
    names = {i.name for i in proto.graph.initializer}
    if names != state:
        sys.exit(f"initializers are not the state_dict keys: missing {sorted(state - names)}, extra {sorted(names - state)}")
    ops = {n.op_type for n in proto.graph.node}
    if "BatchNormalization" not in ops:
        sys.exit("BatchNormalization was folded away")

    if not WITH_WEIGHTS:
        for initializer in proto.graph.initializer:
            initializer.ClearField("raw_data")
            initializer.ClearField("float_data")
    proto.producer_name = "infra/onnx/export_torchvision_resnet18.py" + ("" if WITH_WEIGHTS else " (weights removed)")
    os.makedirs(os.path.dirname(os.path.abspath(OUT)), exist_ok=True)
    onnx.save(proto, OUT)
    print(f"{OUT}: {os.path.getsize(OUT)} bytes, {len(proto.graph.node)} nodes ({', '.join(sorted(ops))}), "
          f"{len(names)} initializers, opset {proto.opset_import[0].version}")


if __name__ == "__main__":
    main()
