#!/usr/bin/env python3
"""Golden outputs of PyTorch ops that MaskstreamGPU kernels must reproduce.

Writes Tests/MaskstreamGPUTests/Fixtures/torch_ops.json (a few KB): random inputs and
the outputs of F.interpolate(bilinear, align_corners=False), ConvTranspose2d(k=2, s=2),
depthwise Conv2d 3x3, exact GELU and transformers' Dinov2 SwiGLU (silu(x1) * x2).

    /work/venvs/tools/bin/python tools/gpu_kernel_fixtures.py
"""
import json
import pathlib

import torch
import torch.nn.functional as F

torch.manual_seed(0)
out = {}


def flat(t):
    return [round(float(v), 7) for v in t.detach().reshape(-1).tolist()]


resize = []
for c, h, w, oh, ow in [(2, 5, 7, 9, 4), (1, 8, 8, 3, 5), (3, 4, 6, 4, 6), (1, 1, 3, 2, 7)]:
    x = torch.randn(1, c, h, w)
    y = F.interpolate(x, size=(oh, ow), mode="bilinear", align_corners=False)
    resize.append(dict(c=c, h=h, w=w, oh=oh, ow=ow, x=flat(x), y=flat(y)))
out["resize"] = resize

conv_t = []
for cin, cout, h, w, bias in [(3, 2, 2, 3, True), (4, 5, 3, 1, False)]:
    m = torch.nn.ConvTranspose2d(cin, cout, kernel_size=2, stride=2, bias=bias)
    x = torch.randn(1, cin, h, w)
    conv_t.append(dict(cin=cin, cout=cout, h=h, w=w, x=flat(x), weight=flat(m.weight),
                       bias=flat(m.bias) if bias else None, y=flat(m(x))))
out["conv_transpose2x2"] = conv_t

dw = []
for c, h, w, bias in [(3, 4, 5, False), (2, 1, 6, True)]:
    m = torch.nn.Conv2d(c, c, kernel_size=3, padding=1, groups=c, bias=bias)
    x = torch.randn(1, c, h, w)
    dw.append(dict(c=c, h=h, w=w, x=flat(x), weight=flat(m.weight),
                   bias=flat(m.bias) if bias else None, y=flat(m(x))))
out["depthwise_conv3x3"] = dw

x = torch.linspace(-6, 6, 49)
out["gelu"] = dict(x=flat(x), y=flat(F.gelu(x)))

hidden = torch.randn(3, 10)
x1, x2 = hidden.chunk(2, dim=-1)
out["swiglu"] = dict(rows=3, half=5, hidden=flat(hidden), y=flat(F.silu(x1) * x2))

path = pathlib.Path(__file__).resolve().parent.parent / "Tests/MaskstreamGPUTests/Fixtures/torch_ops.json"
path.write_text(json.dumps(out, separators=(",", ":")))
print(f"wrote {path} ({path.stat().st_size} bytes)")
