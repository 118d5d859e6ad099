#version 450
// Y[M,N] = X[M,K] · W[N,K]ᵀ (or X · W[K,N] with flag 16) (+ b) (→ GELU) (× layerScale) (+ R): register-blocked,
// no shared memory. Each invocation computes a 4×4 tile of Y; edges are clamped on
// load and masked on store. Fast on CPU devices (lavapipe), where shared memory is slow.
// K is consumed 4 at a time: lavapipe's LLVM backend ends an invocation's loops after
// 65535 iterations in total, so a plain K loop would silently stop at K = 65535.
#include "common.glsl"
layout(local_size_x = 8, local_size_y = 8) in;
layout(std430, binding = 0) readonly buffer BX { float x[]; };
layout(std430, binding = 1) readonly buffer BW { float w[]; };
layout(std430, binding = 2) readonly buffer BB { float bias[]; };
layout(std430, binding = 3) buffer BY { float y[]; };
layout(std430, binding = 4) readonly buffer BR { float res[]; };
layout(std430, binding = 5) readonly buffer BS { float scale[]; };
layout(push_constant) uniform Push {
    uint ox, ow, ob, oy, orr, os;
    uint M, N, K;
    uint flags; // 1 bias, 2 gelu, 4 layer scale, 8 residual, 16 weight stored [K, N]
} pc;

void main() {
    uint n0 = gl_GlobalInvocationID.x * 4u;
    uint m0 = gl_GlobalInvocationID.y * 4u;
    if (n0 >= pc.N || m0 >= pc.M) return;
    uint K = pc.K;
    uint r0 = pc.ox + min(m0 + 0u, pc.M - 1u) * K;
    uint r1 = pc.ox + min(m0 + 1u, pc.M - 1u) * K;
    uint r2 = pc.ox + min(m0 + 2u, pc.M - 1u) * K;
    uint r3 = pc.ox + min(m0 + 3u, pc.M - 1u) * K;
    uint c0 = pc.ow + min(n0 + 0u, pc.N - 1u) * K;
    uint c1 = pc.ow + min(n0 + 1u, pc.N - 1u) * K;
    uint c2 = pc.ow + min(n0 + 2u, pc.N - 1u) * K;
    uint c3 = pc.ow + min(n0 + 3u, pc.N - 1u) * K;
    vec4 acc0 = vec4(0.0), acc1 = vec4(0.0), acc2 = vec4(0.0), acc3 = vec4(0.0);
    if ((pc.flags & 16u) == 0u) {
        uint k = 0u;
        for (; k + 4u <= K; k += 4u) {
            vec4 w0 = vec4(w[c0 + k], w[c0 + k + 1u], w[c0 + k + 2u], w[c0 + k + 3u]);
            vec4 w1 = vec4(w[c1 + k], w[c1 + k + 1u], w[c1 + k + 2u], w[c1 + k + 3u]);
            vec4 w2 = vec4(w[c2 + k], w[c2 + k + 1u], w[c2 + k + 2u], w[c2 + k + 3u]);
            vec4 w3 = vec4(w[c3 + k], w[c3 + k + 1u], w[c3 + k + 2u], w[c3 + k + 3u]);
            vec4 a0 = vec4(x[r0 + k], x[r0 + k + 1u], x[r0 + k + 2u], x[r0 + k + 3u]);
            vec4 a1 = vec4(x[r1 + k], x[r1 + k + 1u], x[r1 + k + 2u], x[r1 + k + 3u]);
            vec4 a2 = vec4(x[r2 + k], x[r2 + k + 1u], x[r2 + k + 2u], x[r2 + k + 3u]);
            vec4 a3 = vec4(x[r3 + k], x[r3 + k + 1u], x[r3 + k + 2u], x[r3 + k + 3u]);
            acc0 += vec4(dot(a0, w0), dot(a0, w1), dot(a0, w2), dot(a0, w3));
            acc1 += vec4(dot(a1, w0), dot(a1, w1), dot(a1, w2), dot(a1, w3));
            acc2 += vec4(dot(a2, w0), dot(a2, w1), dot(a2, w2), dot(a2, w3));
            acc3 += vec4(dot(a3, w0), dot(a3, w1), dot(a3, w2), dot(a3, w3));
        }
        for (; k < K; ++k) {
            vec4 b = vec4(w[c0 + k], w[c1 + k], w[c2 + k], w[c3 + k]);
            acc0 += x[r0 + k] * b;
            acc1 += x[r1 + k] * b;
            acc2 += x[r2 + k] * b;
            acc3 += x[r3 + k] * b;
        }
    } else {
        // Weight stored [K, N] (in, out): column n of row k at k*N + n.
        uint N = pc.N;
        uint d0 = pc.ow + min(n0 + 0u, N - 1u), d1 = pc.ow + min(n0 + 1u, N - 1u);
        uint d2 = pc.ow + min(n0 + 2u, N - 1u), d3 = pc.ow + min(n0 + 3u, N - 1u);
        uint k = 0u;
        for (; k + 4u <= K; k += 4u) {
            for (uint u = 0u; u < 4u; ++u) { // constant trip count: unrolled by the compiler
                uint kr = (k + u) * N;
                vec4 b = vec4(w[d0 + kr], w[d1 + kr], w[d2 + kr], w[d3 + kr]);
                acc0 += x[r0 + k + u] * b;
                acc1 += x[r1 + k + u] * b;
                acc2 += x[r2 + k + u] * b;
                acc3 += x[r3 + k + u] * b;
            }
        }
        for (; k < K; ++k) {
            uint kr = k * N;
            vec4 b = vec4(w[d0 + kr], w[d1 + kr], w[d2 + kr], w[d3 + kr]);
            acc0 += x[r0 + k] * b;
            acc1 += x[r1 + k] * b;
            acc2 += x[r2 + k] * b;
            acc3 += x[r3 + k] * b;
        }
    }
    vec4 rows[4] = vec4[4](acc0, acc1, acc2, acc3);
    for (uint i = 0u; i < 4u; ++i) {
        uint m = m0 + i;
        if (m >= pc.M) break;
        for (uint j = 0u; j < 4u; ++j) {
            uint n = n0 + j;
            if (n >= pc.N) break;
            float v = rows[i][j];
            if ((pc.flags & 1u) != 0u) v += bias[pc.ob + n];
            if ((pc.flags & 2u) != 0u) v = ms_gelu(v);
            if ((pc.flags & 4u) != 0u) v *= scale[pc.os + n];
            uint idx = m * pc.N + n;
            if ((pc.flags & 8u) != 0u) v += res[pc.orr + idx];
            y[pc.oy + idx] = v;
        }
    }
}
