"""The overhead-bound training step and optimizer step of `orch-worker bench --overhead` against its PyTorch eager twin
(infra/bench/pytorch_overhead.py, AdamW foreach=True and for-loop), alternating the two per encoder and round and
comparing medians over rounds, as compare_train_rate.py does. A measuring aid, never a dependency of the build or CI:

    dotnet publish worker -c Release -o /tmp/orch-worker
    /usr/bin/python3 infra/bench/compare_overhead.py --worker "dotnet /tmp/orch-worker/orch-worker.dll" --rounds 3
"""
import argparse
import os
import shlex
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ENCODERS = "resnet18,resnet50,mobilenet_v2,mobilenet_v3_small,mobilenet_v3_large,googlenet,inception_v3,efficientnet_b0"


def rows(command, env=None):
    """Table rows of a benchmark's output as lists of cells, header and separator left out."""
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    cells = [[c.strip() for c in line.strip().strip("|").split("|")] for line in output.splitlines() if line.startswith("| ")]
    found = [r for r in cells if r[0] not in ("encoder", "---")]
    if not found:
        raise RuntimeError(f"no table rows from {shlex.join(command)}:\n{output}")
    return found


def ours(worker, encoder, common, warmup):
    # encoder | px | batch | tensors (image tower) | ms/step | ms/optimizer step | calls | the same three with TorchSharp's AdamW
    # | threads: forward+backward · optimizer (the trainer's measured split)
    row = rows(shlex.split(worker) + ["bench", "--overhead", "--encoders", encoder, "--overhead-rounds", "1", "--warmup-steps", str(warmup)] + common)[0]
    return {"px": row[1], "tensors": row[3], "step": float(row[4]), "optimizer": float(row[5]), "calls": row[6],
            "before": {"step": float(row[7]), "optimizer": float(row[8]), "calls": row[9]},
            "threads": row[10] if len(row) > 10 else "?"}


def theirs(encoder, common, tuned, warmup):
    # encoder | px | batch | AdamW | tensors (image tower) | ms/step | ms/optimizer step | ATen calls
    command = [sys.executable, os.path.join(HERE, "pytorch_overhead.py"), "--encoders", encoder, "--rounds", "1", "--warmup", str(warmup)] + common
    # orch-worker keeps freed heap memory in the process (GlibcHeap) and flushes denormals; tuned, PyTorch does alike.
    env = dict(os.environ, MALLOC_MMAP_MAX_="0", MALLOC_TRIM_THRESHOLD_="2147483647") if tuned else None
    found = rows(command + (["--flush-denormal"] if tuned else []), env)
    return {r[3]: {"tensors": r[4], "step": float(r[5]), "optimizer": float(r[6]), "calls": r[7]} for r in found}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", required=True, help='how to start orch-worker, e.g. "dotnet out/orch-worker.dll"')
    parser.add_argument("--encoders", default=ENCODERS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per process, after --warmup untimed ones")
    parser.add_argument("--warmup", type=int, default=3,
                        help="untimed steps per process before the timed ones, for both; 10 or more measure orch-worker after .NET "
                             "has compiled its per-step code optimised, as it runs for the rest of a training job")
    parser.add_argument(
        "--tuned-reference", action="store_true",
        help="run PyTorch with the process settings orch-worker applies to itself: denormals flushed, freed heap memory kept")
    args = parser.parse_args()
    common = ["--threads", str(args.threads), "--size", str(args.size), "--batch", str(args.batch), "--steps", str(args.steps)]
    runs = {e: ([], []) for e in args.encoders.split(",")}
    for round_ in range(1, args.rounds + 1):
        for encoder, (mine, reference) in runs.items():
            # Which goes first alternates too: a warming or cooling machine then favours neither.
            if round_ % 2:
                mine.append(ours(args.worker, encoder, common, args.warmup))
                reference.append(theirs(encoder, common, args.tuned_reference, args.warmup))
            else:
                reference.append(theirs(encoder, common, args.tuned_reference, args.warmup))
                mine.append(ours(args.worker, encoder, common, args.warmup))
            print(f"round {round_}/{args.rounds} {encoder}: ours {mine[-1]['step']:.2f} ms/step, {mine[-1]['optimizer']:.3f} ms/optimizer step; "
                  f"PyTorch foreach {reference[-1]['foreach']['step']:.2f}, {reference[-1]['foreach']['optimizer']:.3f}", file=sys.stderr, flush=True)

    def median(values, key):
        return statistics.median(v[key] for v in values)

    print(f"torch {subprocess.run([sys.executable, '-c', 'import torch; print(torch.__version__)'], capture_output=True, text=True).stdout.strip()}; "
          f"{'PyTorch tuned alike (freed heap kept, denormals flushed); ' if args.tuned_reference else ''}{args.threads} threads, {args.size} px, batch {args.batch}, medians of {args.rounds} rounds of {args.steps} steps after {args.warmup} warm-up steps; "
          "time ratios are ours/PyTorch (> 1: ours slower); speed is PyTorch foreach time / ours (≥ 1.0×: ours as fast)")
    for what, label in (("step", "training step"), ("optimizer", "optimizer step alone")):
        print()
        print(f"| encoder | px | tensors ours · PyTorch | {label}, ms: ours | ours with TorchSharp's AdamW (before) | PyTorch foreach | PyTorch for-loop | "
              "ours/foreach time | ours/for-loop time | speed vs foreach | before: speed vs foreach | "
              "calls/optimizer step: ours · before (analytic) · PyTorch foreach · for-loop (ATen, profiled) | our threads: forward+backward · optimizer |")
        print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
        for encoder, (mine, reference) in runs.items():
            o = median(mine, what)
            f = median([r["foreach"] for r in reference], what)
            loop = median([r["for-loop"] for r in reference], what)
            b = median([m["before"] for m in mine], what)
            print(f"| {encoder} | {mine[0]['px']} | {mine[0]['tensors']} · {reference[0]['foreach']['tensors']} | {o:.2f} | {b:.2f} | {f:.2f} | {loop:.2f} | "
                  f"{o / f:.2f} | {o / loop:.2f} | {f / o:.2f}× | {f / b:.2f}× | "
                  f"{mine[0]['calls']} · {mine[0]['before']['calls']} · {reference[0]['foreach']['calls']} · {reference[0]['for-loop']['calls']} | "
                  f"{' / '.join(sorted({m['threads'] for m in mine}))} |")


if __name__ == "__main__":
    main()
