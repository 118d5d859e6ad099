#version 450
// In-place row softmax of the inputs times a scale, written for CPU devices (lavapipe/llvmpipe):
// one workgroup of 8 invocations (one subgroup) per row; lane l walks columns l, l+8, …; the max
// and the sum are subgroup reductions (no shared memory, no barrier). Rows are `stride` floats
// apart; the columns from `cols` to `stride` are set to 0 (padding a matmul may read). With flag
// 1 the rows are left unnormalized, exp(s·x − max), and 1 / Σ goes to inv[r] (a following P·V
// scales its output rows instead: one pass over the matrix less).
#extension GL_EXT_buffer_reference : require
#extension GL_KHR_shader_subgroup_arithmetic : require
layout(local_size_x = 8) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer OutFloats { float v[]; };
layout(push_constant) uniform Push {
    uint offsets[2]; // the descriptor convention's offsets, unused: the addresses include them
    uint rows, cols;
    float scale;
    uint stride, flags;
    OutFloats x, inv;
} pc;

void main() {
    uint r = gl_WorkGroupID.x + gl_WorkGroupID.y * 65535u;
    if (r >= pc.rows) return;
    uint lane = gl_LocalInvocationID.x;
    uint base = r * pc.stride;
    float m = -3.402823e38;
    for (uint c = lane; c < pc.cols; c += 8u) m = max(m, pc.x.v[base + c] * pc.scale);
    m = subgroupMax(m);
    float sum = 0.0;
    for (uint c = lane; c < pc.cols; c += 8u) {
        float e = exp(pc.x.v[base + c] * pc.scale - m);
        pc.x.v[base + c] = e;
        sum += e;
    }
    float total = subgroupAdd(sum);
    if ((pc.flags & 1u) != 0u) {
        if (lane == 0u) pc.inv.v[r] = 1.0 / total;
    } else {
        float inv = 1.0 / total;
        for (uint c = lane; c < pc.cols; c += 8u) pc.x.v[base + c] *= inv;
    }
    for (uint c = pc.cols + lane; c < pc.stride; c += 8u) pc.x.v[base + c] = 0.0;
}
