#version 450
// Post-processing stage 2: the cropped logits [Q, rh, rw] bilinearly resized to the frame
// (H, W), thresholded at 0 into bit masks (bit i % 32 of word i / 32, pixel i = y·W + x;
// `words` uints per query) plus, per workgroup, the sum of sigmoid(logit) and the count
// over the mask's pixels (partials [Q, groupsPerQuery, 2]) for HF's mask score.
// Taps (floats): (i0, i1, w1) per frame row, then per frame column. Workgroup row y reads crop
// plane y, query select[1 + first + y] (as `mask_crop` wrote it), and writes that query's rows.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BC { float crop[]; };
layout(std430, binding = 1) readonly buffer BT { float taps[]; };
layout(std430, binding = 2) writeonly buffer BB { uint bits[]; };
layout(std430, binding = 3) writeonly buffer BP { float partials[]; };
layout(std430, binding = 4) readonly buffer BS { uint select[]; };
layout(push_constant) uniform Push { uint oc, ot, ob, op, os; uint first, rh, rw, height, width, words; } pc;

shared float sums[64];
shared float counts[64];

void main() {
    uint slot = gl_WorkGroupID.y;
    uint q = select[pc.os + 1u + pc.first + slot];
    uint word = gl_GlobalInvocationID.x;
    uint base = pc.oc + slot * pc.rh * pc.rw;
    uint mask = 0u;
    float s = 0.0;
    float c = 0.0;
    if (word < pc.words) {
        uint pixels = pc.height * pc.width;
        // The word's first pixel, then x steps along its row (one division per word, not per bit).
        uint first = word * 32u;
        uint y = first / pc.width;
        uint x = first - y * pc.width;
        uint ty = pc.ot + 3u * y;
        uint r0 = uint(taps[ty]) * pc.rw, r1 = uint(taps[ty + 1u]) * pc.rw;
        precise float wy = taps[ty + 2u];
        uint count = min(32u, pixels - min(first, pixels));
        for (uint b = 0u; b < count; b++) {
            uint tx = pc.ot + 3u * pc.height + 3u * x;
            uint c0 = uint(taps[tx]), c1 = uint(taps[tx + 1u]);
            precise float wx = taps[tx + 2u];
            precise float top = (1.0 - wx) * crop[base + r0 + c0] + wx * crop[base + r0 + c1];
            precise float bottom = (1.0 - wx) * crop[base + r1 + c0] + wx * crop[base + r1 + c1];
            precise float v = (1.0 - wy) * top + wy * bottom;
            if (v > 0.0) {
                mask |= 1u << b;
                s += 1.0 / (1.0 + exp(-v));
                c += 1.0;
            }
            x++;
            if (x == pc.width) {
                x = 0u;
                y++;
                ty = pc.ot + 3u * y;
                if (y < pc.height) {
                    r0 = uint(taps[ty]) * pc.rw;
                    r1 = uint(taps[ty + 1u]) * pc.rw;
                    wy = taps[ty + 2u];
                }
            }
        }
        bits[pc.ob + q * pc.words + word] = mask;
    }
    uint lid = gl_LocalInvocationID.x;
    sums[lid] = s;
    counts[lid] = c;
    barrier();
    for (uint half_ = 32u; half_ > 0u; half_ >>= 1u) {
        if (lid < half_) {
            sums[lid] += sums[lid + half_];
            counts[lid] += counts[lid + half_];
        }
        barrier();
    }
    if (lid == 0u) {
        uint o = pc.op + (q * gl_NumWorkGroups.x + gl_WorkGroupID.x) * 2u;
        partials[o] = sums[0];
        partials[o + 1u] = counts[0];
    }
}
