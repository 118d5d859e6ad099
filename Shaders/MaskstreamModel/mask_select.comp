#version 450
// Post-processing stage 0: the queries whose best class probability (softmax over the classes
// and "no object", max over the classes) reaches `threshold` — the only ones whose masks can
// score that high — listed in query order for the mask kernels, with their indirect dispatch
// arguments per chunk of `chunk` listed queries:
//   select[0] = count, select[1 + i] = i-th selected query;
//   args[6·c .. 6·c + 2] = (cropGroups, n_c, 1), args[6·c + 3 .. 6·c + 5] = (binarizeGroups, n_c, 1),
//   n_c = clamp(count − c·chunk, 0, chunk).
// A few hundred queries: one invocation does it all.
layout(local_size_x = 1) in;
layout(std430, binding = 0) readonly buffer BL { float logits[]; };
layout(std430, binding = 1) writeonly buffer BS { uint select[]; };
layout(std430, binding = 2) writeonly buffer BA { uint args[]; };
layout(push_constant) uniform Push {
    uint ol, os, oa;
    uint queries, classes; // classes includes "no object" (the last)
    float threshold;
    uint chunk, chunks, cropGroups, binarizeGroups;
} pc;

void main() {
    uint count = 0u;
    for (uint q = 0u; q < pc.queries; ++q) {
        uint base = pc.ol + q * pc.classes;
        float top = logits[base];
        for (uint j = 1u; j < pc.classes; ++j) top = max(top, logits[base + j]);
        float sum = 0.0;
        float best = 0.0;
        for (uint j = 0u; j < pc.classes; ++j) {
            float e = exp(logits[base + j] - top);
            sum += e;
            if (j + 1u < pc.classes) best = max(best, e);
        }
        if (best / sum >= pc.threshold) {
            select[pc.os + 1u + count] = q;
            count += 1u;
        }
    }
    select[pc.os] = count;
    for (uint c = 0u; c < pc.chunks; ++c) {
        uint n = count > c * pc.chunk ? min(count - c * pc.chunk, pc.chunk) : 0u;
        uint a = pc.oa + 6u * c;
        args[a] = pc.cropGroups; args[a + 1u] = n; args[a + 2u] = 1u;
        args[a + 3u] = pc.binarizeGroups; args[a + 4u] = n; args[a + 5u] = 1u;
    }
}
