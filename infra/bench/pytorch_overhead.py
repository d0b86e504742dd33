"""PyTorch eager twin of `orch-worker bench --overhead`: the same CLIP model (torchvision image tower cut before its
pooling, one-layer small transformer text tower, the study's projection heads and soft-target loss), the same three
AdamW parameter groups, the same tiny shapes (32 px, batch 2), so each step's time is mostly host overhead per
operation. Per encoder it times the full step and the optimizer step alone, once with AdamW(foreach=True) and once
with the for-loop AdamW(foreach=False), and counts the ATen calls of one optimizer step with the autograd profiler.

A measuring aid, never a dependency of the build or CI. Debian's python3-torch/python3-torchvision serve:

    /usr/bin/python3 infra/bench/pytorch_overhead.py --encoders resnet18,mobilenet_v2 --threads 2
"""
import argparse
import math
import statistics
import time

import torch
import torchvision
from torch import nn

# torchvision children that make up each classifier's pooling and head, as the worker's ImageTowerRegistry cuts them.
HEADS = {
    "resnet18": {"avgpool", "fc"},
    "resnet50": {"avgpool", "fc"},
    "mobilenet_v2": {"classifier"},
    "mobilenet_v3_small": {"avgpool", "classifier"},
    "mobilenet_v3_large": {"avgpool", "classifier"},
    "googlenet": {"avgpool", "dropout", "fc"},
    "inception_v3": {"AuxLogits", "avgpool", "dropout", "fc"},
    "efficientnet_b0": {"avgpool", "classifier"},
}
# The smallest input each tower takes (the worker's EncoderCatalog): inception's stem needs 75 px.
MINIMUM_SIZE = {"inception_v3": 75}
# OverheadBenchmark.Parameters and the trainer's JobParameters defaults.
VOCABULARY = 1000 + 4  # words plus [PAD], [UNK], [CLS], [SEP]
MAX_LENGTH, TEXT_LAYERS, TEXT_WIDTH, TEXT_HEADS = 16, 1, 64, 2
PROJECTION_DIM, DROPOUT = 256, 0.1
IMAGE_LR, TEXT_LR, HEAD_LR, WEIGHT_DECAY = 1e-4, 1e-5, 1e-3, 1e-3


class ImageTower(nn.Module):
    """The classifier's stages in declaration order, then a global average pool (TorchVisionImageTower)."""

    def __init__(self, name):
        super().__init__()
        options = {"aux_logits": False, "init_weights": False} if name in ("inception_v3", "googlenet") else {}
        classifier = getattr(torchvision.models, name)(**options)
        self.stages = nn.Sequential(*[child for child_name, child in classifier.named_children() if child_name not in HEADS[name]])

    def forward(self, images):
        return nn.functional.adaptive_avg_pool2d(self.stages(images), 1).flatten(1)


class SmallTransformerTextTower(nn.Module):
    """SmallTransformerTextTower: token + position embeddings, post-norm GELU encoder layers, the first token's state."""

    def __init__(self):
        super().__init__()
        self.token_embedding = nn.Embedding(VOCABULARY, TEXT_WIDTH, padding_idx=0)
        self.position_embedding = nn.Embedding(MAX_LENGTH, TEXT_WIDTH)
        self.dropout = nn.Dropout(DROPOUT)
        self.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(TEXT_WIDTH, TEXT_HEADS, 4 * TEXT_WIDTH, DROPOUT, activation="gelu"), TEXT_LAYERS)
        self.layer_norm = nn.LayerNorm(TEXT_WIDTH)

    def forward(self, ids, mask):
        positions = torch.arange(ids.shape[1])
        x = self.dropout(self.token_embedding(ids) + self.position_embedding(positions))
        encoded = self.encoder(x.transpose(0, 1), src_key_padding_mask=mask.eq(0))
        return self.layer_norm(encoded[0])


class ProjectionBlock(nn.Module):
    """The study's head: Linear → GELU → Linear → Dropout → residual add → LayerNorm."""

    def __init__(self, width):
        super().__init__()
        self.projection = nn.Linear(width, PROJECTION_DIM)
        self.gelu = nn.GELU()
        self.fc = nn.Linear(PROJECTION_DIM, PROJECTION_DIM)
        self.dropout = nn.Dropout(DROPOUT)
        self.layer_norm = nn.LayerNorm(PROJECTION_DIM)

    def forward(self, x):
        projected = self.projection(x)
        return self.layer_norm(self.dropout(self.fc(self.gelu(projected))) + projected)


