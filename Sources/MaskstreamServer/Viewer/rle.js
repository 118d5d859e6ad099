// COCO RLE for the viewer: the compressed counts string (pycocotools' rleFrString) to runs,
// and runs (column-major: pixel i is x = floor(i / height), y = i % height) to pixels.
"use strict";
const MaskRLE = {
  /** Decodes a COCO compressed counts string to run lengths (background first). */
  decodeCounts(s) {
    const counts = [];
    let p = 0;
    while (p < s.length) {
      let x = 0, k = 0, more = true;
      while (more) {
        if (p >= s.length) throw new Error("truncated RLE counts string");
        const c = s.charCodeAt(p) - 48;
        x += (c & 0x1f) * Math.pow(2, 5 * k);
        more = (c & 0x20) !== 0;
        p++; k++;
        if (!more && (c & 0x10)) x -= Math.pow(2, 5 * k);
      }
      if (counts.length > 2) x += counts[counts.length - 2];
      counts.push(x);
    }
    return counts;
  },

  /** Calls fill(x, y) for every foreground pixel of an RLE {counts, size: [h, w]}. */
  forEachPixel(rle, fill) {
    const [h] = rle.size;
    const counts = typeof rle.counts === "string" ? MaskRLE.decodeCounts(rle.counts) : rle.counts;
    let i = 0;
    for (let r = 0; r < counts.length; r++) {
      const n = counts[r];
      if (r % 2 === 1) for (let j = i; j < i + n; j++) fill(Math.floor(j / h), j % h);
      i += n;
    }
  },

  /** Whether pixel (x, y) is foreground. */
  contains(rle, x, y) {
    const [h, w] = rle.size;
    if (x < 0 || y < 0 || x >= w || y >= h) return false;
    const target = x * h + y;
    const counts = typeof rle.counts === "string" ? MaskRLE.decodeCounts(rle.counts) : rle.counts;
    let i = 0;
    for (let r = 0; r < counts.length; r++) {
      if (target < i + counts[r]) return r % 2 === 1;
      i += counts[r];
    }
    return false;
  },
};
