// Y[M,N] = X[M,K] · W[N,K]ᵀ (+ b) (→ GELU) (× layerScale) (+ R), K a multiple of 4, written for CPU
// devices (lavapipe/llvmpipe), which run the 8 invocations of a workgroup as the SIMD lanes of one
// thread. X and W are read as RGBA32F texel buffers: lavapipe fetches one texel (4 floats) for
// all 8 lanes without branches, where it loads storage buffers one lane at a time. A fetch is a
// call that spills every live vector register, so the kernel keeps few live and fetches little:
// - per texel of k, lane l fetches row mb + l (+ 8) of X, and each row is broadcast from its lane
//   (subgroup broadcast: a register shuffle), so X costs MT / 8 fetches per 4 k;
// - lane l owns columns nb + l + 8·j (j < NT) and fetches 4 k of each of its weight rows;
// - MT×NT accumulators per lane live in registers: tile sizes are specialization constants
//   (MT 8 or 16), so the inner loops unroll; no shared memory, no barriers.
// 16 rows × 2 columns per lane ran at 44 GFLOP/s on 2 Zen cores (Mesa 25.0.7), 3× the design
// that fetched 8 texels of each X row per lane and kept them live (benchmarks/RESULTS.md).
// Strided and batched: row m of X starts at texel xRow·m (+ xBatch·z for batch z = workgroup z),
// row n of W at wRow·n (+ wBatch·z), and Y[m, n] sits at yRow·m + yCol·n (+ yBatch·z), so heads
// of attention read Q, K and V in place and Y can be written transposed (yRow 1, yCol M).
// A row softmax can be fused around attention's two products (MODE, a specialization constant):
// - MODE 1 (Q·Kᵀ): the epilogue writes exp(scale·s − m_b), m_b the row's max over this workgroup's
//   8·NT columns (block b = workgroup x), zeros the padding up to whole texels, and writes the
//   pair (m_b, Σ exp) to binding 5 at 2·((z·M + m)·blocks + b);
// - MODE 2 (P·V): X's elements in k-block b (blockTexels texels each) of row r are multiplied by
//   the factor exp(m_b − max_b m_b) that softmax_block_factors left at binding 4, 2·(r·blocks + b),
//   and the row scale (flag 32) is 1 / Σ. No pass of its own over the score matrix.
// Included by linear_texels.comp (fp32 or RGBA16F weights: 4 k per texel) and linear_texels_h8.comp,
// which defines W_HALF8: the weights are fp16 read as RGBA32UI texels, 8 k per fetch (two halves per
// word, unpacked to fp32), so a lane fetches its weights half as often; MODE must be 0 there.
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "common.glsl"
layout(local_size_x = 8) in; // one subgroup: the 8 SIMD lanes of one lavapipe thread
layout(constant_id = 0) const uint MT = 16u; // rows per workgroup (8 or 16), shared by all lanes
layout(constant_id = 1) const uint NT = 2u; // columns per lane, 8 apart
layout(constant_id = 2) const uint MODE = 0u; // 0 plain, 1 softmax partials epilogue, 2 block factors
layout(binding = 0) uniform samplerBuffer X;
#ifdef W_HALF8
layout(binding = 1) uniform usamplerBuffer W; // 8 halves per texel; ow, wRow, wBatch count these texels
#else
layout(binding = 1) uniform samplerBuffer W;
#endif
layout(std430, binding = 2) readonly buffer BB { float bias[]; };
layout(std430, binding = 3) buffer BY { float y[]; };
layout(std430, binding = 4) readonly buffer BR { float res[]; };
layout(std430, binding = 5) buffer BS { float scale[]; };
layout(push_constant) uniform Push {
    uint ox, ow, ob, oy, orr, os; // ox, ow in texels
    uint M, N, K;
    uint flags; // 1 bias, 2 gelu, 4 layer scale, 8 residual, 32 row scale (scale[z·M + m])
    uint xRow, wRow, xBatch, wBatch; // in texels
    uint yRow, yCol, yBatch; // in floats
    float softmaxScale; // MODE 1
    uint blocks; // MODE 1 and 2: column blocks per row of the score matrix
    uint blockTexels; // MODE 2: texels of k per block
} pc;

// acc += a · b over the 4 k of one texel.
#define FMA4(acc, a, b) acc = fma(a.w, b.w, fma(a.z, b.z, fma(a.y, b.y, fma(a.x, b.x, acc))))

// Row i's 4 k, fetched by lane i % 8 into xs[i / 8], broadcast to all lanes (a literal lane).
#define ROW(i) { \
    vec4 a = subgroupBroadcast(xs[(i) / 8u], (i) % 8u); \
    [[unroll]] for (uint j = 0u; j < NT; ++j) FMA4(acc[i][j], a, wv[j]); \
}

