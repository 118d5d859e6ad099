#!/usr/bin/env python3
"""Builds the golden EoMT fixtures for Tests/MaskstreamModelTests.

One command regenerates everything (deterministic seeds):

    /work/venvs/tools/bin/python tools/make_eomt_fixtures.py

For each case it writes a folder Tests/MaskstreamModelTests/Fixtures/<case>/ with

- model/                 config.json, model.safetensors, preprocessor_config.json (HF layout,
                         exactly what `save_pretrained` writes; weights in the case's dtype)
- frame.rgb              the input frame, raw RGB8, row-major (height*width*3)
- pixel_values.f32       what EomtImageProcessor produced (C,H,W little-endian float32; every
                         `mask_stride`-th row and column when large)
- class_logits.f32       class_queries_logits [Q, num_labels+1]
- mask_logits.f32        masks_queries_logits [Q, h, w] (subsampled by `mask_stride` when large)
- masks.u8               kept instances' binary masks at frame size, [N, height, width] 0/1
- meta.json              sizes, threshold, kept segments (label_id, score), every query's score

The reference is transformers' EomtForUniversalSegmentation in float32 (weights stored in
f16/bf16 are upcast before running it, as our loader does) and
EomtImageProcessor.post_process_instance_segmentation. Without torchvision installed (as in
our tools venv) transformers runs the PIL backend, so the resize is PIL's antialiased bilinear.
"""

import json
import os
import shutil

import numpy as np
import torch
from transformers import EomtConfig, EomtForUniversalSegmentation, EomtImageProcessor

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "MaskstreamModelTests", "Fixtures")


def synthetic_frame(height: int, width: int, seed: int) -> np.ndarray:
    """A real-looking RGB8 frame: a smooth gradient background with filled shapes."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.zeros((height, width, 3), np.float32)
    img[..., 0] = 40 + 120 * xx / max(width - 1, 1)
    img[..., 1] = 60 + 100 * yy / max(height - 1, 1)
    img[..., 2] = 90 + 50 * np.sin(xx / 7.0) * np.cos(yy / 5.0)
    for _ in range(4):
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        r = rng.uniform(0.1, 0.3) * min(height, width)
        color = rng.uniform(0, 255, 3)
        if rng.uniform() < 0.5:
            m = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
        else:
            m = (abs(yy - cy) < r) & (abs(xx - cx) < 1.5 * r)
        img[m] = color
    img += rng.normal(0, 4, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def randomize(model: EomtForUniversalSegmentation, seed: int, class_gain: float) -> None:
    """Gives every parameter a non-trivial value (norms, layer scales, registers) so the
    fixture exercises each weight; turns attention masking off as a trained model has it."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("lambda1"):
                p.copy_(0.3 + 0.7 * torch.rand(p.shape, generator=g))
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            elif "norm" in name and name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif "register_tokens" in name or "cls_token" in name:
                p.copy_(torch.randn(p.shape, generator=g))
        model.class_predictor.weight.mul_(class_gain)
        model.attn_mask_probs.zero_()


def write_f32(path: str, t: torch.Tensor) -> None:
    t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tofile(path)


