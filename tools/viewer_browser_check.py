#!/usr/bin/env python3
"""Drives the live viewer in Debian's chromium (selenium + chromium-driver) against a running
maskstream pipeline and checks what a person would see.

The pipeline reads two FIFOs; this script feeds each with the sample video (ffmpeg -re, looped)
so it decides when a stream ends. It checks: the page loads without console errors; frames
arrive in both tiles; in a paused screenshot (masks opaque, boxes and labels off) the pixels
inside a known instance's mask carry its track colour and the pixels outside are the same as
with masks off; ending stream 1 makes its tile go away while stream 0 stays. It measures the
browser's frame rate against the records' rate per stream and how many frames the picture
trails the records, and writes a JSON report.

With --replay N it checks a recording served by `maskstream view` instead: the scrubber spans
its N records, moving it shows each record's frame, and the same mask-colour screenshot check.

Usage: viewer_browser_check.py --url http://127.0.0.1:PORT/ --fifo A --fifo B --video sample.mp4
                               --screenshot out/viewer.png --report report.json
       viewer_browser_check.py --url http://127.0.0.1:PORT/ --replay 6 --screenshot … --report …
"""
import argparse
import io
import json
import subprocess
import sys
import time

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains


def decode_counts(s):
    """COCO compressed RLE counts string to run lengths (pycocotools' rleFrString)."""
    counts, p = [], 0
    while p < len(s):
        x, k, more = 0, 0, True
        while more:
            c = ord(s[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def mask_pixels(rle):
    """Set of (x, y) foreground pixels of a COCO RLE (column-major runs)."""
    h, _ = rle["size"]
    out, i = set(), 0
    for r, n in enumerate(decode_counts(rle["counts"])):
        if r % 2 == 1:
            out.update(((j // h), (j % h)) for j in range(i, i + n))
        i += n
    return out


def square(radius):
    return [(dx, dy) for dx in range(-radius, radius + 1) for dy in range(-radius, radius + 1)]


def erode(pixels, radius):
    return {(x, y) for (x, y) in pixels if all((x + dx, y + dy) in pixels for dx, dy in square(radius))}


def dilate(pixels, radius):
    return {(x + dx, y + dy) for (x, y) in pixels for dx, dy in square(radius)}


def wait_for(what, condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"FAIL: timed out after {timeout:.0f} s waiting for {what}")


def check_masks(driver, state, screenshot):
    """Screenshots stream 0's canvas with and without masks (boxes and labels off, masks opaque):
    pixels inside its largest tracked instance carry the track colour, pixels outside every mask
    are unchanged by the masks."""
    canvas = driver.find_element("css selector", '[data-source="0"] canvas')
    shot = Image.open(io.BytesIO(canvas.screenshot_as_png)).convert("RGB")
    if shot.size != (state["width"], state["height"]):
        raise SystemExit(f"FAIL: screenshot is {shot.size}, canvas {state['width']}x{state['height']}")
    shot.save(screenshot)
    driver.execute_script("document.getElementById('show-masks').click();")
    time.sleep(0.3)
    plain = Image.open(io.BytesIO(canvas.screenshot_as_png)).convert("RGB")
    driver.execute_script("document.getElementById('show-masks').click();")

    record = state["record"]
    instance = max((i for i in record["instances"] if i.get("track_id") is not None),
                   key=lambda i: len(mask_pixels(i["segmentation"])))
    colour = driver.execute_script("return window.maskstreamViewer.trackColour(arguments[0]);",
                                   instance["track_id"])
    mask = mask_pixels(instance["segmentation"])
    every = set().union(*(mask_pixels(i["segmentation"]) for i in record["instances"]))
    inside = erode(mask, 1)
    near = dilate(every, 2)
    outside = [(x, y) for x in range(0, shot.width, 3) for y in range(0, shot.height, 3) if (x, y) not in near]
    close = lambda a, b, tol: all(abs(int(u) - int(v)) <= tol for u, v in zip(a, b))
    inside_ok = sum(close(shot.getpixel(p), colour, 3) for p in inside) / max(1, len(inside))
    outside_same = sum(close(shot.getpixel(p), plain.getpixel(p), 2) for p in outside) / max(1, len(outside))
    masked_changed = sum(not close(plain.getpixel(p), colour, 3) for p in inside) / max(1, len(inside))
    result = {"track_id": instance["track_id"], "label": instance["label"], "colour": colour,
              "inside_pixels": len(inside), "inside_with_track_colour": inside_ok,
              "outside_pixels": len(outside), "outside_unchanged_by_masks": outside_same,
              "inside_not_track_colour_without_masks": masked_changed}
    if inside_ok < 0.99:
        raise SystemExit(f"FAIL: only {inside_ok:.3f} of the mask's pixels carry track colour {colour}")
    if outside_same < 0.99:
        raise SystemExit(f"FAIL: only {outside_same:.3f} of the pixels outside every mask are unchanged")
    if masked_changed < 0.5:
        raise SystemExit("FAIL: the video itself has the track colour inside the mask: the check proves nothing")
    return result


def check_follow(driver, state):
    """Clicking inside a tracked instance's mask follows its track (the header names it)."""
    instance = max((i for i in state["record"]["instances"] if i.get("track_id") is not None),
                   key=lambda i: len(mask_pixels(i["segmentation"])))
    inside = erode(mask_pixels(instance["segmentation"]), 2)
    x, y = sorted(inside)[len(inside) // 2]
    canvas = driver.find_element("css selector", '[data-source="0"] canvas')
    ActionChains(driver).move_to_element_with_offset(
        canvas, x - state["width"] // 2, y - state["height"] // 2).click().perform()
    text = driver.find_element("id", "following").text
    if f"#{instance['track_id']}" not in text:
        raise SystemExit(f"FAIL: clicking track {instance['track_id']} at ({x}, {y}) shows '{text}'")
    return text


TILE_STATE = """
const t = window.maskstreamViewer && window.maskstreamViewer.tiles.get(arguments[0]);
if (!t) return null;
return {framesShown: t.framesShown, recordsSeen: t.recordsSeen, behind: t.behind, state: t.state,
        latencyMs: t.latencyMs, dropped: t.dropped, width: t.canvas.width, height: t.canvas.height,
        frame: t.shown ? t.shown.frame : null, record: t.shown ? t.shown.record : null};
"""


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1500,1000", "--force-device-scale-factor=1"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def console_errors(driver):
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    if errors:
        raise SystemExit(f"FAIL: console errors: {errors}")
    return errors


def replay(args):
    """maskstream view: the scrubber spans the recording and moving it shows that record's frame."""
    driver = make_driver()
    report = {}
    try:
        driver.get(args.url + "?opacity=1")
        tile = lambda s: driver.execute_script(TILE_STATE, s)
        wait_for("the recording's first frame", lambda: (tile(0) or {}).get("frame") == 0, args.timeout)
        scrubber_max = driver.execute_script("return Number(document.getElementById('scrubber').max);")
        if scrubber_max != args.replay - 1:
            raise SystemExit(f"FAIL: scrubber spans {scrubber_max + 1} positions, the recording has {args.replay}")
        driver.execute_script("""
            for (const id of ['show-boxes', 'show-labels']) {
              const box = document.getElementById(id); if (box.checked) box.click(); }""")
        for position in range(args.replay - 1, -1, -1):
            driver.execute_script("""const s = document.getElementById('scrubber');
                s.value = arguments[0]; s.dispatchEvent(new Event('input'));""", position)
            state = wait_for(f"record {position} after moving the scrubber",
                             lambda: (lambda t: t if t and t["frame"] == position else None)(tile(0)), args.timeout)
            record = state["record"]
            if any(i.get("track_id") is not None and len(mask_pixels(i["segmentation"])) > 200
                   for i in record["instances"]):
                report["mask_check"] = check_masks(driver, state, args.screenshot)
                report["checked_position"] = position
                report["followed"] = check_follow(driver, state)
                break
        else:
            raise SystemExit("FAIL: no record of the recording has a tracked instance to check")
        report["console_errors"] = console_errors(driver)
    finally:
        with open(args.report, "w") as f:
            json.dump(report, f, indent=2)
        driver.quit()
    print(json.dumps(report))
    print("OK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--fifo", action="append", default=[])
    ap.add_argument("--video")
    ap.add_argument("--replay", type=int, metavar="N",
                    help="the page replays a recording of N records (maskstream view): check the scrubber")
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--timeout", type=float, default=240)
    ap.add_argument("--measure", type=float, default=8, help="seconds of frame-rate measurement")
    args = ap.parse_args()

    if args.replay:
        return replay(args)
    writers = [subprocess.Popen(["ffmpeg", "-v", "error", "-re", "-stream_loop", "-1", "-i", args.video,
                                 "-c", "copy", "-f", "mpegts", "-y", fifo],
                                stdin=subprocess.DEVNULL) for fifo in args.fifo]
    driver = make_driver()
    report = {}
    try:
        driver.get(args.url + "?opacity=1")
        tile = lambda s: driver.execute_script(TILE_STATE, s)
        for s in (0, 1):
            wait_for(f"frames in stream {s}'s tile", lambda s=s: (tile(s) or {}).get("framesShown", 0) >= 3,
                     args.timeout)

        # Frame rate in the browser vs the records' rate, and how far the picture trails them.
        start = {s: tile(s) for s in (0, 1)}
        t0 = time.monotonic()
        behind = {0: 0, 1: 0}
        while time.monotonic() - t0 < args.measure:
            for s in (0, 1):
                behind[s] = max(behind[s], tile(s)["behind"])
            time.sleep(0.1)
        elapsed = time.monotonic() - t0
        end = {s: tile(s) for s in (0, 1)}
        report["streams"] = {
            str(s): {"browser_fps": (end[s]["framesShown"] - start[s]["framesShown"]) / elapsed,
                     "records_fps": (end[s]["recordsSeen"] - start[s]["recordsSeen"]) / elapsed,
                     "max_frames_behind": behind[s], "capture_to_display_ms": end[s]["latencyMs"],
                     "viewer_dropped": end[s]["dropped"]} for s in (0, 1)}

        # A paused frame with an instance: masks opaque, boxes and labels off.
        driver.execute_script("""
            for (const id of ['show-boxes', 'show-labels']) {
              const box = document.getElementById(id); if (box.checked) box.click(); }""")
        def paused_with_instance():
            driver.execute_script("const p = document.getElementById('pause'); if (p.checked) p.click();")
            time.sleep(0.3)
            driver.execute_script("document.getElementById('pause').click();")
            time.sleep(0.5)  # frames already decoding are not drawn once paused
            state = tile(0)
            record = state and state["record"]
            if record and any(i.get("track_id") is not None and len(mask_pixels(i["segmentation"])) > 200
                              for i in record["instances"]):
                return state
            return None
        state = wait_for("a paused frame with a tracked instance", paused_with_instance, args.timeout)
        report["mask_check"] = check_masks(driver, state, args.screenshot)
        driver.execute_script("document.getElementById('pause').click();")

        # Stream 1 ends: its tile goes away, stream 0's stays.
        # SIGKILL: an ffmpeg blocked writing a full FIFO does not act on SIGTERM; its exit closes the FIFO (EOF).
        writers[1].kill()
        writers[1].wait(timeout=30)
        wait_for("stream 1's tile to go away", lambda: tile(1) is None and
                 driver.execute_script("return document.querySelector('[data-source=\"1\"]') === null;"),
                 args.timeout)
        if tile(0) is None:
            raise SystemExit("FAIL: stream 0's tile went away with stream 1's")
        report["ended_tile_removed"] = True

        report["console_errors"] = console_errors(driver)
    finally:
        with open(args.report, "w") as f:
            json.dump(report, f, indent=2)
        driver.quit()
        for w in writers:
            if w.poll() is None:
                w.kill()
                w.wait(timeout=30)
    print(json.dumps(report))
    print("OK")


if __name__ == "__main__":
    sys.exit(main())
