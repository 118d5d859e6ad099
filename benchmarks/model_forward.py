#!/usr/bin/env python3
"""EoMT forward: maskstream vs Hugging Face PyTorch (CPU) on the same weights and frame.

    tools/.venv/bin/python benchmarks/model_forward.py [--backend gpu|cpu] [--preset default|tiny|small|large]

Builds a random-weight EoMT with transformers (attention masking off, as a trained model) for a
layout preset, or loads the shipped default model (`default`), saves it in HF layout to a
temporary folder with a synthetic frame, times EomtForUniversalSegmentation.forward on the
processor's pixel values (torch CPU, all threads), then times maskstream's forward on the same
folder and frame with the release `EomtBench` executable, and prints both with their ratio (one
run each, median over iterations). `benchmarks/inference_report.py` runs it for every layout.

With --parity (on by default in inference_report.py) it also compares maskstream's class and
mask logits with transformers' on the same pixels: the parity fixture for layouts too large for
CI (EoMT-L: max|Δ| must stay <= 1e-3). It reports EomtBench's peak host memory (while loading
and overall) and device memory (in buffers, after loading and at peak).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from transformers import EomtConfig, EomtForUniversalSegmentation, EomtImageProcessor

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from make_eomt_fixtures import synthetic_frame  # noqa: E402

PRESETS = {
    # EoMT-S layout (ViT-S/16: hidden 384, 12 layers, 6 heads; 4 registers, 200 queries,
    # 4 query blocks, 2 upscale blocks) at 640 input, as the released COCO EoMT-S.
    "small": dict(hidden_size=384, num_hidden_layers=12, num_attention_heads=6, image_size=640, patch_size=16,
                  num_blocks=4, num_queries=200, num_register_tokens=4, num_upscale_blocks=2, layerscale_value=1.0),
    # EoMT-L layout (ViT-L/16: hidden 1024, 24 layers, 16 heads; 4 registers, 200 queries) at 640.
    "large": dict(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, image_size=640, patch_size=16,
                  num_blocks=4, num_queries=200, num_register_tokens=4, num_upscale_blocks=2, layerscale_value=1.0),
    # A narrow model at 320 input that the CPU reference can run in seconds.
    "tiny": dict(hidden_size=96, num_hidden_layers=4, num_attention_heads=3, image_size=320, patch_size=16,
                 num_blocks=2, num_queries=50, num_register_tokens=4, num_upscale_blocks=2, layerscale_value=1.0),
}


def release_bin(product: str) -> str:
    subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    bin_dir = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
    return os.path.join(bin_dir, product)


def compare(preset: str, iterations: int = 3, backend: str = "gpu", frame: str = "480x640",
            forward_only: bool = False, profile: bool = False, parity: bool = False,
            precisions: tuple = ("auto",)) -> dict:
    """Times HF PyTorch and maskstream on one preset; returns the figures as a dict.

    maskstream runs once per `model.precision` in `precisions`; the top-level figures are the
    first one's, and `by_precision` holds each run's (the resolved precision under "precision").
    """
    height, width = (int(v) for v in frame.split("x"))
    work = tempfile.mkdtemp(prefix="maskstream-bench-")
    try:
        folder = os.path.join(work, "model")
        if preset == "default":
            folder = os.path.join(ROOT, "models", "default")
            model = EomtForUniversalSegmentation.from_pretrained(folder, dtype=torch.float32).eval()  # fp32 math, as ours
            processor = EomtImageProcessor.from_pretrained(folder)
        else:
            cfg = PRESETS[preset]
            labels = {i: f"class_{i}" for i in range(80)}
            torch.manual_seed(0)
            config = EomtConfig(**cfg, id2label=labels, label2id={v: k for k, v in labels.items()})
            model = EomtForUniversalSegmentation(config).eval()
            model.attn_mask_probs.zero_()
            model.save_pretrained(folder)
            processor = EomtImageProcessor(size={"shortest_edge": cfg["image_size"], "longest_edge": cfg["image_size"]},
                                           do_pad=True)
            processor.save_pretrained(folder)
        rgb = synthetic_frame(height, width, 1)
        rgb.tofile(os.path.join(work, "frame.rgb"))
        pixel_values = processor(images=rgb, return_tensors="pt")["pixel_values"]
        times = []
        with torch.inference_mode():
            reference = model(pixel_values=pixel_values)  # warm-up
            hf_class = reference.class_queries_logits[0].float().numpy()
            hf_masks = reference.masks_queries_logits[0].float().numpy()
            for _ in range(iterations):
                t0 = time.perf_counter()
                model(pixel_values=pixel_values)
                times.append(time.perf_counter() - t0)
        hf = sorted(times)[len(times) // 2]
        del model

        runs = [maskstream_run(folder, work, width, height, iterations, backend, forward_only, profile, parity,
                               precision, hf_class, hf_masks, preset) for precision in precisions]
        result = {"preset": preset, "frame": f"{height}x{width}", "torch_threads": torch.get_num_threads(),
                  "hf_torch_cpu_forward_s": round(hf, 4), "maskstream_backend": backend}
        for run in runs:
            run["maskstream_over_hf"] = round(run["maskstream_forward_s"] / hf, 3)
        result.update(runs[0])
        result["by_precision"] = {p: r for p, r in zip(precisions, runs)}
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def maskstream_run(folder, work, width, height, iterations, backend, forward_only, profile, parity, precision,
                   hf_class, hf_masks, preset) -> dict:
    """One EomtBench run at `precision`: its timing, memory and (with `parity`) logit differences."""
    cmd = [release_bin("EomtBench"), folder, os.path.join(work, "frame.rgb"), str(width), str(height),
           str(iterations), backend, "--precision", precision]
    if forward_only:
        cmd.append("--forward-only")
    if profile:
        cmd.append("--profile-kernels")
    dump = os.path.join(work, "outputs.f32")
    if parity:
        cmd += ["--dump-outputs", dump]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"EomtBench failed ({run.returncode}) on preset {preset}:\n{run.stderr[-2000:]}")
    out = run.stdout
    ours = json.loads(out.strip().splitlines()[-1])
    result = {
        "maskstream_device": ours["device"], "precision": ours["precision"],
        "maskstream_forward_s": round(ours["forward_s_median"], 4),
        "maskstream_forward_plus_postprocess_s": round(ours["forward_plus_postprocess_s_median"], 4),
        "maskstream_load_s": round(ours["load_s"], 3),
        # EomtBench's peak resident memory (on lavapipe device memory is host memory too).
        "maskstream_peak_rss_mib": round(ours["peak_rss_mib"], 1),
        "maskstream_load_peak_rss_mib": round(ours["load_peak_rss_mib"], 1),
        "weights_file_mib": round(ours["weights_file_mib"], 1),
        "maskstream_device_memory_after_load_mib": round(ours["device_memory_after_load_mib"], 1),
        "maskstream_device_memory_peak_mib": round(ours["device_memory_peak_mib"], 1),
    }
    if parity:
        got = np.fromfile(dump, dtype="<f4")
        n_class = hf_class.size
        if got.size != n_class + hf_masks.size:
            raise SystemExit(f"EomtBench wrote {got.size} floats, transformers has {n_class} + {hf_masks.size}")
        result["parity_class_logits_max_abs_diff"] = float(np.abs(got[:n_class] - hf_class.ravel()).max())
        result["parity_mask_logits_max_abs_diff"] = float(np.abs(got[n_class:] - hf_masks.ravel()).max())
        result["parity_ok"] = max(result["parity_class_logits_max_abs_diff"],
                                  result["parity_mask_logits_max_abs_diff"]) <= 1e-3
    if profile:
        result["maskstream_attention_s"] = round(ours["attention_ms"] / 1e3, 4)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="gpu", choices=["gpu", "cpu"])
    ap.add_argument("--preset", default="small", choices=sorted(PRESETS) + ["default"])
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--frame", default="480x640", help="HxW of the synthetic frame")
    ap.add_argument("--forward-only", action="store_true", help="skip maskstream's frame-path runs")
    ap.add_argument("--parity", action="store_true", help="compare the logits with transformers' (max|Δ| <= 1e-3)")
    ap.add_argument("--precision", action="append", choices=["auto", "fp32", "fp16"],
                    help="model.precision of maskstream's run (repeat for several; default auto)")
    args = ap.parse_args()
    print(json.dumps(compare(args.preset, args.iterations, args.backend, args.frame, args.forward_only,
                             parity=args.parity, precisions=tuple(args.precision or ["auto"])), indent=1))


if __name__ == "__main__":
    main()
