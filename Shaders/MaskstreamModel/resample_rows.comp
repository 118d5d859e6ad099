#version 450
// Pillow-exact horizontal resampling pass (Image.resize, uint8 path): for every output
// column a first source column and fixed-point weights (22 fractional bits) from a table;
// rounded, clipped 8-bit results. RGB8 interleaved input (row stride in bytes, rows from
// yFirst), one uint per output sample [rows, outW, 3].
// Table (ints): [xmin, n] per output column, then `taps` weights per output column.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BS { uint bytes[]; };
layout(std430, binding = 1) readonly buffer BT { int table[]; };
layout(std430, binding = 2) writeonly buffer BD { uint dst[]; };
layout(push_constant) uniform Push {
    uint os, ot, od;
    uint width, rows, rowStride, outW, taps, yFirst;
} pc;

uint sourceByte(uint b) {
    b += pc.os * 4u;
    return (bytes[b >> 2u] >> ((b & 3u) * 8u)) & 255u;
}

void main() {
    uint total = pc.rows * pc.outW * 3u;
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += stride) {
        uint y = idx / (pc.outW * 3u);
        uint rem = idx % (pc.outW * 3u);
        uint x = rem / 3u;
        uint ch = rem % 3u;
        int xmin = table[pc.ot + 2u * x];
        int n = table[pc.ot + 2u * x + 1u];
        uint wBase = pc.ot + 2u * pc.outW + x * pc.taps;
        uint row = (y + pc.yFirst) * pc.rowStride;
        int ss = 1 << 21;
        for (int i = 0; i < n; i++) {
            ss += int(sourceByte(row + uint(xmin + i) * 3u + ch)) * table[wBase + uint(i)];
        }
        dst[pc.od + idx] = uint(clamp(ss >> 22, 0, 255));
    }
}
