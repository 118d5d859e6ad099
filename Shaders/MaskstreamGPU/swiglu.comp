#version 450
// SwiGLU as transformers' Dinov2 SwiGLUFFN: hidden [rows, 2h] = [x1 | x2],
// out[r, i] = silu(x1[r, i]) * x2[r, i], out [rows, h].
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BH { float hid[]; };
layout(std430, binding = 1) writeonly buffer BO { float o[]; };
layout(push_constant) uniform Push { uint oh, oo; uint rows, half_; } pc;
void main() {
    uint total = pc.rows * pc.half_;
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint i = gl_GlobalInvocationID.x; i < total; i += stride) {
        uint r = i / pc.half_;
        uint c = i % pc.half_;
        uint base = pc.oh + r * 2u * pc.half_;
        o[pc.oo + i] = ms_silu(hid[base + c]) * hid[base + pc.half_ + c];
    }
}
