#version 450
// Multi-head attention without mask: O = softmax(Q Kᵀ · scale) V per head.
// Q, K, V, O are [seq, heads*headDim] row-major with row strides ldq/ldk/ldv/ldo (in floats),
// so fused QKV projections can be read in place. One invocation per (query, head) with an
// online (streaming) softmax; keys are taken 4 at a time and the head dimension 4 lanes at a
// time, so an invocation runs about seq/4 · (headDim/2 + 1) loop iterations: lavapipe's LLVM
// backend ends an invocation's loops after 65535 iterations in total, and this stays below
// that up to seq 4000 at headDim 128 (the Swift side checks).
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

const uint MAX_QUADS = 32u; // headDim ≤ 128

// 4 consecutive floats of a row starting at element d of a head (clamped inside the head).
vec4 loadK(uint base, uint d, uint last) {
    return vec4(k[base + min(d, last)], k[base + min(d + 1u, last)], k[base + min(d + 2u, last)], k[base + min(d + 3u, last)]);
}
vec4 loadV(uint base, uint d, uint last) {
    return vec4(v[base + min(d, last)], v[base + min(d + 1u, last)], v[base + min(d + 2u, last)], v[base + min(d + 3u, last)]);
}

void main() {
    uint i = gl_GlobalInvocationID.x;
    uint h = gl_WorkGroupID.y;
    if (i >= pc.seq || h >= pc.heads) return;
    uint D = pc.headDim;
    uint last = D - 1u;
    uint quads = (D + 3u) / 4u;
    uint col = h * D;
    vec4 qv[MAX_QUADS];
    vec4 acc[MAX_QUADS];
    uint qb = pc.oq + i * pc.ldq + col;
    for (uint c = 0u; c < quads; ++c) {
        uint d = c * 4u;
        // Lanes past headDim are zero so they add nothing to the dot products.
        qv[c] = vec4(q[qb + min(d, last)], d + 1u < D ? q[qb + d + 1u] : 0.0,
                     d + 2u < D ? q[qb + d + 2u] : 0.0, d + 3u < D ? q[qb + d + 3u] : 0.0) * pc.scale;
        acc[c] = vec4(0.0);
    }
    float runningMax = -3.402823e38;
    float denom = 0.0;
    uint lastKey = pc.seq - 1u;
    for (uint j = 0u; j < pc.seq; j += 4u) {
        uint k0 = pc.ok + j * pc.ldk + col;
        uint k1 = pc.ok + min(j + 1u, lastKey) * pc.ldk + col;
        uint k2 = pc.ok + min(j + 2u, lastKey) * pc.ldk + col;
        uint k3 = pc.ok + min(j + 3u, lastKey) * pc.ldk + col;
        vec4 s = vec4(0.0);
        for (uint c = 0u; c < quads; ++c) {
            uint d = c * 4u;
            s += vec4(dot(qv[c], loadK(k0, d, last)), dot(qv[c], loadK(k1, d, last)),
                      dot(qv[c], loadK(k2, d, last)), dot(qv[c], loadK(k3, d, last)));
        }
        // Keys past the end get probability 0.
        bvec4 valid = bvec4(true, j + 1u < pc.seq, j + 2u < pc.seq, j + 3u < pc.seq);
        float blockMax = max(max(s.x, valid.y ? s.y : s.x), max(valid.z ? s.z : s.x, valid.w ? s.w : s.x));
        float newMax = max(runningMax, blockMax);
        float correction = exp(runningMax - newMax);
        vec4 p = exp(s - vec4(newMax));
        p = mix(vec4(0.0), p, vec4(valid));
        denom = denom * correction + p.x + p.y + p.z + p.w;
        runningMax = newMax;
        uint v0 = pc.ov + j * pc.ldv + col;
        uint v1 = pc.ov + min(j + 1u, lastKey) * pc.ldv + col;
        uint v2 = pc.ov + min(j + 2u, lastKey) * pc.ldv + col;
        uint v3 = pc.ov + min(j + 3u, lastKey) * pc.ldv + col;
        for (uint c = 0u; c < quads; ++c) {
            uint d = c * 4u;
            acc[c] = acc[c] * correction + p.x * loadV(v0, d, last) + p.y * loadV(v1, d, last)
                   + p.z * loadV(v2, d, last) + p.w * loadV(v3, d, last);
        }
    }
    float inv = 1.0 / denom;
    uint ob = pc.oo + i * pc.ldo + col;
    for (uint c = 0u; c < quads; ++c) {
        uint d = c * 4u;
        vec4 r = acc[c] * inv;
        o[ob + d] = r.x;
        if (d + 1u < D) o[ob + d + 1u] = r.y;
        if (d + 2u < D) o[ob + d + 2u] = r.z;
        if (d + 3u < D) o[ob + d + 3u] = r.w;
    }
}