def study_loss(image, text, temperature=1.0):
    """StudySoftTargetLoss as written: no normalisation, soft targets from the two self-similarities, not detached."""
    logits = text @ image.T / temperature
    targets = torch.softmax((image @ image.T + text @ text.T) / 2 * temperature, -1)
    texts_loss = (-targets * torch.log_softmax(logits, -1)).sum(1)
    images_loss = (-targets.T * torch.log_softmax(logits.T, -1)).sum(1)
    return ((images_loss + texts_loss) / 2).mean()


class ClipModel(nn.Module):
    def __init__(self, encoder, size):
        super().__init__()
        self.image_tower = ImageTower(encoder)
        self.text_tower = SmallTransformerTextTower()
        with torch.no_grad():
            width = self.image_tower.eval()(torch.zeros(1, 3, size, size)).shape[1]
        self.image_projection = ProjectionBlock(width)
        self.text_projection = ProjectionBlock(TEXT_WIDTH)

    def forward(self, images, ids, mask):
        return self.image_projection(self.image_tower(images)), self.text_projection(self.text_tower(ids, mask))

    def parameter_groups(self):
        """ClipTrainer.ParameterGroups: towers without decay at their own rates, heads at head_lr with decay."""
        return [
            {"params": list(self.image_tower.parameters()), "lr": IMAGE_LR, "weight_decay": 0.0},
            {"params": list(self.text_tower.parameters()), "lr": TEXT_LR, "weight_decay": 0.0},
            {"params": list(self.image_projection.parameters()) + list(self.text_projection.parameters()), "lr": HEAD_LR, "weight_decay": WEIGHT_DECAY},
        ]


def seconds_per_step(step, steps, warmup):
    for _ in range(warmup):  # first-call allocations and the optimizer's state, as orch-worker bench warms up
        step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - started) / steps


def aten_calls(step):
    """ATen operators one call of step dispatches from outside ATen (an op's own sub-ops are not counted)."""
    with torch.autograd.profiler.profile() as profile:
        step()
    return sum(1 for e in profile.function_events
               if e.name.startswith("aten::") and (e.cpu_parent is None or not e.cpu_parent.name.startswith("aten::")))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--encoders", default=",".join(HEADS))
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, alternating which AdamW goes first; medians are printed")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before the first round (orch-worker's --warmup-steps)")
    parser.add_argument("--flush-denormal", action="store_true", help="as orch-worker's trainer does (FTZ/DAZ)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(args.flush_denormal)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; overhead-bound CLIP step, {args.size} px, batch {args.batch}, "
          f"medians of {args.rounds} rounds of {args.steps} steps")
    print("| encoder | px | batch | AdamW | parameter tensors (image tower) | ms/step | ms/optimizer step | ATen calls/optimizer step |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for encoder in args.encoders.split(","):
        size = max(args.size, MINIMUM_SIZE.get(encoder, 32))
        model = ClipModel(encoder, size).train()
        optimizers = {name: torch.optim.AdamW(model.parameter_groups(), foreach=foreach)
                      for name, foreach in (("foreach", True), ("for-loop", False))}
        images = torch.randn(args.batch, 3, size, size)
        ids = torch.randint(0, VOCABULARY, (args.batch, MAX_LENGTH))
        mask = torch.ones(args.batch, MAX_LENGTH, dtype=torch.int64)

        def train_step(optimizer):
            image, text = model(images, ids, mask)
            loss = study_loss(image, text)
            if math.isfinite(loss.item()):  # TrainingStep reads the loss each step too
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

        step_times = {name: [] for name in optimizers}
        optimizer_times = {name: [] for name in optimizers}
        order = list(optimizers)
        for round_ in range(args.rounds):
            for name in order if round_ % 2 == 0 else order[::-1]:
                step_times[name].append(seconds_per_step(lambda: train_step(optimizers[name]), args.steps, args.warmup if round_ == 0 else 0))
        for p in model.parameters():  # gradients filled once; then only optimizer.step() is timed
            p.grad = torch.randn_like(p)
        for round_ in range(args.rounds):
            for name in order if round_ % 2 == 0 else order[::-1]:
                optimizer_times[name].append(seconds_per_step(optimizers[name].step, args.steps, args.warmup if round_ == 0 else 0))
        tensors = sum(1 for _ in model.parameters())
        image_tensors = sum(1 for _ in model.image_tower.parameters())
        for name, optimizer in optimizers.items():
            print(f"| {encoder} | {size} | {args.batch} | {name} | {tensors} ({image_tensors}) | {statistics.median(step_times[name]) * 1000:.2f} | "
                  f"{statistics.median(optimizer_times[name]) * 1000:.3f} | {aten_calls(optimizer.step)} |", flush=True)


if __name__ == "__main__":
    main()
