#version 450
// Y[M,N] = X[M,K] · W[N,K]ᵀ (+ b) (→ GELU) (× layerScale) (+ R), K a multiple of 4, written for CPU
// devices (lavapipe/llvmpipe), which run the 8 invocations of a workgroup as the SIMD lanes of one
// thread. X and W are read as RGBA32F texel buffers: lavapipe fetches one texel (4 floats) for
// all 8 lanes without branches, where it loads storage buffers one lane at a time.
// Strided and batched: row m of X starts at texel xRow·m (+ xBatch·z for batch z = workgroup z),
// row n of W at wRow·n (+ wBatch·z), and Y[m, n] sits at yRow·m + yCol·n (+ yBatch·z), so heads
// of attention read Q, K and V in place and Y can be written transposed (yRow 1, yCol M).
// - lane l owns columns nb + l + 8·j (j < NT) and fetches 4 k of its weight row per texel;
// - the MT rows of X are shared: lane l fetches texel l of the next 32 k of each row, and the
//   8 texels are broadcast from their lanes (subgroup broadcast: a register shuffle);
// - MT×NT accumulators per lane live in registers: tile sizes are specialization constants, so
//   the inner loops unroll; no shared memory, no barriers.
// The K loop steps 32 at a time (lavapipe ends an invocation's loops after 65535 iterations).
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_ballot : require
#include "common.glsl"
layout(local_size_x = 8) in; // one subgroup: the 8 SIMD lanes of one lavapipe thread
layout(constant_id = 0) const uint MT = 4u; // rows per workgroup, shared by all lanes
layout(constant_id = 1) const uint NT = 2u; // columns per lane, 8 apart
layout(binding = 0) uniform samplerBuffer X;
layout(binding = 1) uniform samplerBuffer W;
layout(std430, binding = 2) readonly buffer BB { float bias[]; };
layout(std430, binding = 3) buffer BY { float y[]; };
layout(std430, binding = 4) readonly buffer BR { float res[]; };
layout(std430, binding = 5) readonly buffer BS { float scale[]; };
layout(push_constant) uniform Push {
    uint ox, ow, ob, oy, orr, os; // ox, ow in texels
    uint M, N, K;
    uint flags; // 1 bias, 2 gelu, 4 layer scale, 8 residual
    uint xRow, wRow, xBatch, wBatch; // in texels
    uint yRow, yCol, yBatch; // in floats
} pc;

// acc += a · b over the 4 k of one texel.
#define FMA4(acc, a, b) acc = fma(a.w, b.w, fma(a.z, b.z, fma(a.y, b.y, fma(a.x, b.x, acc))))

// Texel s of the 8 fetched per row: lane s's X texel broadcast (the lane must be a literal).
#define STEP(s) { \
    vec4 wv[NT]; \
    [[unroll]] for (uint j = 0u; j < NT; ++j) wv[j] = texelFetch(W, int(wcol[j] + q + s)); \
    [[unroll]] for (uint i = 0u; i < MT; ++i) { \
        vec4 a = subgroupBroadcast(xs[i], s); \
        [[unroll]] for (uint j = 0u; j < NT; ++j) FMA4(acc[i][j], a, wv[j]); \
    } \
}

void main() {
    uint lane = gl_LocalInvocationID.x;
    uint nb = gl_WorkGroupID.x * 8u * NT;
    uint mb = gl_WorkGroupID.y * MT;
    uint z = gl_WorkGroupID.z;
    uint M = pc.M, N = pc.N, K4 = pc.K / 4u;
    uint xrow[MT];
    [[unroll]] for (uint i = 0u; i < MT; ++i) xrow[i] = pc.ox + z * pc.xBatch + min(mb + i, M - 1u) * pc.xRow;
    uint wcol[NT];
    [[unroll]] for (uint j = 0u; j < NT; ++j) wcol[j] = pc.ow + z * pc.wBatch + min(nb + 8u * j + lane, N - 1u) * pc.wRow;
    float acc[MT][NT];
    [[unroll]] for (uint i = 0u; i < MT; ++i) {
        [[unroll]] for (uint j = 0u; j < NT; ++j) acc[i][j] = 0.0;
    }
    uint q = 0u; // texel along k
    for (; q + 8u <= K4; q += 8u) {
        vec4 xs[MT];
        [[unroll]] for (uint i = 0u; i < MT; ++i) xs[i] = texelFetch(X, int(xrow[i] + q + lane));
        STEP(0u) STEP(1u) STEP(2u) STEP(3u) STEP(4u) STEP(5u) STEP(6u) STEP(7u)
    }
    for (; q < K4; ++q) {
        vec4 wv[NT];
        [[unroll]] for (uint j = 0u; j < NT; ++j) wv[j] = texelFetch(W, int(wcol[j] + q));
        [[unroll]] for (uint i = 0u; i < MT; ++i) {
            vec4 a = texelFetch(X, int(xrow[i] + q));
            [[unroll]] for (uint j = 0u; j < NT; ++j) FMA4(acc[i][j], a, wv[j]);
        }
    }
    [[unroll]] for (uint j = 0u; j < NT; ++j) {
        uint n = nb + 8u * j + lane;
        if (n >= N) continue;
        float b = (pc.flags & 1u) != 0u ? bias[pc.ob + n] : 0.0;
        float s = (pc.flags & 4u) != 0u ? scale[pc.os + n] : 1.0;
        [[unroll]] for (uint i = 0u; i < MT; ++i) {
            uint m = mb + i;
            if (m >= M) break;
            float v = acc[i][j] + b;
            if ((pc.flags & 2u) != 0u) v = ms_gelu(v);
            v *= s;
            uint idx = z * pc.yBatch + m * pc.yRow + n * pc.yCol;
            if ((pc.flags & 8u) != 0u) v += res[pc.orr + idx];
            y[pc.oy + idx] = v;
        }
    }
}
