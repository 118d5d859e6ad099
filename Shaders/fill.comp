#version 450
// Fills a float buffer with a constant: the smallest shader, used to check the runtime.
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer Out { float data[]; };
layout(push_constant) uniform Push { uint count; float value; } pc;
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < pc.count) data[i] = pc.value;
}
