"""Training images/s of `orch-worker bench` against PyTorch eager, alternating the two per encoder and round.

A shared or throttled machine drifts by tens of percent within minutes; running ours and PyTorch back to back for
each encoder, several rounds over, and comparing medians keeps that drift out of the ratio. A measuring aid, never a
dependency of the build or CI (Debian's python3-torch/python3-torchvision serve for the reference):

    dotnet publish worker -c Release -o /tmp/orch-worker
    /usr/bin/python3 infra/bench/compare_train_rate.py --worker "dotnet /tmp/orch-worker/orch-worker.dll" --rounds 3
"""
import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def train_rate(command, encoder, env=None):
    """The train img/s column of the first table row for the encoder in a benchmark's output."""
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == encoder:
            # ours: encoder | px | batch | oneDNN | train | inference ...; PyTorch's: encoder | px | batch | train | inference
            numbers = [c for c in cells[3:] if re.fullmatch(r"[0-9.]+", c)]
            return float(numbers[0])
    raise RuntimeError(f"no row for {encoder} in:\n{output}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", required=True, help='how to start orch-worker, e.g. "dotnet out/orch-worker.dll"')
    parser.add_argument("--encoders", default="resnet50,mobilenet_v2,googlenet,inception_v3,resnet18,mobilenet_v3_small,efficientnet_b0")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument(
        "--tuned-reference", action="store_true",
        help="run PyTorch with the process settings orch-worker applies to itself: denormals flushed, freed heap memory kept")
    args = parser.parse_args()
    common = ["--threads", str(args.threads), "--batch", str(args.batch), "--steps", str(args.steps)]
    rates = {e: ([], []) for e in args.encoders.split(",")}
    reference_options, reference_env = [], None
    if args.tuned_reference:
        reference_options = ["--flush-denormal"]
        reference_env = dict(os.environ, MALLOC_MMAP_MAX_="0", MALLOC_TRIM_THRESHOLD_="2147483647")
    for round_ in range(1, args.rounds + 1):
        for encoder, (ours, theirs) in rates.items():
            ours.append(train_rate(shlex.split(args.worker) + ["bench", "--encoders", encoder, "--pipeline-encoder", "none"] + common, encoder))
            theirs.append(train_rate([sys.executable, os.path.join(HERE, "pytorch_train_rate.py"), "--encoders", encoder] + common + reference_options, encoder, reference_env))
            print(f"round {round_}/{args.rounds} {encoder}: ours {ours[-1]:.1f}, PyTorch {theirs[-1]:.1f} img/s", file=sys.stderr, flush=True)
    reference = "PyTorch eager, tuned alike" if args.tuned_reference else "PyTorch eager"
    print(f"| encoder | ours, img/s (median of {args.rounds}) | {reference} | ratio of medians | per-round ratios |")
    print("| --- | ---: | ---: | ---: | --- |")
    for encoder, (ours, theirs) in rates.items():
        per_round = " · ".join(f"{o / t:.2f}" for o, t in zip(ours, theirs))
        mine, baseline = statistics.median(ours), statistics.median(theirs)
        print(f"| {encoder} | {mine:.1f} | {baseline:.1f} | {mine / baseline:.2f}× | {per_round} |")


if __name__ == "__main__":
    main()
