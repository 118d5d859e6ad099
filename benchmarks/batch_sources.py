#!/usr/bin/env python3
"""Aggregate frames per second of one pipeline with 1, 2, 4 and 8 file sources, against 1.

Every run is the release `maskstream run` on the embedded sample and default model, with a
jsonl sink only; N sources are N copies of the sample (`max_frames` each). Runs are
interleaved round by round (N = 1, 2, 4, 8, then 4 with `model.batch: 1`), so the ratios are
read within one run of this script on a machine whose speed drifts. Prints one Markdown
table: median aggregate fps per row and its ratio to one source.

    swift build -c release --product maskstream
    python3 benchmarks/batch_sources.py [--rounds 3] [--frames 60] [--counts 1,2,4,8]
"""
import argparse
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(binary, folder, count, frames, batch):
    yaml = folder / f"p{count}-{batch}.yaml"
    sources = "\n".join(f"  - {{ url: {ROOT}/examples/sample.mp4, max_frames: {frames} }}" for _ in range(count))
    batch_line = f"\n  batch: {batch}" if batch else ""
    yaml.write_text(f"sources:\n{sources}\nmodel:\n  path: {ROOT}/models/default{batch_line}\ntracker: {{}}\n"
                    f"sinks:\n  - {{ type: jsonl, path: {folder}/out-{count}.jsonl }}\n")
    done = subprocess.run([binary, "run", str(yaml), "--no-progress"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"maskstream failed ({count} sources):\n{done.stderr}")
    m = re.search(r"done: (\d+) frames in ([\d.]+) s \(([\d.]+) fps\)(?:, ([\d.]+) frames per batch)?", done.stderr)
    if not m or int(m.group(1)) != count * frames:
        sys.exit(f"unexpected summary ({count} sources):\n{done.stderr}")
    return float(m.group(3)), float(m.group(4) or 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--frames", type=int, default=60, help="frames per source")
    ap.add_argument("--counts", default="1,2,4,8")
    ap.add_argument("--binary", default=str(ROOT / ".build/release/maskstream"))
    a = ap.parse_args()
    counts = [int(c) for c in a.counts.split(",")]
    rows = [(c, None) for c in counts] + ([(4, 1)] if 4 in counts else [])
    fps = {r: [] for r in rows}
    batches = {r: [] for r in rows}
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        run(a.binary, folder, 1, 5, None)  # warm the page cache and the shader cache
        for _ in range(a.rounds):
            for r in rows:
                f, b = run(a.binary, folder, r[0], a.frames, r[1])
                fps[r].append(f)
                batches[r].append(b)
    base = statistics.median(fps[(1, None)])
    print(f"| sources | model.batch | frames per batch | aggregate fps (median of {a.rounds}) | × one source |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for r in rows:
        med = statistics.median(fps[r])
        label = "default (one per source)" if r[1] is None else str(r[1])
        print(f"| {r[0]} | {label} | {statistics.median(batches[r]):.2f} | {med:.2f} | {med / base:.2f} |")


if __name__ == "__main__":
    main()
