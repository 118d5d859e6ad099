#version 450
// Multi-head attention without mask: O = softmax(Q Kᵀ · scale) V per head.
// Q, K, V, O are [seq, heads*headDim] row-major with row strides ldq/ldk/ldv/ldo (in floats),
// so fused QKV projections can be read in place. One invocation per (query, head):
// online (streaming) softmax over keys in blocks of 16, accumulators in registers.
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

const uint MAX_DIM = 128u;
const uint BLOCK = 16u;

void main() {
    uint i = gl_GlobalInvocationID.x;
    uint h = gl_WorkGroupID.y;
    if (i >= pc.seq || h >= pc.heads) return;
    uint D = pc.headDim;
    uint col = h * D;
    float qv[MAX_DIM];
    float acc[MAX_DIM];
    for (uint d = 0u; d < D; ++d) {
        qv[d] = q[pc.oq + i * pc.ldq + col + d] * pc.scale;
        acc[d] = 0.0;
    }
    float runningMax = -3.402823e38;
    float denom = 0.0;
    float s[BLOCK];
    for (uint j0 = 0u; j0 < pc.seq; j0 += BLOCK) {
        uint count = min(BLOCK, pc.seq - j0);
        float blockMax = runningMax;
        for (uint b = 0u; b < count; ++b) {
            uint kb = pc.ok + (j0 + b) * pc.ldk + col;
            float dotv = 0.0;
            for (uint d = 0u; d < D; ++d) dotv += qv[d] * k[kb + d];
            s[b] = dotv;
            blockMax = max(blockMax, dotv);
        }
        float correction = exp(runningMax - blockMax);
        denom *= correction;
        for (uint d = 0u; d < D; ++d) acc[d] *= correction;
        runningMax = blockMax;
        for (uint b = 0u; b < count; ++b) {
            float p = exp(s[b] - runningMax);
            denom += p;
            uint vb = pc.ov + (j0 + b) * pc.ldv + col;
            for (uint d = 0u; d < D; ++d) acc[d] += p * v[vb + d];
        }
    }
    float inv = 1.0 / denom;
    uint ob = pc.oo + i * pc.ldo + col;
    for (uint d = 0u; d < D; ++d) o[ob + d] = acc[d] * inv;
}
