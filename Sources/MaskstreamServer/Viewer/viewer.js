// maskstream live viewer: one tile per stream, JPEG frames with masks drawn from the COCO RLE
// records (track colour, class label, score, track ID). Streams come and go with the server's
// "streams" messages. window.maskstreamViewer exposes the state for tests.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const options = { masks: true, boxes: true, labels: true, paused: false, opacity: 0.5 };
  if (params.has("opacity")) $("opacity").value = params.get("opacity");
  const tiles = new Map();          // source → tile
  let following = null;             // {source, trackId}
  const KEEP_RECORDS = 120;

  /** A track's colour: golden-angle hues, so neighbouring IDs differ. [r, g, b] 0…255. */
  function trackColour(id) {
    const h = ((id * 137.508) % 360) / 360, s = 0.85, l = 0.55;
    const q = l < 0.5 ? l * (1 + s) : l + s - l * s, p = 2 * l - q;
    const f = (t) => {
      t = (t + 1) % 1;
      if (t < 1 / 6) return p + (q - p) * 6 * t;
      if (t < 1 / 2) return q;
      if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6;
      return p;
    };
    return [f(h + 1 / 3), f(h), f(h - 1 / 3)].map((v) => Math.round(v * 255));
  }
  const colourOf = (inst) => trackColour(inst.track_id ?? inst.category_id ?? 0);

  function makeTile(source, name) {
    const el = document.createElement("section");
    el.className = "tile";
    el.dataset.source = source;
    el.innerHTML = "<h2></h2><canvas></canvas><div class=stats></div>";
    $("tiles").appendChild(el);
    const canvas = el.querySelector("canvas");
    const tile = {
      source, name, state: "starting", el, canvas, ctx: canvas.getContext("2d"),
      records: new Map(), latestRecord: -1, shown: null, image: null,
      framesShown: 0, recordsSeen: 0, dropped: 0, shownTimes: [], latencyMs: null, behind: 0,
    };
    canvas.addEventListener("click", (e) => follow(tile, e));
    tiles.set(source, tile);
    return tile;
  }

  function updateStreams(list) {
    const present = new Set();
    for (const s of list) {
      present.add(s.source);
      const tile = tiles.get(s.source) ?? makeTile(s.source, s.name);
      tile.state = s.state;
      tile.name = s.name;
      renderStats(tile);
    }
    for (const [source, tile] of tiles) {
      if (!present.has(source)) { tile.el.remove(); tiles.delete(source); }
    }
  }

  function onRecord(record) {
    const tile = tiles.get(record.source);
    if (!tile) return;
    tile.records.set(record.frame, record);
    tile.recordsSeen++;
    tile.latestRecord = Math.max(tile.latestRecord, record.frame);
    if (tile.records.size > KEEP_RECORDS) tile.records.delete(tile.records.keys().next().value);
  }

  async function onFrame(msg, receivedAt) {
    const tile = tiles.get(msg.source);
    if (!tile || options.paused) return;
    const bytes = Uint8Array.from(atob(msg.jpeg), (c) => c.charCodeAt(0));
    const image = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }));
    if (!tiles.has(msg.source) || options.paused) return;
    if (tile.shown && msg.frame <= tile.shown.frame) return;  // a later frame decoded first
    tile.dropped = msg.dropped ?? 0;
    tile.image = image;
    tile.shown = { frame: msg.frame, record: tile.records.get(msg.frame) ?? null };
    draw(tile);
    const now = performance.now();
    tile.latencyMs = (msg.age_ms ?? 0) + (now - receivedAt);
    tile.framesShown++;
    tile.shownTimes.push(now);
    while (tile.shownTimes.length && now - tile.shownTimes[0] > 2000) tile.shownTimes.shift();
    tile.behind = Math.max(0, tile.latestRecord - msg.frame);
    renderStats(tile);
  }

  function draw(tile) {
    const { canvas, ctx, image } = tile;
    if (!image) return;
    if (canvas.width !== image.width || canvas.height !== image.height) {
      canvas.width = image.width; canvas.height = image.height;
      canvas.style.width = image.width + "px"; canvas.style.height = image.height + "px";
    }
    ctx.globalAlpha = 1;
    ctx.drawImage(image, 0, 0);
    const record = tile.shown?.record;
    if (!record) return;
    const opacity = Number($("opacity").value);
    const dimmed = (inst) => following && following.source === tile.source && inst.track_id !== following.trackId;
    if (options.masks && opacity > 0) {
      const overlay = ctx.createImageData(canvas.width, canvas.height);
      const data = overlay.data, w = canvas.width;
      for (const inst of record.instances) {
        const [r, g, b] = colourOf(inst);
        const a = Math.round(255 * (dimmed(inst) ? opacity * 0.3 : opacity));
        MaskRLE.forEachPixel(inst.segmentation, (x, y) => {
          const o = (y * w + x) * 4;
          data[o] = r; data[o + 1] = g; data[o + 2] = b; data[o + 3] = a;
        });
      }
      const layer = new OffscreenCanvas(canvas.width, canvas.height);
      layer.getContext("2d").putImageData(overlay, 0, 0);
      ctx.drawImage(layer, 0, 0);
    }
    ctx.font = "12px system-ui, sans-serif";
    for (const inst of record.instances) {
      const [r, g, b] = colourOf(inst);
      const [x, y, bw, bh] = inst.bbox;
      const colour = `rgb(${r},${g},${b})`;
      const followed = following && following.source === tile.source && inst.track_id === following.trackId;
      if (options.boxes) {
        ctx.strokeStyle = colour;
        ctx.lineWidth = followed ? 3 : 1.5;
        ctx.strokeRect(x + 0.5, y + 0.5, bw, bh);
      }
      if (options.labels) {
        const id = inst.track_id !== undefined ? "#" + inst.track_id + " " : "";
        const text = `${id}${inst.label} ${inst.score.toFixed(2)}`;
        const tw = ctx.measureText(text).width + 6;
        const ty = y >= 16 ? y - 16 : y;
        ctx.fillStyle = colour;
        ctx.fillRect(x, ty, tw, 16);
        ctx.fillStyle = "#000";
        ctx.fillText(text, x + 3, ty + 12);
      }
    }
  }

  function renderStats(tile) {
    const fps = tile.shownTimes.length > 1
      ? (tile.shownTimes.length - 1) * 1000 / (tile.shownTimes[tile.shownTimes.length - 1] - tile.shownTimes[0]) : 0;
    tile.fps = fps;
    const h2 = tile.el.querySelector("h2");
    h2.innerHTML = "";
    h2.append(`stream ${tile.source} · ${tile.name ?? ""} · `);
    const state = document.createElement("span");
    state.className = "state-" + tile.state;
    state.textContent = tile.state;
    h2.append(state);
    const latency = tile.latencyMs === null ? "–" : tile.latencyMs.toFixed(0) + " ms";
    tile.el.querySelector(".stats").textContent =
      `${fps.toFixed(1)} fps · capture→display ${latency} · frame ${tile.shown?.frame ?? "–"}` +
      ` · ${tile.behind} behind · ${tile.dropped} dropped`;
  }

  function follow(tile, event) {
    const record = tile.shown?.record;
    if (!record) return;
    const rect = tile.canvas.getBoundingClientRect();
    const x = Math.floor((event.clientX - rect.left) * tile.canvas.width / rect.width);
    const y = Math.floor((event.clientY - rect.top) * tile.canvas.height / rect.height);
    const hit = record.instances.find((inst) => MaskRLE.contains(inst.segmentation, x, y));
    following = hit && hit.track_id !== undefined ? { source: tile.source, trackId: hit.track_id } : null;
    $("following").textContent = following ? `following #${following.trackId} in stream ${tile.source}` : "";
    draw(tile);
  }

  function redrawAll() { for (const tile of tiles.values()) draw(tile); }
  for (const key of ["masks", "boxes", "labels"]) {
    $("show-" + key).addEventListener("change", (e) => { options[key] = e.target.checked; redrawAll(); });
  }
  $("pause").addEventListener("change", (e) => { options.paused = e.target.checked; });
  $("opacity").addEventListener("input", redrawAll);

  // Replay of a recording: records and pictures over HTTP, a scrubber over the positions.
  async function startReplay() {
    const records = await (await fetch("/replay/records.json")).json();
    const sources = [...new Set(records.map((r) => r.source))];
    updateStreams(sources.map((s) => ({ source: s, name: "recording", state: "running" })));
    for (const r of records) onRecord(r);
    $("replay").hidden = false;
    const scrubber = $("scrubber");
    scrubber.max = Math.max(0, records.length - 1);
    let timer = null;
    async function show(i) {
      const record = records[i];
      const tile = tiles.get(record.source);
      const image = await createImageBitmap(await (await fetch(`/replay/frame/${i}.jpg`)).blob());
      tile.image = image;
      tile.shown = { frame: record.frame, record };
      tile.framesShown++;
      draw(tile);
      renderStats(tile);
      $("position").textContent = `${i + 1} / ${records.length} · t = ${record.time.toFixed(2)} s`;
    }
    scrubber.addEventListener("input", () => show(Number(scrubber.value)));
    $("play").addEventListener("click", () => {
      if (timer) { clearInterval(timer); timer = null; $("play").textContent = "play"; return; }
      $("play").textContent = "pause";
      timer = setInterval(() => {
        const next = (Number(scrubber.value) + 1) % records.length;
        scrubber.value = next;
        show(next);
      }, 1000 / 12);
    });
    if (records.length) await show(0);
  }

  function connect() {
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/viewer/ws`);
    ws.onopen = () => { $("status").textContent = "connected"; };
    ws.onclose = () => {
      $("status").textContent = "disconnected";
      viewer.closed = true;
    };
    ws.onmessage = (event) => {
      const receivedAt = performance.now();
      const msg = JSON.parse(event.data);
      viewer.messages++;
      if (msg.type === "hello") {
        viewer.mode = msg.mode;
        if (msg.mode === "replay") { ws.close(); startReplay(); }
      } else if (msg.type === "streams") {
        updateStreams(msg.streams);
      } else if (msg.type === "frame") {
        onFrame(msg, receivedAt);
      } else if (Array.isArray(msg.instances)) {
        onRecord(msg);
      }
    };
  }

  const viewer = { tiles, trackColour, MaskRLE, options, messages: 0, mode: null, closed: false };
  window.maskstreamViewer = viewer;
  connect();
})();
