"""PyTorch eager reference for `orch-worker bench`: the same models, shapes and step (full torchvision
classifier, cross-entropy, AdamW), so the two can run back to back on one machine and be compared as a ratio.

A measuring aid, never a dependency of the build or CI. Debian's python3-torch/python3-torchvision serve:

    python3 infra/bench/pytorch_train_rate.py --encoders resnet18,mobilenet_v2 --threads 2 --batch 8
"""
import argparse
import time

import torch
import torchvision


def rate(step, images, steps, warmup):
    for _ in range(warmup):  # first-call allocations, the allocator's growth and kernel choices, as orch-worker bench
        step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return images * steps / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--encoders", default="resnet50,mobilenet_v2,googlenet,inception_v3,resnet18,mobilenet_v3_small,efficientnet_b0")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--flush-denormal", action="store_true", help="as orch-worker's trainer does (FTZ/DAZ)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(args.flush_denormal)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch}")
    for name in args.encoders.split(","):
        size = 299 if name == "inception_v3" else 224
        options = {"aux_logits": False, "init_weights": False} if name in ("inception_v3", "googlenet") else {}
        model = getattr(torchvision.models, name)(**options)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        images = torch.randn(args.batch, 3, size, size)
        labels = torch.randint(0, 1000, (args.batch,))

        def train_step():
            loss = torch.nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        model.train()
        train = rate(train_step, args.batch, args.steps, args.warmup)
        model.eval()
        with torch.no_grad():
            inference = rate(lambda: model(images), args.batch, args.steps, args.warmup)
        print(f"| {name} | {size} | {args.batch} | {train:.1f} | {inference:.1f} |", flush=True)


if __name__ == "__main__":
    main()
