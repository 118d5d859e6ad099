#version 450
// LayerNorm2d on CHW: at each pixel normalize over the C channels (biased variance),
// then per-channel gamma/beta. One invocation per pixel; y may alias x.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BX { float x[]; };
layout(std430, binding = 1) readonly buffer BG { float gamma[]; };
layout(std430, binding = 2) readonly buffer BB { float beta[]; };
layout(std430, binding = 3) buffer BY { float y[]; };
layout(push_constant) uniform Push { uint ox, og, ob, oy; uint c, pixels; float eps; } pc;
void main() {
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint p = gl_GlobalInvocationID.x; p < pc.pixels; p += stride) {
        float s = 0.0;
        for (uint ch = 0u; ch < pc.c; ++ch) s += x[pc.ox + ch * pc.pixels + p];
        float mean = s / float(pc.c);
        float q = 0.0;
        for (uint ch = 0u; ch < pc.c; ++ch) { float d = x[pc.ox + ch * pc.pixels + p] - mean; q += d * d; }
        float inv = inversesqrt(q / float(pc.c) + pc.eps);
        for (uint ch = 0u; ch < pc.c; ++ch) {
            float v = (x[pc.ox + ch * pc.pixels + p] - mean) * inv;
            y[pc.oy + ch * pc.pixels + p] = v * gamma[pc.og + ch] + beta[pc.ob + ch];
        }
    }
}
