#!/usr/bin/env python3
"""Trains the small default EoMT (maskstream's models/default) on synthetic video frames.

CPU-only, deterministic by ``--seed`` (single-process data; torch threads fixed).
Uses transformers' ``EomtForUniversalSegmentation`` and its own Mask2Former-style
loss (Hungarian matching, CE + BCE + dice on all query blocks) by passing
``mask_labels`` / ``class_labels``.

Attention masking: a fresh EoMT masks query->patch attention during training.  With
``--mask-anneal`` the probabilities are annealed from 1 to 0 per query block (EoMT's
recipe); without it they are 0 from the start.  Checkpoints are always saved with 0, so
inference needs no masking.

Training frames come from tools/synth_video.py, video seeds ``100000 * (seed + 1) + i``
(never overlapping the 9000-range seeds of the sample video and the held-out set), either
rendered at the model size or (``--native``) at a camera resolution, compressed (libx264
at a random CRF, or JPEG) and downscaled the way ``EomtImageProcessor`` sees decoded video; normalized with ImageNet
mean/std and zero-padded to a square as ``EomtImageProcessor(do_pad=True)`` does.
``--fresh`` keeps rendering new videos while training; ``--augment`` and
``--patch-class-weight`` are described in ``--help``.

The command that reproduces the shipped weights, and the runs tried since, are in
models/default/MODEL_CARD.md.

Checkpoints (fp16 safetensors + preprocessor_config.json) are written to --out
every --ckpt-every steps and at the end, so the run can be stopped early.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth_video as sv  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


# The integer EomtConfig fields set from the command line: option, EomtConfig field, default
# (and help where the option's name does not say it all).
ARCHITECTURE = [
    ("--image-size", "image_size", 256, None),
    ("--patch", "patch_size", 16, None),
    ("--hidden", "hidden_size", 128, None),
    ("--layers", "num_hidden_layers", 6, None),
    ("--heads", "num_attention_heads", 4, None),
    ("--blocks", "num_blocks", 2, None),
    ("--queries", "num_queries", 24, None),
    ("--registers", "num_register_tokens", 0, None),
    ("--upscale-blocks", "num_upscale_blocks", 2,
     "upscale blocks after the encoder: mask logits at (image/patch) * 2^N"),
    ("--train-points", "train_num_points", 3136, None),
]


def build_config(a):
    from transformers import EomtConfig
    id2label = {i: n for i, n in enumerate(sv.CLASSES)}
    fields = {field: getattr(a, option[2:].replace("-", "_")) for option, field, _, _ in ARCHITECTURE}
    return EomtConfig(
        **fields, mlp_ratio=4, id2label=id2label, label2id={n: i for i, n in id2label.items()},
    )


def build_processor(size: int):
    from transformers import EomtImageProcessor
    return EomtImageProcessor(size={"shortest_edge": size, "longest_edge": size}, do_pad=True,
                              do_split_image=False)


def _render_video(job):
    """Renders one training video's frames: list of (uint8 rgb at model size, [(cls, uint8 coverage)])."""
    i, seed, frames_per_video, stride, size, native = job
    import io
    from PIL import Image
    vseed = 100000 * (seed + 1) + i
    out = []
    if not native:
        # Rendered directly at the model resolution (longest edge = size).
        aspects = [(size, size * 9 // 16), (size, size * 3 // 4), (size, size * 9 // 16), (size * 3 // 4, size)]
        w, h = aspects[i % len(aspects)]
        w, h = w - w % 2, h - h % 2
        scene = sv.make_scene(vseed, w, h, frames_per_video * stride)
        for t in range(0, frames_per_video * stride, stride):
            rgb, inst = sv.render_frame(scene, t)
            if inst:
                out.append((rgb, [(c, m.astype(np.uint8) * 255) for (_, c, m) in inst]))
        return out
    # Rendered at a camera-like resolution, compressed (H.264 through libx264 as the sample
    # and held-out videos are, at a random CRF; or JPEG for some videos) and downscaled with
    # Pillow bilinear (antialiased) to the model size, the way EomtImageProcessor sees decoded
    # video at inference.  Masks are downscaled the same way as float coverage, so targets
    # are soft at the edges.
    sources = [(640, 360), (480, 360), (640, 360), (360, 480), (854, 480), (640, 360), (640, 360)]
    w, h = sources[i % len(sources)]
    scale = size / max(w, h)
    tw, th = int(round(w * scale)), int(round(h * scale))
    rng = np.random.default_rng(vseed)
    u = rng.uniform()
    crf = int(rng.integers(18, 31)) if u < 0.7 else 0
    quality = int(rng.integers(40, 96)) if 0.7 <= u < 0.9 else 0
    scene = sv.make_scene(vseed, w, h, frames_per_video * stride)
    rendered = [sv.render_frame(scene, t) for t in range(0, frames_per_video * stride, stride)]
    decoded = [rgb for rgb, _ in rendered]
    if crf:
        decoded = _h264_roundtrip(decoded, w, h, crf)
    for rgb, (_, inst) in zip(decoded, rendered):
        if not inst:
            continue
        img = Image.fromarray(rgb)
        if quality:
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=quality)
            img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
        small = np.asarray(img.resize((tw, th), Image.BILINEAR))
        masks = []
        for (_, c, m) in inst:
            mf = np.asarray(Image.fromarray(m.astype(np.float32)).resize((tw, th), Image.BILINEAR))
            if (mf > 0.5).sum() >= 4:
                masks.append((c, np.round(np.clip(mf, 0, 1) * 255).astype(np.uint8)))
        if masks:
            out.append((small, masks))
    return out


def _h264_roundtrip(frames, w: int, h: int, crf: int):
    """Encodes frames with libx264 as tools/synth_video.py writes videos, and decodes them."""
    import io
    import av
    buf = io.BytesIO()
    sv.write_video(buf, frames, w, h, 12, crf, format="mp4")
    with av.open(io.BytesIO(buf.getvalue())) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def render_dataset(seed: int, n_videos: int, frames_per_video: int, stride: int, size: int, log=print,
                   native: bool = False, workers: int = 1):
    """Renders training samples: list of (uint8 HxWx3 unpadded rgb, [(cls, uint8 coverage mask HxW, 255 = 1)])."""
    samples = []
    t_start = time.time()
    jobs = [(i, seed, frames_per_video, stride, size, native) for i in range(n_videos)]
    if workers > 1:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(workers) as pool:
            results = pool.imap(_render_video, jobs, chunksize=4)
            for i, r in enumerate(results):
                samples += r
                if (i + 1) % 100 == 0:
                    log(f"rendered {i + 1}/{n_videos} videos, {len(samples)} frames, {time.time() - t_start:.0f}s")
    else:
        for i, job in enumerate(jobs):
            samples += _render_video(job)
            if (i + 1) % 100 == 0:
                log(f"rendered {i + 1}/{n_videos} videos, {len(samples)} frames, {time.time() - t_start:.0f}s")
    return samples


def to_batch(items, size: int, rng: np.random.Generator, augment: bool = False):
    """Normalized, zero-padded batch with a random horizontal flip; with ``augment`` also a
    random vertical flip and a random permutation of the colour channels (the shape classes
    do not depend on orientation or colour, so this only takes colour shortcuts away)."""
    pix = np.zeros((len(items), 3, size, size), np.float32)
    masks, classes = [], []
    for b, (rgb, inst) in enumerate(items):
        h, w = rgb.shape[:2]
        flip = rng.uniform() < 0.5
        vflip = augment and rng.uniform() < 0.5
        if augment:
            rgb = rgb[:, :, rng.permutation(3)]
        x = (rgb.astype(np.float32) / 255.0 - MEAN) / STD
        if flip:
            x = x[:, ::-1]
        if vflip:
            x = x[::-1]
        pix[b, :, :h, :w] = x.transpose(2, 0, 1)
        m = np.zeros((len(inst), size, size), np.float32)
        for k, (_, mk) in enumerate(inst):
            mk = mk[:, ::-1] if flip else mk
            mk = mk[::-1] if vflip else mk
            m[k, :h, :w] = mk.astype(np.float32) / 255.0
        masks.append(torch.from_numpy(m))
        classes.append(torch.tensor([c for c, _ in inst], dtype=torch.long))
    return torch.from_numpy(pix), masks, classes


def patch_class_loss(logits, masks, classes, patch: int, num_classes: int):
    """Soft cross-entropy of per-patch class logits (B, G*G, C+1) against each patch's coverage
    by every class, the rest being background (index C)."""
    targets = []
    for m, c in zip(masks, classes):
        cov = torch.nn.functional.avg_pool2d(m[None], patch)[0] if len(c) else m.new_zeros((0,) + m.shape[-2:])
        g = cov.shape[-1] if len(c) else m.shape[-1] // patch
        per_class = torch.zeros(num_classes + 1, g, g)
        if len(c):
            per_class[:num_classes].index_add_(0, c, cov)
        per_class[:num_classes].clamp_(0, 1)
        per_class[num_classes] = (1 - per_class[:num_classes].sum(0)).clamp(min=0)
        per_class /= per_class.sum(0, keepdim=True).clamp(min=1e-6)
        targets.append(per_class.flatten(1).T)
    t = torch.stack(targets)
    return -(t * torch.log_softmax(logits, -1)).sum(-1).mean()


def save(model, processor, out: str, meta: dict):
    os.makedirs(out, exist_ok=True)
    m16 = copy.deepcopy(model).to(torch.float16).eval()
    with torch.no_grad():
        m16.attn_mask_probs.fill_(0.0)  # checkpoints always run unmasked at inference
    m16.save_pretrained(out, safe_serialization=True)
    processor.save_pretrained(out)
    with open(os.path.join(out, "training_log.json"), "w") as f:
        json.dump(meta, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    for option, _, default, text in ARCHITECTURE:
        ap.add_argument(option, type=int, default=default, help=text)
    ap.add_argument("--videos", type=int, default=300)
    ap.add_argument("--frames-per-video", type=int, default=12)
    ap.add_argument("--stride", type=int, default=3)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--ckpt-every", type=int, default=250)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads; 1 is faster than 2 on the shared, oversubscribed 2-core box")
    ap.add_argument("--native", action="store_true",
                    help="render at camera resolution, compress (H.264 or JPEG) and downscale (see _render_video)")
    ap.add_argument("--render-workers", type=int, default=2)
    ap.add_argument("--fresh", action="store_true",
                    help="keep rendering new videos (indices from --videos on) in background processes "
                         "while training and let them replace random frames of the pool, so the model "
                         "keeps seeing unseen scenes instead of epochs over a fixed set")
    ap.add_argument("--fresh-ratio", type=float, default=0.5,
                    help="with --fresh: new frames rendered per frame trained on (caps the render "
                         "processes' share of the CPU)")
    ap.add_argument("--augment", action="store_true",
                    help="random vertical flip and colour-channel permutation on top of the horizontal flip")
    ap.add_argument("--patch-class-weight", type=float, default=0.0,
                    help="weight of an auxiliary per-patch classification loss: a linear head on the final "
                         "patch tokens predicts the (soft) class coverage of each patch, background included, "
                         "so the encoder's patch features must say which shape they belong to; the head is "
                         "discarded (not part of the saved EoMT)")
    ap.add_argument("--mask-anneal", action="store_true",
                    help="masked attention in training, annealed per block from 1 to 0 (EoMT's recipe)")
    ap.add_argument("--anneal-end", type=float, default=0.7,
                    help="fraction of the step budget by which the last block's masking reaches 0")
    ap.add_argument("--max-minutes", type=float, default=0,
                    help="stop (and save) after this many minutes of training; 0 = run all steps")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    from transformers import EomtForUniversalSegmentation

    cfg = build_config(a)
    model = EomtForUniversalSegmentation(cfg)
    with torch.no_grad():
        # Without --mask-anneal: no masked attention at all (see module doc).
        model.attn_mask_probs.fill_(1.0 if a.mask_anneal else 0.0)
    processor = build_processor(a.image_size)
    nparams = sum(p.numel() for p in model.parameters())
    print(f"params {nparams / 1e6:.2f}M", flush=True)

    log = lambda s: print(s, flush=True)  # noqa: E731
    samples = render_dataset(a.seed, a.videos, a.frames_per_video, a.stride, a.image_size, log,
                             native=a.native, workers=a.render_workers)
    log(f"dataset: {len(samples)} frames")

    patch_head = None
    grid = a.image_size // a.patch
    if a.patch_class_weight > 0:
        patch_head = torch.nn.Linear(a.hidden, len(sv.CLASSES) + 1)
    decay, no_decay = [], []
    named = list(model.named_parameters()) + (
        [("patch_head." + n, p) for n, p in patch_head.named_parameters()] if patch_head is not None else [])
    for n, p in named:
        (no_decay if p.ndim < 2 or "embed" in n or "query" in n or "token" in n else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr)

    def lr_at(step, elapsed=0.0):
        # Cosine decay over the step budget, or over the time budget when that runs out first
        # (with --max-minutes the schedule is wall-clock dependent; training_log.json records it).
        if step < a.warmup:
            return a.lr * (step + 1) / a.warmup
        p = (step - a.warmup) / max(1, a.steps - a.warmup)
        if a.max_minutes > 0:
            p = max(p, elapsed / (a.max_minutes * 60))
        return a.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))

    def progress(step, elapsed):
        p = step / max(1, a.steps)
        if a.max_minutes > 0:
            p = max(p, elapsed / (a.max_minutes * 60))
        return min(1.0, p)

    def mask_probs_at(p):
        # EoMT-style staggered polynomial annealing: block k's probability falls from 1 to 0
        # over its own window; the last window ends at --anneal-end of the step budget, and
        # every probability is exactly 0 afterwards (inference runs unmasked).  ``p`` is the
        # training progress in [0, 1] (steps or wall-clock budget, whichever is further).
        nb = a.blocks
        width = a.anneal_end / (nb + 1)
        probs = []
        for k in range(nb):
            s0, s1 = width * (k + 0.5), width * (k + 1.5)
            q = 1.0 if p < s0 else max(0.0, 1 - (p - s0) / (s1 - s0)) ** 0.9
            probs.append(q if p < s1 else 0.0)
        return probs

    meta = {"args": vars(a), "params": nparams, "frames": len(samples), "steps_done": 0}
    model.train()
    t0 = time.time()
    order = rng.permutation(len(samples))
    pos = 0
    ema = None
    fresh_pool, fresh_jobs, next_video, replaced = None, [], a.videos, 0
    if a.fresh:
        import multiprocessing as mp
        fresh_pool = mp.get_context("fork").Pool(max(1, a.render_workers), initializer=os.nice, initargs=(10,))
    for step in range(a.steps):
        if fresh_pool is not None:
            # A fixed schedule keeps the run deterministic: video ``next_video`` is queued
            # whenever the frames rendered so far fall below --fresh-ratio of the frames
            # trained on, and each job is collected (waiting if needed) 2 x workers jobs
            # later, its frames replacing random pool entries.  Indices stay below 100000,
            # so seeds never reach the next --seed block.
            lag = 2 * max(1, a.render_workers)
            while (next_video < 100000 and
                   (next_video - a.videos) * a.frames_per_video < a.fresh_ratio * (step + lag) * a.batch):
                fresh_jobs.append(fresh_pool.apply_async(
                    _render_video, ((next_video, a.seed, a.frames_per_video, a.stride, a.image_size, a.native),)))
                next_video += 1
                while len(fresh_jobs) > lag:
                    for item in fresh_jobs.pop(0).get():
                        samples[int(rng.integers(len(samples)))] = item
                        replaced += 1
        if pos + a.batch > len(order):
            order, pos = rng.permutation(len(samples)), 0
        items = [samples[j] for j in order[pos:pos + a.batch]]
        pos += a.batch
        pix, masks, classes = to_batch(items, a.image_size, rng, augment=a.augment)
        lr = lr_at(step, time.time() - t0)
        for g in opt.param_groups:
            g["lr"] = lr
        if a.mask_anneal:
            with torch.no_grad():
                model.attn_mask_probs.copy_(torch.tensor(mask_probs_at(progress(step, time.time() - t0))))
        out = model(pixel_values=pix, mask_labels=masks, class_labels=classes)
        loss = out.loss
        if patch_head is not None:
            loss = loss + a.patch_class_weight * patch_class_loss(
                patch_head(out.last_hidden_state[:, -grid * grid:]), masks, classes, a.patch, len(sv.CLASSES))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for _, p in named], 1.0)
        opt.step()
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        elapsed = time.time() - t0
        if step % 25 == 0:
            log(f"step {step} loss {loss.item():.3f} ema {ema:.3f} lr {lr:.2e} "
                f"mask {[round(float(x), 2) for x in model.attn_mask_probs]} {elapsed / (step + 1):.2f}s/step")
        done = step + 1
        stop = a.max_minutes > 0 and elapsed > a.max_minutes * 60
        if done % a.ckpt_every == 0 or done == a.steps or stop:
            meta.update(steps_done=done, train_seconds=round(elapsed, 1), loss_ema=round(ema, 4),
                        fresh_videos_rendered=next_video - a.videos if a.fresh else 0, fresh_frames_swapped_in=replaced)
            save(model, processor, a.out, meta)
            log(f"checkpoint at step {done} -> {a.out}")
        if stop:
            log("time budget reached; stopping")
            break


if __name__ == "__main__":
    main()
