#version 450
// Post-processing stage 1: mask logits [Q, m, m] bilinearly upsampled (PyTorch
// align_corners=False) to the padded input and cropped to the resized frame [Q, rh, rw],
// computed as a column pass then a row pass, in the host reference's operation order.
// Taps (floats): (i0, i1, w1) per crop row, then per crop column. Workgroup row y crops query
// select[1 + first + y] (the queries `mask_select` kept) into plane y of `crop`.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BL { float logits[]; };
layout(std430, binding = 1) readonly buffer BT { float taps[]; };
layout(std430, binding = 2) writeonly buffer BC { float crop[]; };
layout(std430, binding = 3) readonly buffer BS { uint select[]; };
layout(push_constant) uniform Push { uint ol, ot, oc, os; uint first, m, rh, rw; } pc;

precise float colPass(uint base, uint r, uint x) {
    uint t = pc.ot + 3u * pc.rh + 3u * x;
    uint i0 = uint(taps[t]), i1 = uint(taps[t + 1u]);
    precise float w1 = taps[t + 2u];
    precise float a = logits[base + r * pc.m + i0];
    precise float b = logits[base + r * pc.m + i1];
    precise float result = (1.0 - w1) * a + w1 * b;
    return result;
}

void main() {
    uint plane = pc.rh * pc.rw;
    uint slot = gl_WorkGroupID.y;
    uint q = select[pc.os + 1u + pc.first + slot];
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint p = gl_GlobalInvocationID.x; p < plane; p += stride) {
        uint y = p / pc.rw;
        uint x = p % pc.rw;
        uint t = pc.ot + 3u * y;
        uint r0 = uint(taps[t]), r1 = uint(taps[t + 1u]);
        precise float w1 = taps[t + 2u];
        uint base = pc.ol + q * pc.m * pc.m;
        precise float v = (1.0 - w1) * colPass(base, r0, x) + w1 * colPass(base, r1, x);
        crop[pc.oc + slot * plane + p] = v;
    }
}
