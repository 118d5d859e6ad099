#!/usr/bin/env python3
"""Deterministic synthetic video generator with exact instance ground truth.

Renders videos of moving, textured objects of five classes over varied
backgrounds, with occlusion, objects entering/leaving the frame, scale change,
rotation, lighting drift, blur and noise.  A class is an object *kind*, the way
a real category is: an outline (circle, square, triangle, star, cross) together
with the texture family and colour range typical of that kind (``CLASS_STYLE``),
each varied per object (hue jitter, saturation, brightness, texture period and
angle).  Backgrounds and clutter are muted (low saturation) so that objects stand
out from them as foreground objects do in real footage.  Everything is a pure
function of the seed, so any video can be regenerated bit-exactly (the H.264 encode is deterministic with the fixed
encoder options used here).

Outputs for ``--out PREFIX``:

* ``PREFIX.mp4``         H.264, yuv420p
* ``PREFIX.ytvis.json``  YouTube-VIS style JSON (COCO RLE per frame, null when absent)
* ``PREFIX.mots.txt``    MOTS txt: ``frame id class h w rle`` (frame 0-based,
                          id = class * 1000 + instance, as in KITTI MOTS)
* ``PREFIX.coco.json``   COCO instances JSON, one image per frame (image-level eval)

Ground truth is the *visible* mask of each object (occluded pixels removed),
rendered before blur/noise/compression.  Objects whose visible area falls below
``min_area_frac`` of the frame are not annotated in that frame.

Example (the shipped sample)::

    python tools/synth_video.py --seed 9003 --width 640 --height 360 \\
        --fps 12 --frames 120 --out examples/sample
"""
from __future__ import annotations

import argparse
import json
import math
import os
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

CLASSES = ["circle", "square", "triangle", "star", "cross"]
"""Class names; category ids are 1-based indices into this list."""


CLASS_STYLE = {
    # class: (texture kind, base hue in [0, 1))
    "circle": ("radial", 0.00),    # red
    "square": ("checker", 0.60),   # blue
    "triangle": ("stripes", 0.33),  # green
    "star": ("solid", 0.14),       # yellow
    "cross": ("dots", 0.80),       # magenta
}
"""Each class's texture family and hue: what makes a kind of object recognisable besides its outline."""


def categories() -> list[dict]:
    return [{"id": i + 1, "name": n, "supercategory": "shape"} for i, n in enumerate(CLASSES)]


# ----------------------------------------------------------------------------
# Shapes: unit outlines (radius ~1) as polygons in object coordinates.

def _regular(n: int, phase: float = 0.0) -> np.ndarray:
    a = phase + np.arange(n) * 2 * math.pi / n
    return np.stack([np.cos(a), np.sin(a)], 1)


def _unit_outline(cls: str, aspect: float) -> np.ndarray:
    if cls == "circle":
        p = _regular(64)
        p[:, 0] *= aspect  # mild ellipse
        return p
    if cls == "square":
        p = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float) * 0.8
        p[:, 0] *= aspect
        return p
    if cls == "triangle":
        return _regular(3, -math.pi / 2) * 1.05
    if cls == "star":
        outer = _regular(5, -math.pi / 2)
        inner = _regular(5, -math.pi / 2 + math.pi / 5) * 0.45
        return np.stack([outer, inner], 1).reshape(-1, 2) * 1.1
    if cls == "cross":
        t = 0.33
        return np.array([[-t, -1], [t, -1], [t, -t], [1, -t], [1, t], [t, t],
                         [t, 1], [-t, 1], [-t, t], [-1, t], [-1, -t], [-t, -t]], float) * 0.95
    raise ValueError(cls)


# ----------------------------------------------------------------------------
# Scene description

