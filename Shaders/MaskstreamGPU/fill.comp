#version 450
// Fills a float range with a constant (grid-stride loop).
layout(local_size_x = 64) in;
layout(std430, binding = 0) writeonly buffer Out { float data[]; };
layout(push_constant) uniform Push { uint o0; uint count; float value; } pc;
void main() {
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint i = gl_GlobalInvocationID.x; i < pc.count; i += stride) data[pc.o0 + i] = pc.value;
}
