#version 450
// Frame preprocessing: RGB8 interleaved HWC (width, height, row stride in bytes) →
// bilinear resize to (tw, th) with align_corners=False semantics (no antialias) →
// × rescale → (v − mean[c]) / std[c] → zero-pad to (outW, outH) → CHW float [3, outH, outW].
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BI { uint bytes[]; };
layout(std430, binding = 1) writeonly buffer BO { float dst[]; };
layout(push_constant) uniform Push {
    uint oi, oo;
    uint width, height, rowStride, tw, th, outW, outH;
    float rescale;
    float mean0, mean1, mean2;
    float std0, std1, std2;
} pc;

float pixel(uint x, uint y, uint ch) {
    uint b = pc.oi * 4u + y * pc.rowStride + x * 3u + ch;
    return float((bytes[b >> 2u] >> ((b & 3u) * 8u)) & 255u);
}

void main() {
    uint plane = pc.outW * pc.outH;
    uint total = 3u * plane;
    float sy = float(pc.height) / float(pc.th);
    float sx = float(pc.width) / float(pc.tw);
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += stride) {
        uint ch = idx / plane;
        uint p = idx % plane;
        uint oy = p / pc.outW;
        uint ox = p % pc.outW;
        float v = 0.0;
        if (oy < pc.th && ox < pc.tw) {
            float fy = max((float(oy) + 0.5) * sy - 0.5, 0.0);
            float fx = max((float(ox) + 0.5) * sx - 0.5, 0.0);
            uint y0 = min(uint(fy), pc.height - 1u);
            uint x0 = min(uint(fx), pc.width - 1u);
            uint y1 = min(y0 + 1u, pc.height - 1u);
            uint x1 = min(x0 + 1u, pc.width - 1u);
            float ly = fy - float(y0);
            float lx = fx - float(x0);
            float top = mix(pixel(x0, y0, ch), pixel(x1, y0, ch), lx);
            float bottom = mix(pixel(x0, y1, ch), pixel(x1, y1, ch), lx);
            float m = ch == 0u ? pc.mean0 : (ch == 1u ? pc.mean1 : pc.mean2);
            float s = ch == 0u ? pc.std0 : (ch == 1u ? pc.std1 : pc.std2);
            v = (mix(top, bottom, ly) * pc.rescale - m) / s;
        }
        dst[pc.oo + idx] = v;
    }
}