void main() {
    uint lane = gl_LocalInvocationID.x;
    uint nb = gl_WorkGroupID.x * 8u * NT;
    uint mb = gl_WorkGroupID.y * MT;
    uint z = gl_WorkGroupID.z;
    uint M = pc.M, N = pc.N, K4 = pc.K / 4u;
    // Lane l fetches rows mb + l + 8·r.
    uint xrow[MT / 8u];
    [[unroll]] for (uint r = 0u; r < MT / 8u; ++r) xrow[r] = pc.ox + z * pc.xBatch + min(mb + lane + 8u * r, M - 1u) * pc.xRow;
    uint wcol[NT];
    [[unroll]] for (uint j = 0u; j < NT; ++j) wcol[j] = pc.ow + z * pc.wBatch + min(nb + 8u * j + lane, N - 1u) * pc.wRow;
    float acc[MT][NT];
    [[unroll]] for (uint i = 0u; i < MT; ++i) {
        [[unroll]] for (uint j = 0u; j < NT; ++j) acc[i][j] = 0.0;
    }
    // MODE 2: the factor of each fetched row's current k-block, reloaded when a block starts.
    float fx[MT / 8u];
    uint fbase[MT / 8u];
    if (MODE == 2u) {
        [[unroll]] for (uint r = 0u; r < MT / 8u; ++r) {
            fbase[r] = pc.orr + 2u * (z * M + min(mb + lane + 8u * r, M - 1u)) * pc.blocks;
        }
    }
#ifdef W_HALF8
    for (uint q = 0u; q < K4; q += 2u) { // two texels of X along k, one of W
        uvec4 packed[NT];
        [[unroll]] for (uint j = 0u; j < NT; ++j) packed[j] = texelFetch(W, int(wcol[j] + q / 2u));
        {
            vec4 xs[MT / 8u];
            [[unroll]] for (uint r = 0u; r < MT / 8u; ++r) xs[r] = texelFetch(X, int(xrow[r] + q));
            vec4 wv[NT];
            [[unroll]] for (uint j = 0u; j < NT; ++j) {
                wv[j] = vec4(unpackHalf2x16(packed[j].x), unpackHalf2x16(packed[j].y));
            }
            ROW(0u) ROW(1u) ROW(2u) ROW(3u) ROW(4u) ROW(5u) ROW(6u) ROW(7u)
            if (MT > 8u) { ROW(8u) ROW(9u) ROW(10u) ROW(11u) ROW(12u) ROW(13u) ROW(14u) ROW(15u) }
        }
        {
            vec4 xs[MT / 8u];
            [[unroll]] for (uint r = 0u; r < MT / 8u; ++r) xs[r] = texelFetch(X, int(xrow[r] + q + 1u));
            vec4 wv[NT];
            [[unroll]] for (uint j = 0u; j < NT; ++j) {
                wv[j] = vec4(unpackHalf2x16(packed[j].z), unpackHalf2x16(packed[j].w));
            }
            ROW(0u) ROW(1u) ROW(2u) ROW(3u) ROW(4u) ROW(5u) ROW(6u) ROW(7u)
            if (MT > 8u) { ROW(8u) ROW(9u) ROW(10u) ROW(11u) ROW(12u) ROW(13u) ROW(14u) ROW(15u) }
        }
    }
#else
    uint left = 0u;
    for (uint q = 0u; q < K4; ++q) { // texel along k
        if (MODE == 2u) {
            if (left == 0u) {
                [[unroll]] for (uint r = 0u; r < MT / 8u; ++r) fx[r] = res[fbase[r] + 2u * (q / pc.blockTexels)];
                left = pc.blockTexels;
            }
            --left;
        }
        vec4 xs[MT / 8u];
        [[unroll]] for (uint r = 0u; r < MT / 8u; ++r) xs[r] = texelFetch(X, int(xrow[r] + q));
        if (MODE == 2u) {
            [[unroll]] for (uint r = 0u; r < MT / 8u; ++r) xs[r] *= fx[r];
        }
        vec4 wv[NT];
        [[unroll]] for (uint j = 0u; j < NT; ++j) wv[j] = texelFetch(W, int(wcol[j] + q));
        ROW(0u) ROW(1u) ROW(2u) ROW(3u) ROW(4u) ROW(5u) ROW(6u) ROW(7u)
        if (MT > 8u) { ROW(8u) ROW(9u) ROW(10u) ROW(11u) ROW(12u) ROW(13u) ROW(14u) ROW(15u) }
    }
#endif
    if (MODE == 1u) {
        // Softmax partials of this block's columns, row by row (every lane takes part: subgroup ops).
        uint npad = (N + 3u) & ~3u;
        [[unroll]] for (uint i = 0u; i < MT; ++i) {
            uint m = mb + i;
            if (m >= M) break; // the same for all lanes
            float mx = -3.402823e38;
            [[unroll]] for (uint j = 0u; j < NT; ++j) {
                if (nb + 8u * j + lane < N) mx = max(mx, acc[i][j] * pc.softmaxScale);
            }
            mx = subgroupMax(mx);
            float sum = 0.0;
            [[unroll]] for (uint j = 0u; j < NT; ++j) {
                uint n = nb + 8u * j + lane;
                float e = n < N ? exp(acc[i][j] * pc.softmaxScale - mx) : 0.0;
                sum += e;
                if (n < npad) y[pc.oy + z * pc.yBatch + m * pc.yRow + n * pc.yCol] = e;
            }
            sum = subgroupAdd(sum);
            if (lane == 0u) {
                uint at = pc.os + 2u * ((z * M + m) * pc.blocks + gl_WorkGroupID.x);
                scale[at] = mx;
                scale[at + 1u] = sum;
            }
        }
        return;
    }
    [[unroll]] for (uint j = 0u; j < NT; ++j) {
        uint n = nb + 8u * j + lane;
        if (n >= N) continue;
        float b = (pc.flags & 1u) != 0u ? bias[pc.ob + n] : 0.0;
        float s = (pc.flags & 4u) != 0u ? scale[pc.os + n] : 1.0;
        [[unroll]] for (uint i = 0u; i < MT; ++i) {
            uint m = mb + i;
            if (m >= M) break;
            float v = acc[i][j];
            if ((pc.flags & 32u) != 0u) v *= scale[pc.os + z * M + m];
            v += b;
            if ((pc.flags & 2u) != 0u) v = ms_gelu(v);
            v *= s;
            uint idx = z * pc.yBatch + m * pc.yRow + n * pc.yCol;
            if ((pc.flags & 8u) != 0u) v += res[pc.orr + idx];
            y[pc.oy + idx] = v;
        }
    }
}
