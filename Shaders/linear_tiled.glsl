// Same contract as linear_rb.comp, with shared-memory tiling: a 16×16 workgroup
// computes a 64×64 tile of Y, staging 64×16 slices of X and W in shared memory;
// each invocation owns a 4×4 strided sub-tile. The variant for real GPUs.
// Included by linear_tiled.comp (fp32 weights) and linear_tiled_f16.comp, which defines
// W_ELEMENT float16_t: weights are stored as halves and widened to fp32 as they are staged,
// so accumulation stays fp32.
#ifndef W_ELEMENT
#define W_ELEMENT float
#endif
#include "common.glsl"
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly buffer BX { float x[]; };
layout(std430, binding = 1) readonly buffer BW { W_ELEMENT w[]; };
layout(std430, binding = 2) readonly buffer BB { float bias[]; };
layout(std430, binding = 3) buffer BY { float y[]; };
layout(std430, binding = 4) readonly buffer BR { float res[]; };
layout(std430, binding = 5) readonly buffer BS { float scale[]; };
layout(push_constant) uniform Push {
    uint ox, ow, ob, oy, orr, os;
    uint M, N, K;
    uint flags; // 1 bias, 2 gelu, 4 layer scale, 8 residual, 16 weight stored [K, N]
} pc;

const uint TILE = 64u;
const uint BK = 16u;
shared float xs[BK][TILE + 1u];
shared float ws[BK][TILE + 1u];

void main() {
    uint tx = gl_LocalInvocationID.x;
    uint ty = gl_LocalInvocationID.y;
    uint tid = ty * 16u + tx;
    uint mBase = gl_WorkGroupID.y * TILE;
    uint nBase = gl_WorkGroupID.x * TILE;
    float acc[4][4];
    for (uint i = 0u; i < 4u; ++i) for (uint j = 0u; j < 4u; ++j) acc[i][j] = 0.0;

    for (uint k0 = 0u; k0 < pc.K; k0 += BK) {
        // 64 rows × 16 k of X and of W: 1024 values each, 4 per invocation.
        for (uint e = tid; e < TILE * BK; e += 256u) {
            uint row = e / BK;
            uint kk = e % BK;
            uint k = k0 + kk;
            uint m = mBase + row;
            uint n = nBase + row;
            xs[kk][row] = (m < pc.M && k < pc.K) ? x[pc.ox + m * pc.K + k] : 0.0;
            uint wi = (pc.flags & 16u) != 0u ? k * pc.N + n : n * pc.K + k;
            ws[kk][row] = (n < pc.N && k < pc.K) ? float(w[pc.ow + wi]) : 0.0;
        }
        barrier();
        for (uint kk = 0u; kk < BK; ++kk) {
            float a[4];
            float b[4];
            for (uint i = 0u; i < 4u; ++i) a[i] = xs[kk][ty + 16u * i];
            for (uint j = 0u; j < 4u; ++j) b[j] = ws[kk][tx + 16u * j];
            for (uint i = 0u; i < 4u; ++i) for (uint j = 0u; j < 4u; ++j) acc[i][j] += a[i] * b[j];
        }
        barrier();
    }
    for (uint i = 0u; i < 4u; ++i) {
        uint m = mBase + ty + 16u * i;
        if (m >= pc.M) continue;
        for (uint j = 0u; j < 4u; ++j) {
            uint n = nBase + tx + 16u * j;
            if (n >= pc.N) continue;
            float v = acc[i][j];
            if ((pc.flags & 1u) != 0u) v += bias[pc.ob + n];
            if ((pc.flags & 2u) != 0u) v = ms_gelu(v);
            if ((pc.flags & 4u) != 0u) v *= scale[pc.os + n];
            uint idx = m * pc.N + n;
            if ((pc.flags & 8u) != 0u) v += res[pc.orr + idx];
            y[pc.oy + idx] = v;
        }
    }
}