@dataclass
class Obj:
    inst: int           # 1-based instance number within the video
    cls: int            # 0-based class index
    t0: int             # first frame it exists
    t1: int             # last frame it exists (inclusive)
    p0: np.ndarray      # position (pixels) at t0
    vel: np.ndarray     # pixels / frame
    wobble: tuple       # (amp, freq, phase)
    r0: float           # radius (pixels) at t0
    growth: float       # log-scale change per frame
    rot0: float
    rot_vel: float
    aspect: float
    z: float            # depth: larger is nearer (drawn on top)
    tex: dict = field(default_factory=dict)

    def state(self, t: int):
        dt = t - self.t0
        amp, freq, ph = self.wobble
        p = self.p0 + self.vel * dt + amp * np.array([math.sin(freq * dt + ph), math.cos(0.7 * freq * dt + ph)])
        r = self.r0 * math.exp(self.growth * dt)
        return p, r, self.rot0 + self.rot_vel * dt


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    h = h % 1.0
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, tt = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    rgb = [(v, tt, p), (q, v, p), (p, v, tt), (p, q, v), (tt, p, v), (v, p, q)][i]
    return np.array(rgb, np.float32) * 255


def _random_colour(rng: np.random.Generator, max_sat: float) -> np.ndarray:
    """A random colour of any hue with saturation at most ``max_sat``."""
    h = rng.uniform(0, 1)
    s = rng.uniform(0.0, max_sat)
    v = rng.uniform(0.35, 1.0)
    return _hsv(h, s, v)


def _make_texture(rng: np.random.Generator, cls: int) -> dict:
    kind, hue = CLASS_STYLE[CLASSES[cls]]
    h = hue + rng.uniform(-0.04, 0.04)
    c1 = _hsv(h, rng.uniform(0.65, 1.0), rng.uniform(0.7, 1.0))
    c2 = _hsv(h + rng.uniform(-0.03, 0.03), rng.uniform(0.5, 1.0), rng.uniform(0.3, 0.55))
    return {
        "kind": kind,
        "c1": c1,
        "c2": c2,
        "period": float(rng.uniform(0.3, 0.7)),  # in object radii
        "angle": float(rng.uniform(0, math.pi)),
        "seed": int(rng.integers(0, 2**31 - 1)),  # unused by the current kinds; keeps the seed stream
    }


BG_SAT = 0.4
"""Highest saturation of background and clutter colours."""


