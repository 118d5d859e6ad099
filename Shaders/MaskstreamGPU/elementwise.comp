#version 450
// Elementwise ops over `count` floats (grid-stride): 0 copy y=a, 1 add y=a+b,
// 2 GELU y=gelu(a) (exact erf), 3 multiply y=a*b. y may alias a or b.
#include "common.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BA { float a[]; };
layout(std430, binding = 1) readonly buffer BB { float b[]; };
layout(std430, binding = 2) buffer BY { float y[]; };
layout(push_constant) uniform Push { uint oa, ob, oy; uint count; uint op; } pc;
void main() {
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint i = gl_GlobalInvocationID.x; i < pc.count; i += stride) {
        float v = a[pc.oa + i];
        if (pc.op == 1u) v += b[pc.ob + i];
        else if (pc.op == 2u) v = ms_gelu(v);
        else if (pc.op == 3u) v *= b[pc.ob + i];
        y[pc.oy + i] = v;
    }
}
