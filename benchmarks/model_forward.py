#!/usr/bin/env python3
"""EoMT forward: maskstream vs Hugging Face PyTorch (CPU) on the same weights and frame.

    /work/venvs/tools/bin/python benchmarks/model_forward.py [--backend gpu|cpu] [--preset small|tiny]

Builds a random-weight EoMT with transformers (attention masking off, as a trained model),
saves it in HF layout to a temporary folder with a synthetic frame, times
EomtForUniversalSegmentation.forward on the processor's pixel values (torch CPU, all threads),
then times maskstream's forward on the same folder and frame with the release `EomtBench`
executable, and prints both with their ratio (one run each, median over iterations).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from transformers import EomtConfig, EomtForUniversalSegmentation, EomtImageProcessor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from make_eomt_fixtures import synthetic_frame  # noqa: E402

PRESETS = {
    # EoMT-S layout (ViT-S/16: hidden 384, 12 layers, 6 heads; 4 registers, 200 queries,
    # 4 query blocks, 2 upscale blocks) at 640 input, as the released COCO EoMT-S.
    "small": dict(hidden_size=384, num_hidden_layers=12, num_attention_heads=6, image_size=640, patch_size=16,
                  num_blocks=4, num_queries=200, num_register_tokens=4, num_upscale_blocks=2, layerscale_value=1.0),
    # A narrow model at 320 input that the CPU reference can run in seconds.
    "tiny": dict(hidden_size=96, num_hidden_layers=4, num_attention_heads=3, image_size=320, patch_size=16,
                 num_blocks=2, num_queries=50, num_register_tokens=4, num_upscale_blocks=2, layerscale_value=1.0),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="gpu", choices=["gpu", "cpu"])
    ap.add_argument("--preset", default="small", choices=sorted(PRESETS))
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--frame", default="480x640", help="HxW of the synthetic frame")
    args = ap.parse_args()
    root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    height, width = (int(v) for v in args.frame.split("x"))

    work = tempfile.mkdtemp(prefix="maskstream-bench-")
    cfg = PRESETS[args.preset]
    labels = {i: f"class_{i}" for i in range(80)}
    torch.manual_seed(0)
    model = EomtForUniversalSegmentation(EomtConfig(**cfg, id2label=labels, label2id={v: k for k, v in labels.items()})).eval()
    model.attn_mask_probs.zero_()
    model.save_pretrained(os.path.join(work, "model"))
    processor = EomtImageProcessor(size={"shortest_edge": cfg["image_size"], "longest_edge": cfg["image_size"]}, do_pad=True)
    processor.save_pretrained(os.path.join(work, "model"))
    frame = synthetic_frame(height, width, 1)
    frame.tofile(os.path.join(work, "frame.rgb"))

    pixel_values = processor(images=frame, return_tensors="pt")["pixel_values"]
    times = []
    with torch.inference_mode():
        model(pixel_values=pixel_values)  # warm-up
        for _ in range(args.iterations):
            t0 = time.perf_counter()
            model(pixel_values=pixel_values)
            times.append(time.perf_counter() - t0)
    hf = sorted(times)[len(times) // 2]

    subprocess.run(["swift", "build", "-c", "release", "--product", "EomtBench"], cwd=root, check=True,
                   stdout=subprocess.DEVNULL)
    bin_dir = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=root, check=True,
                             capture_output=True, text=True).stdout.strip()
    out = subprocess.run([os.path.join(bin_dir, "EomtBench"), os.path.join(work, "model"), os.path.join(work, "frame.rgb"),
                          str(width), str(height), str(args.iterations), args.backend],
                         check=True, capture_output=True, text=True).stdout
    ours = json.loads(out.strip().splitlines()[-1])
    result = {
        "preset": args.preset, "frame": f"{height}x{width}", "torch_threads": torch.get_num_threads(),
        "hf_torch_cpu_forward_s": round(hf, 4), "maskstream_backend": args.backend,
        "maskstream_forward_s": round(ours["forward_s_median"], 4),
        "maskstream_over_hf": round(ours["forward_s_median"] / hf, 3),
        "maskstream_forward_plus_postprocess_s": round(ours["forward_plus_postprocess_s_median"], 4),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
