#!/usr/bin/env python3
"""Finding versus naming: for frames from the training renderer (train_eomt._render_video,
camera resolution + JPEG + downscale to the model size), how many ground-truth objects some
query segments at IoU >= 0.5, and how often that query (the most object-like one among those
that overlap enough) names the right class.  Chance is 1/5 for the five shape classes.

    /work/venvs/tools/bin/python tools/class_diag.py models/default 77   # unseen videos
    /work/venvs/tools/bin/python tools/class_diag.py models/default 0    # training seed

MASKED=1 runs the query blocks with masked attention (as training does before the
masking is annealed away), to see whether a model trained with masking names the shape
while masked.

Prints the fraction found, the class accuracy among found objects (overall and by area at the
model's input size) and the confusion matrix (rows: ground truth, columns: predicted class).
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth_video as sv  # noqa: E402
import train_eomt as te  # noqa: E402
from transformers import EomtForUniversalSegmentation  # noqa: E402


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    model = EomtForUniversalSegmentation.from_pretrained(sys.argv[1], dtype=torch.float32).eval()
    if os.environ.get("MASKED") == "1":
        # Masked attention at inference too (every query block masked by the previous
        # block's prediction, as in training with masking probability 1).
        with torch.no_grad():
            model.attn_mask_probs.fill_(1.0)
    seed, videos = int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 16
    size = model.config.image_size
    items = []
    for i in range(videos):
        items += te._render_video((i, seed, 4, 9, size, True))
    n = len(sv.CLASSES)
    confusion = np.zeros((n, n), int)
    rows = []  # (gt class, predicted class or -1, area)
    for rgb, inst in items:
        h, w = rgb.shape[:2]
        x = (rgb.astype(np.float32) / 255 - te.MEAN) / te.STD
        pix = np.zeros((1, 3, size, size), np.float32)
        pix[0, :, :h, :w] = x.transpose(2, 0, 1)
        with torch.no_grad():
            out = model(pixel_values=torch.from_numpy(pix))
        masks = torch.nn.functional.interpolate(out.masks_queries_logits, size=(size, size),
                                                mode="bilinear")[0, :, :h, :w] > 0
        probs = out.class_queries_logits.softmax(-1)[0]
        for c, coverage in inst:
            g = torch.from_numpy(coverage > 127)
            iou = (masks & g).sum((1, 2)).float() / (masks | g).sum((1, 2)).float().clamp(min=1)
            candidates = (iou >= 0.5).float() * (1 - probs[:, -1])
            if candidates.max() == 0:
                rows.append((c, -1, int(g.sum())))
                continue
            q = int(candidates.argmax())
            p = int(probs[q, :-1].argmax())
            confusion[c, p] += 1
            rows.append((c, p, int(g.sum())))
    rows = np.array(rows)
    found = rows[rows[:, 1] >= 0]
    print(f"model {sys.argv[1]} seed {seed}: {len(rows)} objects in {len(items)} frames, "
          f"found at IoU>=0.5 {len(found) / max(1, len(rows)):.3f}, "
          f"class accuracy among found {(found[:, 0] == found[:, 1]).mean() if len(found) else 0:.3f}")
    for lo, hi in [(0, 400), (400, 1600), (1600, None)]:
        sel = (found[:, 2] >= lo) & ((found[:, 2] < hi) if hi else True)
        acc = (found[sel, 0] == found[sel, 1]).mean() if sel.any() else float("nan")
        print(f"  area {lo}..{hi or 'inf'} px at {size}: {int(sel.sum())} found, class accuracy {acc:.3f}")
    print("confusion (rows ground truth, columns predicted):", ", ".join(sv.CLASSES))
    print(confusion)


if __name__ == "__main__":
    main()
