#!/usr/bin/env python3
"""The inference engine's figures from one run on this machine, side by side with its own limits.

    tools/.venv/bin/python benchmarks/inference_report.py [--skip-large] [--iterations N]

(tools/.venv: `python3 -m venv tools/.venv && tools/.venv/bin/pip install -r tools/requirements.txt`.)

Prints, in Markdown:
- a header: date, CPU, cores, the Vulkan device with its driver (Mesa and LLVM versions for
  lavapipe), numpy / torch / transformers versions;
- per-shape linear GFLOP/s of the kernel the device's profile picks (`GPUBench --profile-only`)
  next to numpy (OpenBLAS) sgemm on the same shapes and cores, and the fraction, with fp32 and
  with fp16 weights (`model.precision: fp16`; attention's products have no weights);
- the EoMT forward of the shipped default model and of the EoMT-S and EoMT-L layouts (random
  weights, 640 input) next to Hugging Face PyTorch on the CPU, with the ratio, maskstream's
  attention time (Q·Kᵀ, softmax, P·V, from device timestamps), peak host and device memory,
  for fp32 and fp16 weights;
- the demo pipeline's fps (`maskstream run pipelines/default.yaml`, the README's `make demo`).

The last line is the same as one JSON object. Timing goals live here, not in tests
(benchmarks/RESULTS.md records the runs).
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_forward import ROOT, compare, release_bin  # noqa: E402

# EoMT-S (hidden 384) and EoMT-L (hidden 1024) at 640: 1,805 tokens (200 queries, 1 class token,
# 4 registers, 1,600 patches). Fused Q,K projection, V, out projection, MLP in/out, attention
# scores and P·V per head (keys padded to 1,808).
LINEAR_SHAPES = [
    (1805, 768, 384, "EoMT-S q,k"), (1805, 384, 384, "EoMT-S v/out"), (1805, 1536, 384, "EoMT-S fc1"),
    (1805, 384, 1536, "EoMT-S fc2"), (1805, 2048, 1024, "EoMT-L q,k"), (1805, 4096, 1024, "EoMT-L fc1"),
    (1805, 1024, 4096, "EoMT-L fc2"), (1805, 1805, 64, "scores Q·Kᵀ, head 64"), (1805, 64, 1808, "P·V, head 64"),
]


def sh(cmd, **kw) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def numpy_sgemm(m: int, n: int, k: int, reps: int = 5) -> float:
    """Best-of-`reps` GFLOP/s of X[m,k] · W[n,k]ᵀ in float32 (the same product as `linear`)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((m, k), dtype=np.float32)
    w = rng.standard_normal((n, k), dtype=np.float32)
    x @ w.T
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        x @ w.T
        best = min(best, time.perf_counter() - t0)
    return 2 * m * n * k / best / 1e9


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-large", action="store_true", help="leave out the EoMT-L forward (minutes on lavapipe)")
    ap.add_argument("--iterations", type=int, default=2, help="forward passes per model (median)")
    args = ap.parse_args()

    maskstream = release_bin("maskstream")
    gpubench = release_bin("GPUBench")
    devices = json.loads(sh([maskstream, "devices", "--json"]))
    device = next((d for d in devices if d.get("auto")), devices[0])
    import torch
    import transformers

    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_name(), "cores": os.cpu_count(), "device": device["name"], "driver": device.get("driver", ""),
        "kernels": device.get("kernels", ""), "numpy": np.__version__, "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(), "transformers": transformers.__version__,
    }
    print(f"# maskstream inference report, {report['date']}\n")
    print(f"- CPU: {report['cpu']}, {report['cores']} cores")
    print(f"- Vulkan device: {report['device']}; driver {report['driver']}; kernels: {report['kernels']}")
    print(f"- numpy {report['numpy']}, torch {report['torch']} ({report['torch_threads']} threads), "
          f"transformers {report['transformers']}\n")

    # Linear kernels against numpy sgemm, same shapes, same run.
    spec = ",".join(f"{m}x{n}x{k}" for m, n, k, _ in LINEAR_SHAPES)
    def linear_rows(precision: str) -> list:
        out = sh([gpubench, "--filter", "linear", "--profile-only", "--json", "--reps", "3", "--shapes", spec,
                  "--precision", precision])
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    rows, halves = linear_rows("fp32"), linear_rows("fp16")
    print("## Linear (y = x·Wᵀ), the profile's kernel vs numpy sgemm\n")
    print("| shape (m×n×k) | layer | kernel | maskstream GFLOP/s | numpy GFLOP/s | fraction | fp16 weights GFLOP/s "
          "| fp16 fraction |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    linear = []
    for (m, n, k, label), row, half in zip(LINEAR_SHAPES, rows, halves):
        ref = numpy_sgemm(m, n, k)
        weights = not label.startswith(("scores", "P·V"))
        linear.append({"shape": f"{m}x{n}x{k}", "layer": label, "kernel": row["variant"],
                       "gflops": round(row["gflops"], 2), "numpy_gflops": round(ref, 1),
                       "fraction": round(row["gflops"] / ref, 3)})
        if weights:
            linear[-1].update(fp16_gflops=round(half["gflops"], 2), fp16_fraction=round(half["gflops"] / ref, 3))
        fp16 = f"{half['gflops']:.1f} | {100 * half['gflops'] / ref:.1f} %" if weights else "– | –"
        print(f"| {m}×{n}×{k} | {label} | {row['variant']} | {row['gflops']:.1f} | {ref:.1f} | "
              f"{100 * row['gflops'] / ref:.1f} % | {fp16} |")
    report["linear"] = linear
    print()

    # Whole forward passes against HF PyTorch on the CPU.
    presets = ["default", "small"] + ([] if args.skip_large else ["large"])
    names = {"default": "default model (models/default)", "small": "EoMT-S layout, 640", "large": "EoMT-L layout, 640"}
    print("## EoMT forward vs Hugging Face PyTorch (CPU), same weights and frame\n")
    print("| model | weights | HF PyTorch s | maskstream s | ratio | maskstream attention s | "
          "logits max abs diff vs HF | weights file MiB | peak host MiB: loading / overall | "
          "device MiB: after load / peak |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    forwards = []
    for preset in presets:
        iterations = 1 if preset == "large" else args.iterations
        r = compare(preset, iterations=iterations, forward_only=True, profile=True, parity=True,
                    precisions=("fp32", "fp16"))
        forwards.append(r)
        for precision, p in r["by_precision"].items():
            diff = max(p["parity_class_logits_max_abs_diff"], p["parity_mask_logits_max_abs_diff"])
            # fp16 rounds an F32 checkpoint's weights: its logits are not held to the fp32 bound.
            note = "" if p["parity_ok"] else " (over 1e-3)" if precision == "fp32" else " (fp16 rounding)"
            print(f"| {names[preset]} | {precision} | {r['hf_torch_cpu_forward_s']:.3f} | "
                  f"{p['maskstream_forward_s']:.3f} | {p['maskstream_over_hf']:.2f}× | "
                  f"{p.get('maskstream_attention_s', 0):.3f} | {diff:.1e}{note} | {p['weights_file_mib']:.0f} | "
                  f"{p['maskstream_load_peak_rss_mib']:.0f} / {p['maskstream_peak_rss_mib']:.0f} | "
                  f"{p['maskstream_device_memory_after_load_mib']:.0f} / {p['maskstream_device_memory_peak_mib']:.0f} |")
    report["forward"] = forwards
    print()

    # The demo pipeline.
    with tempfile.TemporaryDirectory(prefix="maskstream-demo-") as out:
        log = subprocess.run([maskstream, "run", os.path.join(ROOT, "pipelines", "default.yaml"), "--output", out,
                              "--no-progress"], cwd=ROOT, check=True, capture_output=True, text=True)
    found = re.search(r"done: (\d+) frames in ([\d.]+) s \(([\d.]+) fps\)", log.stderr + log.stdout)
    fps = float(found.group(3)) if found else -1
    report["demo_fps"] = fps
    print(f"## Demo pipeline\n\n`maskstream run pipelines/default.yaml`: {found.group(0) if found else 'no summary'}\n")
    print(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    main()