def _make_background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    c1, c2 = _random_colour(rng, BG_SAT), _random_colour(rng, BG_SAT)
    ang = rng.uniform(0, 2 * math.pi)
    g = (np.cos(ang) * xx + np.sin(ang) * yy) / max(w, h)
    g = (g - g.min()) / (g.max() - g.min() + 1e-6)
    bg = c1[None, None] * (1 - g[..., None]) + c2[None, None] * g[..., None]
    kind = rng.choice(["plain", "blobs", "stripes", "grid", "clutter"])
    if kind == "blobs":
        small = rng.normal(0, 1, (max(2, h // 40), max(2, w // 40), 3)).astype(np.float32)
        big = np.asarray(Image.fromarray(((small - small.min()) / (np.ptp(small) + 1e-6) * 255).astype(np.uint8))
                         .resize((w, h), Image.BICUBIC), np.float32)
        bg = 0.6 * bg + 0.4 * big
    elif kind == "stripes":
        period = rng.uniform(0.05, 0.2) * h
        a2 = rng.uniform(0, math.pi)
        s = (np.sin((np.cos(a2) * xx + np.sin(a2) * yy) * 2 * math.pi / period) > 0).astype(np.float32)
        bg = bg * (0.75 + 0.25 * s[..., None])
    elif kind == "grid":
        period = int(rng.uniform(0.06, 0.15) * h) + 2
        s = ((xx.astype(int) // period + yy.astype(int) // period) % 2).astype(np.float32)
        bg = bg * (0.8 + 0.2 * s[..., None])
    elif kind == "clutter":
        # Flat distractor blobs (ellipses/lines) that are *not* objects.
        img = Image.fromarray(np.clip(bg, 0, 255).astype(np.uint8))
        d = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(4, 12))):
            x, y = rng.uniform(0, w), rng.uniform(0, h)
            rx, ry = rng.uniform(0.01, 0.06) * h, rng.uniform(0.01, 0.06) * h
            col = tuple(int(c) for c in _random_colour(rng, BG_SAT) * 0.6 + bg[int(min(y, h - 1)), int(min(x, w - 1))] * 0.4)
            if rng.uniform() < 0.5:
                d.ellipse([x - rx, y - ry, x + rx, y + ry], fill=col)
            else:
                d.line([x, y, x + rng.uniform(-0.3, 0.3) * w, y + rng.uniform(-0.3, 0.3) * h], fill=col,
                       width=int(rng.integers(1, 4)))
        bg = np.asarray(img, np.float32)
    return bg.astype(np.float32)


@dataclass
class Scene:
    width: int
    height: int
    frames: int
    background: np.ndarray
    objects: list
    light: tuple          # (amp, freq, phase, gradient strength)
    blur: float           # gaussian blur radius in pixels at this resolution
    noise: float          # gaussian noise sigma (0..255 units)
    min_area_frac: float


def make_scene(seed: int, width: int, height: int, frames: int, min_area_frac: float = 0.002) -> Scene:
    """Samples a scene (background, objects and their trajectories) from ``seed``."""
    rng = np.random.default_rng(seed)
    unit = min(width, height)
    bg = _make_background(rng, width, height)
    n = int(rng.integers(2, 6))
    objs = []
    for k in range(n):
        cls = int(rng.integers(0, len(CLASSES)))
        r0 = float(rng.uniform(0.11, 0.25) * unit)
        speed = float(rng.uniform(0.002, 0.012) * unit)
        mode = rng.uniform()
        if mode < 0.35 or frames < 4:
            # Enters from outside the frame and crosses it.
            side = int(rng.integers(0, 4))
            if side == 0:
                p0 = np.array([-r0 * 1.1, rng.uniform(0.15, 0.85) * height])
            elif side == 1:
                p0 = np.array([width + r0 * 1.1, rng.uniform(0.15, 0.85) * height])
            elif side == 2:
                p0 = np.array([rng.uniform(0.15, 0.85) * width, -r0 * 1.1])
            else:
                p0 = np.array([rng.uniform(0.15, 0.85) * width, height + r0 * 1.1])
            target = np.array([rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height])
            d = target - p0
            vel = d / (np.linalg.norm(d) + 1e-6) * speed * 1.5
            t0 = int(rng.integers(0, max(1, frames * 2 // 3)))
        else:
            # Present (or appearing) inside the frame, drifting.
            p0 = np.array([rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height])
            a = rng.uniform(0, 2 * math.pi)
            vel = np.array([math.cos(a), math.sin(a)]) * speed
            t0 = 0 if rng.uniform() < 0.7 else int(rng.integers(0, max(1, frames // 2)))
        life = frames if rng.uniform() < 0.7 else int(rng.integers(max(2, frames // 4), frames + 1))
        t1 = min(frames - 1, t0 + life)
        growth = float(rng.uniform(-0.6, 0.6) / max(frames, 1))
        objs.append(Obj(
            inst=k + 1, cls=cls, t0=t0, t1=t1, p0=p0, vel=vel,
            wobble=(float(rng.uniform(0, 0.03) * unit), float(rng.uniform(0.05, 0.3)), float(rng.uniform(0, 6.3))),
            r0=r0, growth=growth, rot0=float(rng.uniform(0, 2 * math.pi)),
            rot_vel=float(rng.uniform(-0.06, 0.06)), aspect=float(rng.uniform(0.8, 1.2)) if cls in (0, 1) else 1.0,
            z=float(rng.uniform()), tex=_make_texture(rng, cls),
        ))
    light = (float(rng.uniform(0, 0.25)), float(rng.uniform(0.02, 0.15)), float(rng.uniform(0, 6.3)),
             float(rng.uniform(0, 0.3)))
    blur = float(rng.choice([0.0, 0.0, rng.uniform(0.3, 1.0), rng.uniform(0.8, 1.8)])) * unit / 360
    noise = float(rng.choice([0.0, rng.uniform(1, 6), rng.uniform(4, 12)]))
    return Scene(width, height, frames, bg, objs, light, blur, noise, min_area_frac)


def _texture(obj: Obj, xs: np.ndarray, ys: np.ndarray, p: np.ndarray, r: float, rot: float) -> np.ndarray:
    """Texture colour (N,3) at pixel coords, in the object's moving/rotating frame."""
    tx = obj.tex
    u = ((xs - p[0]) * math.cos(-rot) - (ys - p[1]) * math.sin(-rot)) / r
    v = ((xs - p[0]) * math.sin(-rot) + (ys - p[1]) * math.cos(-rot)) / r
    c1, c2 = tx["c1"], tx["c2"]
    per = tx["period"]
    kind = tx["kind"]
    if kind == "solid":
        w = np.zeros_like(u)
    elif kind == "stripes":
        a = tx["angle"]
        w = (np.sin((u * math.cos(a) + v * math.sin(a)) * 2 * math.pi / per) > 0).astype(np.float32)
    elif kind == "checker":
        w = ((np.floor(u / per) + np.floor(v / per)) % 2).astype(np.float32)
    elif kind == "radial":
        w = np.clip(np.sqrt(u * u + v * v), 0, 1)
    elif kind == "dots":
        fu = (u / per) % 1 - 0.5
        fv = (v / per) % 1 - 0.5
        w = (fu * fu + fv * fv < 0.09).astype(np.float32)
    else:
        raise ValueError(f"unknown texture {kind!r}")
    return c1[None] * (1 - w[:, None]) + c2[None] * w[:, None]


def render_frame(scene: Scene, t: int):
    """Renders frame ``t``.

    Returns ``(rgb uint8 HxWx3, [(inst, class_idx, visible_mask bool HxW), ...])`` with
    the instance list containing only objects whose visible area passes the threshold.
    """
    w, h = scene.width, scene.height
    amp, freq, ph, grad = scene.light
    img = scene.background.copy()
    occupied = np.zeros((h, w), bool)
    visible = []
    active = [o for o in scene.objects if o.t0 <= t <= o.t1]
    # Nearest first so that occlusion can be subtracted cumulatively.
    for o in sorted(active, key=lambda o: -o.z):
        p, r, rot = o.state(t)
        pts = _unit_outline(CLASSES[o.cls], o.aspect)
        c, s = math.cos(rot), math.sin(rot)
        xy = np.stack([pts[:, 0] * c - pts[:, 1] * s, pts[:, 0] * s + pts[:, 1] * c], 1) * r + p
        m_img = Image.new("1", (w, h), 0)
        ImageDraw.Draw(m_img).polygon([tuple(q) for q in xy.tolist()], fill=1)
        full = np.asarray(m_img, bool)
        vis = full & ~occupied
        if vis.any():
            ys, xs = np.nonzero(vis)
            img[ys, xs] = _texture(o, xs.astype(np.float32), ys.astype(np.float32), p, r, rot)
        occupied |= full
        if vis.sum() >= scene.min_area_frac * w * h:
            visible.append((o.inst, o.cls, vis))
    # Lighting: global gain drifting over time plus a moving linear shading ramp.
    gain = 1.0 + amp * math.sin(freq * t + ph)
    xx = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    yy = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    ramp = 1.0 + grad * (xx * math.cos(0.03 * t + ph) + yy * math.sin(0.03 * t + ph)) * 0.5
    img = img * (gain * ramp)[..., None]
    out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    if scene.blur > 0.05:
        out = out.filter(ImageFilter.GaussianBlur(scene.blur))
    arr = np.asarray(out).astype(np.float32)
    if scene.noise > 0:
        nrng = np.random.default_rng((hash_seed(scene) * 1_000_003 + t) % (2**63))
        arr = arr + nrng.normal(0, scene.noise, arr.shape).astype(np.float32)
    visible.sort(key=lambda v: v[0])
    return np.clip(arr, 0, 255).astype(np.uint8), visible


def hash_seed(scene: Scene) -> int:
    # Deterministic per-scene number for the noise stream (independent of Python's hash()).
    return int(abs(scene.background[0, 0, 0] * 1000 + scene.background[-1, -1, 2] * 7 + len(scene.objects)))


def render_video(seed: int, width: int, height: int, frames: int):
    """Yields ``(t, rgb, instances)`` for every frame of the video defined by ``seed``."""
    scene = make_scene(seed, width, height, frames)
    for t in range(frames):
        rgb, inst = render_frame(scene, t)
        yield t, rgb, inst


# ----------------------------------------------------------------------------
# Writers

def rle_encode(mask: np.ndarray) -> dict:
    from pycocotools import mask as mask_util
    rle = mask_util.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle["counts"] = rle["counts"].decode("ascii")
    return rle


def bbox_of(mask: np.ndarray) -> list[float]:
    ys, xs = np.nonzero(mask)
    return [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]


def write_video(path, frames_rgb, width: int, height: int, fps: int, crf: int = 23, format: str | None = None):
    """Encodes RGB frames with libx264 (yuv420p) to ``path`` (a file name, or a binary file
    object with ``format``, e.g. ``"mp4"``)."""
    import av
    from fractions import Fraction
    with av.open(path, "w", format=format) as container:
        st = container.add_stream("libx264", rate=Fraction(fps, 1))
        st.width, st.height, st.pix_fmt = width, height, "yuv420p"
        st.options = {"crf": str(crf), "preset": "medium", "threads": "1"}
        st.codec_context.options = {"threads": "1"}
        for rgb in frames_rgb:
            f = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            for pkt in st.encode(f):
                container.mux(pkt)
        for pkt in st.encode():
            container.mux(pkt)


def generate(seed: int, width: int, height: int, fps: int, frames: int, out: str, crf: int = 23,
             video_id: int = 1) -> dict:
    """Renders one video and writes PREFIX.{mp4,ytvis.json,mots.txt,coco.json}. Returns stats."""
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    name = os.path.basename(out)
    tracks: dict[int, dict] = {}
    mots_lines = []
    coco_images, coco_anns = [], []
    rgbs = []
    for t, rgb, inst in render_video(seed, width, height, frames):
        rgbs.append(rgb)
        image_id = video_id * 100000 + t
        coco_images.append({"id": image_id, "file_name": f"{name}/{t:05d}", "width": width, "height": height,
                            "video_id": video_id, "frame_index": t})
        for (k, cls, m) in inst:
            rle = rle_encode(m)
            area = int(m.sum())
            bb = bbox_of(m)
            tr = tracks.setdefault(k, {"category_id": cls + 1, "segmentations": [None] * frames,
                                       "areas": [None] * frames, "bboxes": [None] * frames})
            tr["segmentations"][t] = rle
            tr["areas"][t] = area
            tr["bboxes"][t] = bb
            mots_lines.append(f"{t} {(cls + 1) * 1000 + k} {cls + 1} {height} {width} {rle['counts']}")
            coco_anns.append({"id": len(coco_anns) + 1, "image_id": image_id, "category_id": cls + 1,
                              "segmentation": rle, "area": area, "bbox": bb, "iscrowd": 0,
                              "track_id": k})
    write_video(out + ".mp4", rgbs, width, height, fps, crf)
    ytvis = {
        "info": {"description": f"maskstream synthetic video, seed {seed}", "generator": "tools/synth_video.py",
                 "seed": seed, "fps": fps},
        "categories": categories(),
        "videos": [{"id": video_id, "width": width, "height": height, "length": frames,
                    "file_names": [f"{name}/{t:05d}" for t in range(frames)]}],
        "annotations": [dict(id=k, video_id=video_id, iscrowd=0, **tr) for k, tr in sorted(tracks.items())],
    }
    with open(out + ".ytvis.json", "w") as f:
        json.dump(ytvis, f, separators=(",", ":"))
    with open(out + ".mots.txt", "w") as f:
        f.write("\n".join(mots_lines) + ("\n" if mots_lines else ""))
    coco = {"info": ytvis["info"], "categories": categories(), "images": coco_images, "annotations": coco_anns}
    with open(out + ".coco.json", "w") as f:
        json.dump(coco, f, separators=(",", ":"))
    return {"frames": frames, "tracks": len(tracks), "instances": len(coco_anns)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--fps", type=int, default=12)
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--crf", type=int, default=23)
    ap.add_argument("--out", required=True, help="output prefix, e.g. examples/sample")
    a = ap.parse_args()
    if a.width < 16 or a.height < 16 or a.width % 2 or a.height % 2:
        ap.error("--width/--height must be even and >= 16 (yuv420p)")
    if a.frames < 1 or a.fps < 1:
        ap.error("--frames and --fps must be >= 1")
    stats = generate(a.seed, a.width, a.height, a.fps, a.frames, a.out, a.crf)
    print(json.dumps({"out": a.out, **stats}))


if __name__ == "__main__":
    main()
