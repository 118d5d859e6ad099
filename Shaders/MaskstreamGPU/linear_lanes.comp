#version 450
// Y[M,N] = X[M,K] · W[K,N] (flag 16) or X · W[N,K]ᵀ (+ b) (→ GELU) (× layerScale) (+ R), written for
// CPU devices (lavapipe/llvmpipe), which run the 8 invocations of a workgroup as the SIMD lanes of
// one thread:
// - lane l owns columns nb + l + 8·j (j < NT): with W stored [K, N] the 8 lanes read 8 adjacent
//   floats of one weight row (a vector load);
// - all lanes share the MT rows of X, so each X element is one uniform load broadcast to the lanes;
// - MT×NT accumulators per lane live in registers: tile sizes are specialization constants, so
//   every inner loop has a compile-time trip count and unrolls; no shared memory, no barriers.
// The K loop steps 8 at a time (lavapipe ends an invocation's loops after 65535 iterations in
// total). Edges are clamped on load and masked on store.
#extension GL_EXT_control_flow_attributes : require
#extension GL_EXT_buffer_reference : require
#extension GL_KHR_shader_subgroup_ballot : require
#include "common.glsl"
layout(local_size_x = 8) in; // one subgroup: the 8 SIMD lanes of one lavapipe thread
layout(constant_id = 0) const uint MT = 6u; // rows per workgroup, shared by all lanes
layout(constant_id = 1) const uint NT = 2u; // columns per lane, 8 apart
// Device addresses, not descriptors: lavapipe loads storage buffers one lane at a time with a
// bounds check each, but physical-storage-buffer loads as one masked gather.
layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer Floats { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer OutFloats { float v[]; };
layout(push_constant) uniform Push {
    uint offsets[6]; // the descriptor convention's offsets, unused: the addresses include them
    uint M, N, K;
    uint flags; // 1 bias, 2 gelu, 4 layer scale, 8 residual, 16 weight stored [K, N]
    Floats x, w, bias;
    OutFloats y;
    Floats res, scale;
} pc;

// One k of the 8: lane u's X values broadcast to all lanes (the broadcast lane must be a literal).
#define STEP(u) { \
    uint wk = (k + u) * kStride; \
    float wv[NT]; \
    [[unroll]] for (uint j = 0u; j < NT; ++j) wv[j] = pc.w.v[colOffset[j] + wk]; \
    [[unroll]] for (uint i = 0u; i < MT; ++i) { \
        float a = subgroupBroadcast(xs[i], u); \
        [[unroll]] for (uint j = 0u; j < NT; ++j) acc[i][j] += a * wv[j]; \
    } \
}

void main() {
    uint lane = gl_LocalInvocationID.x;
    uint nb = gl_WorkGroupID.x * 8u * NT;
    uint mb = gl_WorkGroupID.y * MT;
    uint M = pc.M, N = pc.N, K = pc.K;
    uint rows[MT];
    [[unroll]] for (uint i = 0u; i < MT; ++i) rows[i] = min(mb + i, M - 1u) * K;
    // Element (k, column j) of W sits at colOffset[j] + k·kStride.
    bool inputMajor = (pc.flags & 16u) != 0u;
    uint kStride = inputMajor ? N : 1u;
    uint colOffset[NT];
    [[unroll]] for (uint j = 0u; j < NT; ++j) {
        uint n = min(nb + 8u * j + lane, N - 1u);
        colOffset[j] = inputMajor ? n : n * K;
    }
    float acc[MT][NT];
    [[unroll]] for (uint i = 0u; i < MT; ++i) {
        [[unroll]] for (uint j = 0u; j < NT; ++j) acc[i][j] = 0.0;
    }
    uint k = 0u;
    // 8 k at a time: lane l loads X[row, k + l] (adjacent addresses), then each of the 8 values
    // is broadcast from its lane, so a row of X costs one gather per 8 k.
    for (; k + 8u <= K; k += 8u) {
        float xs[MT];
        [[unroll]] for (uint i = 0u; i < MT; ++i) xs[i] = pc.x.v[rows[i] + k + lane];
        STEP(0u) STEP(1u) STEP(2u) STEP(3u) STEP(4u) STEP(5u) STEP(6u) STEP(7u)
    }
    for (; k < K; ++k) {
        uint wk = k * kStride;
        float wv[NT];
        [[unroll]] for (uint j = 0u; j < NT; ++j) wv[j] = pc.w.v[colOffset[j] + wk];
        [[unroll]] for (uint i = 0u; i < MT; ++i) {
            float a = pc.x.v[rows[i] + k];
            [[unroll]] for (uint j = 0u; j < NT; ++j) acc[i][j] += a * wv[j];
        }
    }
    [[unroll]] for (uint j = 0u; j < NT; ++j) {
        uint n = nb + 8u * j + lane;
        if (n >= N) continue;
        float b = (pc.flags & 1u) != 0u ? pc.bias.v[n] : 0.0;
        float s = (pc.flags & 4u) != 0u ? pc.scale.v[n] : 1.0;
        [[unroll]] for (uint i = 0u; i < MT; ++i) {
            uint m = mb + i;
            if (m >= M) break;
            float v = acc[i][j] + b;
            if ((pc.flags & 2u) != 0u) v = ms_gelu(v);
            v *= s;
            uint idx = m * N + n;
            if ((pc.flags & 8u) != 0u) v += pc.res.v[idx];
            pc.y.v[idx] = v;
        }
    }
}
