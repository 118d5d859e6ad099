#!/usr/bin/env python3
"""What a shadow model costs the primary: fps of the release `maskstream run` on the embedded
sample and default model, without a shadow and with the default model as its own shadow on
every Nth frame, runs interleaved round by round (ratios read within one run of this script).

    swift build -c release --product maskstream
    python3 benchmarks/shadow_cost.py [--rounds 3] [--every 10] [--frames 120]
"""
import argparse
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(binary, folder, frames, every):
    yaml = folder / f"shadow-{every}.yaml"
    shadow = f"shadow: {{ path: {ROOT}/models/default, every: {every} }}\n" if every else ""
    yaml.write_text(f"sources:\n  - {{ url: {ROOT}/examples/sample.mp4, max_frames: {frames} }}\n"
                    f"model: {{ path: {ROOT}/models/default }}\ntracker: {{}}\n{shadow}"
                    f"sinks:\n  - {{ type: jsonl, path: {folder}/out.jsonl }}\n")
    done = subprocess.run([binary, "run", str(yaml), "--no-progress"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"maskstream failed:\n{done.stderr}")
    m = re.search(r"done: (\d+) frames in ([\d.]+) s \(([\d.]+) fps\)", done.stderr)
    compared = re.search(r"shadow .*: (\d+) frames compared", done.stderr)
    return float(m.group(3)), int(compared.group(1)) if compared else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--binary", default=str(ROOT / ".build/release/maskstream"))
    a = ap.parse_args()
    fps = {0: [], a.every: []}
    compared = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        run(a.binary, folder, 5, 0)
        for _ in range(a.rounds):
            for every in (0, a.every):
                f, c = run(a.binary, folder, a.frames, every)
                fps[every].append(f)
                if every:
                    compared.append(c)
    base, with_shadow = statistics.median(fps[0]), statistics.median(fps[a.every])
    ratios = [s / p for p, s in zip(fps[0], fps[a.every])]
    print(f"| run | fps (median of {a.rounds}) | per round |")
    print("| --- | ---: | --- |")
    print(f"| no shadow | {base:.2f} | {', '.join(f'{v:.2f}' for v in fps[0])} |")
    print(f"| shadow every {a.every} | {with_shadow:.2f} | {', '.join(f'{v:.2f}' for v in fps[a.every])} |")
    print(f"\ncost: {100 * (1 - statistics.median(ratios)):.1f} % of the primary's fps (median of per-round "
          f"ratios); frames compared per run: {compared}")


if __name__ == "__main__":
    main()
