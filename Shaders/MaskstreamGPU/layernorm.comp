#version 450
// LayerNorm over the last dimension: Y[r,:] = (X[r,:] - mean) / sqrt(var + eps) * gamma + beta.
// One workgroup of 64 per row (grid-stride over rows), two-pass mean/variance.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BX { float x[]; };
layout(std430, binding = 1) readonly buffer BG { float gamma[]; };
layout(std430, binding = 2) readonly buffer BB { float beta[]; };
layout(std430, binding = 3) buffer BY { float y[]; };
layout(push_constant) uniform Push {
    uint ox, og, ob, oy;
    uint rows, dim;
    float eps;
} pc;

shared float partial[64];

float reduceSum(float v) {
    uint t = gl_LocalInvocationID.x;
    partial[t] = v;
    barrier();
    for (uint s = 32u; s > 0u; s >>= 1u) {
        if (t < s) partial[t] += partial[t + s];
        barrier();
    }
    float total = partial[0];
    barrier();
    return total;
}

void main() {
    uint t = gl_LocalInvocationID.x;
    for (uint row = gl_WorkGroupID.x; row < pc.rows; row += gl_NumWorkGroups.x) {
        uint base = pc.ox + row * pc.dim;
        float s = 0.0;
        for (uint i = t; i < pc.dim; i += 64u) s += x[base + i];
        float mean = reduceSum(s) / float(pc.dim);
        float q = 0.0;
        for (uint i = t; i < pc.dim; i += 64u) { float d = x[base + i] - mean; q += d * d; }
        float inv = inversesqrt(reduceSum(q) / float(pc.dim) + pc.eps);
        uint outBase = pc.oy + row * pc.dim;
        for (uint i = t; i < pc.dim; i += 64u) {
            y[outBase + i] = (x[base + i] - mean) * inv * gamma[pc.og + i] + beta[pc.ob + i];
        }
    }
}