def make_case(name: str, cfg: dict, dtype: torch.dtype, frame_hw: tuple[int, int], proc: dict,
              seed: int, class_gain: float = 1.0, mask_stride: int = 1, max_masks: int = 1000) -> None:
    out = os.path.join(ROOT, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "model"))
    torch.manual_seed(seed)
    config = EomtConfig(**cfg)
    model = EomtForUniversalSegmentation(config).eval()
    randomize(model, seed + 1, class_gain)
    # Store in the case's dtype, then run the reference on exactly those values in float32.
    model = model.to(dtype)
    model.save_pretrained(os.path.join(out, "model"), safe_serialization=True)
    model = model.to(torch.float32).eval()
    model.attn_mask_probs.zero_()
    processor = EomtImageProcessor(**proc)
    processor.save_pretrained(os.path.join(out, "model"))

    height, width = frame_hw
    frame = synthetic_frame(height, width, seed + 2)
    frame.tofile(os.path.join(out, "frame.rgb"))
    inputs = processor(images=frame, return_tensors="pt")
    pixel_values = inputs["pixel_values"]
    write_f32(os.path.join(out, "pixel_values.f32"), pixel_values[0, :, ::mask_stride, ::mask_stride])
    with torch.no_grad():
        outputs = model(pixel_values=pixel_values)
    class_logits = outputs.class_queries_logits[0]
    mask_logits = outputs.masks_queries_logits[0]
    write_f32(os.path.join(out, "class_logits.f32"), class_logits)
    write_f32(os.path.join(out, "mask_logits.f32"), mask_logits[:, ::mask_stride, ::mask_stride])

    # Every query's score (threshold 0), then a threshold in the widest gap near the median so
    # that parity does not hinge on a score sitting on the threshold.
    all_res = processor.post_process_instance_segmentation(outputs, target_sizes=[(height, width)], threshold=0.0)[0]
    size = processor.size
    target = (size["shortest_edge"], size["longest_edge"] or size["shortest_edge"])
    up = torch.nn.functional.interpolate(outputs.masks_queries_logits, size=target, mode="bilinear")
    per_query = processor.unpad_image(up, [(height, width)], size)[0]
    probs = class_logits.softmax(-1)[:, :-1]
    cls_scores, _ = probs.max(-1)
    pred = (per_query > 0).float()
    mask_scores = (per_query.sigmoid().flatten(1) * pred.flatten(1)).sum(1) / (pred.flatten(1).sum(1) + 1e-6)
    query_scores = (cls_scores * mask_scores).tolist()
    nonempty = sorted(s for s, p in zip(query_scores, pred) if p.any())
    lo, hi = len(nonempty) // 4, max(len(nonempty) // 4 + 1, (3 * len(nonempty)) // 4)
    gaps = [(nonempty[i + 1] - nonempty[i], i) for i in range(lo, min(hi, len(nonempty) - 1))]
    _, gi = max(gaps) if gaps else (0, 0)
    threshold = float((nonempty[gi] + nonempty[gi + 1]) / 2) if gaps else 0.5
    threshold = float(np.float32(threshold))

    res = processor.post_process_instance_segmentation(outputs, target_sizes=[(height, width)], threshold=threshold)[0]
    kept = [j for j, s in enumerate(query_scores) if s >= threshold and pred[j].any()]
    assert len(kept) == len(res["segments_info"]), (kept, res["segments_info"])
    segments = []
    masks = []
    for seg, j in zip(res["segments_info"], kept):
        assert seg["label_id"] == int(probs[j].argmax()), (seg, j)
        segments.append({"query": j, "label_id": seg["label_id"], "score": seg["score"]})
        if len(masks) < max_masks:
            masks.append(pred[j].to(torch.uint8).numpy())
    if masks:
        np.stack(masks).astype(np.uint8).tofile(os.path.join(out, "masks.u8"))
    else:
        open(os.path.join(out, "masks.u8"), "wb").close()

    meta = {
        "frame_height": height,
        "frame_width": width,
        "pixel_values_shape": list(pixel_values.shape[1:]),
        "class_logits_shape": list(class_logits.shape),
        "mask_logits_shape": list(mask_logits.shape),
        "mask_stride": mask_stride,
        "threshold": threshold,
        "segments": segments,
        "num_masks": len(masks),
        "query_scores": query_scores,
        "dtype": str(dtype).replace("torch.", ""),
        "last_hidden_query_l2": float(outputs.last_hidden_state[0, : cfg["num_queries"]].norm()),
    }
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"{name}: pixel_values {tuple(pixel_values.shape)}, kept {len(segments)} of {len(nonempty)} "
          f"nonempty at threshold {threshold:.4f}")


TINY = dict(hidden_size=32, num_hidden_layers=3, num_attention_heads=2, mlp_ratio=4, image_size=64,
            patch_size=8, num_blocks=2, num_queries=6, num_register_tokens=2, num_upscale_blocks=2,
            layerscale_value=0.5, id2label={0: "cat", 1: "dog", 2: "car"}, label2id={"cat": 0, "dog": 1, "car": 2})
TINY_PROC = dict(size={"shortest_edge": 64, "longest_edge": 64}, do_pad=True)


def make_resample_case() -> None:
    """Pillow BILINEAR resizes (the EoMT processor's resize) of one random RGB8 image to several
    sizes, shrinking and enlarging each axis, for a bit-exact check of our resampler."""
    from PIL import Image

    out = os.path.join(ROOT, "resample")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    rng = np.random.default_rng(5)
    src = rng.integers(0, 256, (37, 50, 3), dtype=np.uint8)
    src.tofile(os.path.join(out, "src.rgb"))
    sizes = [(13, 20), (90, 61), (37, 7), (5, 50), (111, 150), (2, 3)]
    for h, w in sizes:
        np.asarray(Image.fromarray(src).resize((w, h), Image.BILINEAR)).tofile(os.path.join(out, f"out_{h}x{w}.rgb"))
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump({"height": 37, "width": 50, "sizes": sizes}, f)


def main() -> None:
    os.makedirs(ROOT, exist_ok=True)
    make_resample_case()
    # GELU MLP, layer scale, 2 registers, float32; non-square frame downsampled (antialias) then padded.
    make_case("tiny_gelu", TINY, torch.float32, (48, 80), TINY_PROC, seed=10, class_gain=4.0)
    # SwiGLU FFN, no registers, one upscale block, bfloat16 weights; portrait frame upsampled.
    make_case("tiny_swiglu_bf16", {**TINY, "use_swiglu_ffn": True, "num_register_tokens": 0,
                                   "num_upscale_blocks": 1, "num_attention_heads": 4},
              torch.bfloat16, (40, 24), TINY_PROC, seed=20, class_gain=4.0)
    # Shaped like the released COCO instance EoMT-S (ViT patch 16, 4 registers, 200 queries, 80
    # classes, 640 input, 2 upscale blocks), float16 weights, but narrow and shallow to stay small.
    coco_labels = {i: f"class_{i}" for i in range(80)}
    make_case("coco_small_shaped_f16", dict(hidden_size=48, num_hidden_layers=3, num_attention_heads=3, mlp_ratio=4,
                                            image_size=640, patch_size=16, num_blocks=2, num_queries=200,
                                            num_register_tokens=4, num_upscale_blocks=2, layerscale_value=1.0,
                                            id2label=coco_labels, label2id={v: k for k, v in coco_labels.items()}),
              torch.float16, (240, 320), dict(size={"shortest_edge": 640, "longest_edge": 640}, do_pad=True),
              seed=30, class_gain=6.0, mask_stride=8, max_masks=4)


if __name__ == "__main__":
    main()
