#version 450
// Bilinear resize of [C, H, W] to [C, OH, OW] with PyTorch F.interpolate(mode="bilinear",
// align_corners=False) semantics (no antialias): src = max((dst + 0.5) · in/out − 0.5, 0).
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BI { float src[]; };
layout(std430, binding = 1) writeonly buffer BO { float dst[]; };
layout(push_constant) uniform Push { uint oi, oo; uint c, h, w, oh, ow; } pc;
void main() {
    uint plane = pc.oh * pc.ow;
    uint total = pc.c * plane;
    float sy = float(pc.h) / float(pc.oh);
    float sx = float(pc.w) / float(pc.ow);
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += stride) {
        uint ch = idx / plane;
        uint p = idx % plane;
        uint oy = p / pc.ow;
        uint ox = p % pc.ow;
        float fy = max((float(oy) + 0.5) * sy - 0.5, 0.0);
        float fx = max((float(ox) + 0.5) * sx - 0.5, 0.0);
        uint y0 = min(uint(fy), pc.h - 1u);
        uint x0 = min(uint(fx), pc.w - 1u);
        uint y1 = min(y0 + 1u, pc.h - 1u);
        uint x1 = min(x0 + 1u, pc.w - 1u);
        float ly = fy - float(y0);
        float lx = fx - float(x0);
        uint base = pc.oi + ch * pc.h * pc.w;
        float top = mix(src[base + y0 * pc.w + x0], src[base + y0 * pc.w + x1], lx);
        float bottom = mix(src[base + y1 * pc.w + x0], src[base + y1 * pc.w + x1], lx);
        dst[pc.oo + idx] = mix(top, bottom, ly);
    }
}
