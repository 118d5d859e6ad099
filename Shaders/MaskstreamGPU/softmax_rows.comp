#version 450
// In-place row softmax of a [rows, cols] matrix with a scale on the inputs:
// x[r, c] = exp(s·x[r, c] − max_c s·x[r, ·]) / Σ. One workgroup of 64 invocations per row
// (rows beyond 65535 wrap onto gl_WorkGroupID.y); each invocation strides the columns. Rows are
// `stride` floats apart; the columns from `cols` to `stride` are set to 0. With flag 1 the rows
// are left unnormalized and 1 / Σ goes to inv[r].
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer BX { float x[]; };
layout(std430, binding = 1) buffer BI { float inv[]; };
layout(push_constant) uniform Push { uint ox, oi; uint rows, cols; float scale; uint stride, flags; } pc;

shared float red[64];

void main() {
    uint r = gl_WorkGroupID.x + gl_WorkGroupID.y * 65535u;
    if (r >= pc.rows) return;
    uint t = gl_LocalInvocationID.x;
    uint base = pc.ox + r * pc.stride;
    float m = -3.402823e38;
    for (uint c = t; c < pc.cols; c += 64u) m = max(m, x[base + c] * pc.scale);
    red[t] = m;
    barrier();
    for (uint s = 32u; s > 0u; s >>= 1u) {
        if (t < s) red[t] = max(red[t], red[t + s]);
        barrier();
    }
    m = red[0];
    barrier();
    float sum = 0.0;
    for (uint c = t; c < pc.cols; c += 64u) {
        float e = exp(x[base + c] * pc.scale - m);
        x[base + c] = e;
        sum += e;
    }
    red[t] = sum;
    barrier();
    for (uint s = 32u; s > 0u; s >>= 1u) {
        if (t < s) red[t] += red[t + s];
        barrier();
    }
    if ((pc.flags & 1u) != 0u) {
        if (t == 0u) inv[pc.oi + r] = 1.0 / red[0];
    } else {
        float invSum = 1.0 / red[0];
        for (uint c = t; c < pc.cols; c += 64u) x[base + c] *= invSum;
    }
    for (uint c = pc.cols + t; c < pc.stride; c += 64u) x[base + c] = 0.0;
}
