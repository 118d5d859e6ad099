#!/usr/bin/env python3
"""Is the shape class learnable from the training renders?  A control for tools/class_diag.py.

Crops every ground-truth object (visible area >= 100 px at 256) out of frames from the
training renderer (train_eomt._render_video: camera resolution, JPEG, downscale to 256),
square around its box with a 20 % margin, resized to 32x32.  It then trains a small
classifier from scratch on the crops of ``--videos`` training videos (seed 0) and reports
its accuracy on the crops of 60 unseen videos (seed 77).  Chance is 0.2.

* ``--arch cnn``: three 3x3 conv layers with max-pooling, global average pool, linear.
* ``--arch vit``: a plain ViT: patch ``--patch``, hidden 128, 6 pre-norm layers, 4 heads,
  CLS token.  It has the width and depth of models/default, and with patch 16 the object
  covers 2x2 tokens, about as many as a mid-sized object in the model's 256-px input.

    /work/venvs/tools/bin/python tools/shape_probe.py --arch cnn --steps 4000
    /work/venvs/tools/bin/python tools/shape_probe.py --arch vit --patch 16 --steps 5000

Batch 64, AdamW, random horizontal flip and colour-channel permutation, 2 torch threads,
deterministic by ``--seed``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_eomt as te  # noqa: E402


def crops(seed: int, videos: int):
    xs, ys = [], []
    for i in range(videos):
        for rgb, inst in te._render_video((i, seed, 4, 9, 256, True)):
            for c, coverage in inst:
                yy, xx = np.nonzero(coverage > 127)
                if len(xx) < 100:
                    continue
                cx, cy = (xx.min() + xx.max()) / 2, (yy.min() + yy.max()) / 2
                r = max(xx.max() - xx.min(), yy.max() - yy.min()) * 0.6 + 2
                im = Image.fromarray(rgb).crop((int(cx - r), int(cy - r), int(cx + r), int(cy + r)))
                xs.append((np.asarray(im.resize((32, 32), Image.BILINEAR), np.float32) / 255 - te.MEAN) / te.STD)
                ys.append(c)
    return torch.from_numpy(np.stack(xs).transpose(0, 3, 1, 2).copy()), torch.tensor(ys)


class ViT(nn.Module):
    def __init__(self, patch: int, hidden: int = 128, layers: int = 6, heads: int = 4):
        super().__init__()
        n = (32 // patch) ** 2
        self.embed = nn.Conv2d(3, hidden, patch, patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, hidden))
        self.pos = nn.Parameter(torch.randn(1, n + 1, hidden) * 0.02)
        layer = nn.TransformerEncoderLayer(hidden, heads, 4 * hidden, 0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.norm = nn.LayerNorm(hidden)
        self.head = nn.Linear(hidden, 5)

    def forward(self, x):
        t = self.embed(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls.expand(len(t), -1, -1), t], 1) + self.pos
        return self.head(self.norm(self.encoder(t)[:, 0]))


def cnn():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 5))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=["cnn", "vit"], default="cnn")
    ap.add_argument("--patch", type=int, default=16)
    ap.add_argument("--videos", type=int, default=300)
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    x_train, y_train = crops(0, a.videos)
    x_test, y_test = crops(77, 60)
    print(f"crops: {len(y_train)} from {a.videos} training videos, {len(y_test)} from 60 unseen videos", flush=True)
    net = cnn() if a.arch == "cnn" else ViT(a.patch)
    opt = torch.optim.AdamW(net.parameters(), 2e-3 if a.arch == "cnn" else 4e-4)
    t0 = time.time()
    for step in range(1, a.steps + 1):
        idx = torch.from_numpy(rng.integers(0, len(y_train), 64))
        x = x_train[idx]
        if rng.uniform() < 0.5:
            x = x.flip(3)
        x = x[:, torch.from_numpy(rng.permutation(3))]
        loss = nn.functional.cross_entropy(net(x), y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 1000 == 0 or step == a.steps:
            with torch.no_grad():
                acc = float((net(x_test).argmax(1) == y_test).float().mean())
            print(f"{a.arch}{a.patch if a.arch == 'vit' else ''} step {step} ({time.time() - t0:.0f} s): "
                  f"unseen-video accuracy {acc:.3f}", flush=True)


if __name__ == "__main__":
    main()
