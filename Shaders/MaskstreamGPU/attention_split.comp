#version 450
// Multi-head attention without mask, O = softmax(Q Kᵀ · scale) V, for long sequences on every
// device. One workgroup per (query row, head); its 32 invocations each stream every 32nd key
// with an online softmax, then the partial (max, sum, accumulator) triples are merged through
// shared memory. Each invocation runs about seq/32 · (2·headDim + 2) loop iterations, which
// keeps lavapipe (whose LLVM backend stops loops after 65535 iterations per invocation) exact
// for ViT sequence lengths. Same bindings and push constants as attention.comp.
layout(local_size_x = 32) in;
layout(std430, binding = 0) readonly buffer BQ { float q[]; };
layout(std430, binding = 1) readonly buffer BK { float k[]; };
layout(std430, binding = 2) readonly buffer BV { float v[]; };
layout(std430, binding = 3) writeonly buffer BO { float o[]; };
layout(push_constant) uniform Push {
    uint oq, ok, ov, oo;
    uint seq, heads, headDim;
    float scale;
    uint ldq, ldk, ldv, ldo;
} pc;

const uint THREADS = 32u;
const uint MAX_DIM = 128u;

shared float sMax[THREADS];
shared float sSum[THREADS];
shared float sAcc[THREADS * MAX_DIM];
shared float sFactor[THREADS];
shared float sDenom;

void main() {
    uint i = gl_WorkGroupID.x;
    uint h = gl_WorkGroupID.y;
    uint t = gl_LocalInvocationID.x;
    uint D = pc.headDim;
    uint col = h * D;
    float qv[MAX_DIM];
    float acc[MAX_DIM];
    for (uint d = 0u; d < D; ++d) {
        qv[d] = q[pc.oq + i * pc.ldq + col + d] * pc.scale;
        acc[d] = 0.0;
    }
    float runningMax = -3.402823e38;
    float sum = 0.0;
    for (uint j = t; j < pc.seq; j += THREADS) {
        uint kb = pc.ok + j * pc.ldk + col;
        float s = 0.0;
        for (uint d = 0u; d < D; ++d) s += qv[d] * k[kb + d];
        float newMax = max(runningMax, s);
        float correction = exp(runningMax - newMax);
        float p = exp(s - newMax);
        sum = sum * correction + p;
        uint vb = pc.ov + j * pc.ldv + col;
        for (uint d = 0u; d < D; ++d) acc[d] = acc[d] * correction + p * v[vb + d];
        runningMax = newMax;
    }
    sMax[t] = runningMax;
    sSum[t] = sum;
    for (uint d = 0u; d < D; ++d) sAcc[t * MAX_DIM + d] = acc[d];
    barrier();
    if (t == 0u) {
        float m = -3.402823e38;
        for (uint u = 0u; u < THREADS; ++u) if (sSum[u] > 0.0) m = max(m, sMax[u]);
        float denom = 0.0;
        for (uint u = 0u; u < THREADS; ++u) {
            float f = sSum[u] > 0.0 ? exp(sMax[u] - m) : 0.0;
            sFactor[u] = f;
            denom += sSum[u] * f;
        }
        sDenom = denom;
    }
    barrier();
    float inv = 1.0 / sDenom;
    for (uint d = t; d < D; d += THREADS) {
        float r = 0.0;
        for (uint u = 0u; u < THREADS; ++u) r += sAcc[u * MAX_DIM + d] * sFactor[u];
        o[pc.oo + i * pc.ldo + col + d] = r * inv;
    }
}
