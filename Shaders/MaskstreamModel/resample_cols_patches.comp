#version 450
// Pillow-exact vertical resampling pass, then per-channel value lookup (rescale and
// normalize, precomputed on the host for the 256 byte values), zero padding (the LUT's
// value for 0) to size × size, written straight into patch rows (im2col): patch
// (y / p) · (size / p) + x / p, column (c · p + y % p) · p + x % p.
// Input: one uint per sample [rows, outW, 3] (rows from rowOffset). Table (ints):
// [ymin, n] per output row, then `taps` weights per output row.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BM { uint mid[]; };
layout(std430, binding = 1) readonly buffer BT { int table[]; };
layout(std430, binding = 2) readonly buffer BL { float lut[]; };
layout(std430, binding = 3) writeonly buffer BD { float dst[]; };
layout(push_constant) uniform Push {
    uint om, ot, ol, od;
    uint outW, outH, taps, rowOffset, size, patchSize;
} pc;

void main() {
    uint plane = pc.size * pc.size;
    uint total = 3u * plane;
    uint grid = pc.size / pc.patchSize;
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += stride) {
        uint ch = idx / plane;
        uint p = idx % plane;
        uint y = p / pc.size;
        uint x = p % pc.size;
        uint v = 0u;
        if (y < pc.outH && x < pc.outW) {
            int ymin = table[pc.ot + 2u * y];
            int n = table[pc.ot + 2u * y + 1u];
            uint wBase = pc.ot + 2u * pc.outH + y * pc.taps;
            int ss = 1 << 21;
            for (int i = 0; i < n; i++) {
                uint r = uint(ymin + i) - pc.rowOffset;
                ss += int(mid[pc.om + (r * pc.outW + x) * 3u + ch]) * table[wBase + uint(i)];
            }
            v = uint(clamp(ss >> 22, 0, 255));
        }
        uint patchIndex = (y / pc.patchSize) * grid + x / pc.patchSize;
        uint col = (ch * pc.patchSize + y % pc.patchSize) * pc.patchSize + x % pc.patchSize;
        dst[pc.od + patchIndex * 3u * pc.patchSize * pc.patchSize + col] = lut[pc.ol + ch * 256u + v];
    }
}
