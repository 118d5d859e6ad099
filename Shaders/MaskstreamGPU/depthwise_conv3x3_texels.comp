#version 450
// Depthwise Conv2d 3×3, padding 1, stride 1, channels-last in and out ([H·W, C] → [H·W, C],
// C a multiple of 4), for CPU devices (lavapipe), which run a workgroup's 8 invocations as the
// SIMD lanes of one thread: lane l owns 4 channels (one RGBA32F texel) of 32, so every fetch and
// store covers 8 adjacent texels. The weight is tap-major [9, C] (tap = 3·(dy + 1) + dx + 1), so a
// lane's 9 weight texels are fetched once. A workgroup walks RUN pixels of one row, keeping the
// 3×3 window of input texels in registers and fetching one new column (3 texels) per pixel.
// Out-of-image taps are skipped; the conditions depend on the workgroup only (no lane branches).
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 8) in;
layout(binding = 0) uniform samplerBuffer X; // [H·W, C/4] texels
layout(binding = 1) uniform samplerBuffer W; // [9, C/4] texels
layout(std430, binding = 2) readonly buffer BB { vec4 bias[]; }; // [C/4] (flag 1)
layout(std430, binding = 3) writeonly buffer BO { vec4 dst[]; }; // [H·W, C/4]
layout(push_constant) uniform Push {
    uint ox, ow, ob, oo; // ox, ow in texels; ob, oo in floats (multiples of 4)
    uint c4, h, w, flags, run;
} pc;

vec4 pixel(int y, int x, uint c) {
    return (y < 0 || y >= int(pc.h) || x < 0 || x >= int(pc.w))
        ? vec4(0.0) : texelFetch(X, int(pc.ox + (uint(y) * pc.w + uint(x)) * pc.c4 + c));
}

void main() {
    uint c = gl_WorkGroupID.x * 8u + gl_LocalInvocationID.x;
    if (c >= pc.c4) return;
    int y = int(gl_WorkGroupID.y);
    int x0 = int(gl_WorkGroupID.z * pc.run);
    int x1 = min(x0 + int(pc.run), int(pc.w));
    vec4 k[9];
    [[unroll]] for (uint t = 0u; t < 9u; ++t) k[t] = texelFetch(W, int(pc.ow + t * pc.c4 + c));
    vec4 b = (pc.flags & 1u) != 0u ? bias[pc.ob / 4u + c] : vec4(0.0);
    // Window columns x - 1 (l*) and x (m*), rows y - 1, y, y + 1.
    vec4 l0 = pixel(y - 1, x0 - 1, c), l1 = pixel(y, x0 - 1, c), l2 = pixel(y + 1, x0 - 1, c);
    vec4 m0 = pixel(y - 1, x0, c), m1 = pixel(y, x0, c), m2 = pixel(y + 1, x0, c);
    for (int x = x0; x < x1; ++x) {
        vec4 r0 = pixel(y - 1, x + 1, c), r1 = pixel(y, x + 1, c), r2 = pixel(y + 1, x + 1, c);
        vec4 acc = b;
        acc = fma(l0, k[0], acc); acc = fma(m0, k[1], acc); acc = fma(r0, k[2], acc);
        acc = fma(l1, k[3], acc); acc = fma(m1, k[4], acc); acc = fma(r1, k[5], acc);
        acc = fma(l2, k[6], acc); acc = fma(m2, k[7], acc); acc = fma(r2, k[8], acc);
        dst[pc.oo / 4u + (uint(y) * pc.w + uint(x)) * pc.c4 + c] = acc;
        l0 = m0; l1 = m1; l2 = m2;
        m0 = r0; m1 = r1; m2 = r2;
    }
}
