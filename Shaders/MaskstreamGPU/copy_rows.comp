#version 450
// Strided 2-D copy: dst[r*dstStride + c] = src[r*srcStride + c] for r < rows, c < cols.
// Used to concatenate or split token rows and to gather column blocks.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BS { float src[]; };
layout(std430, binding = 1) writeonly buffer BD { float dst[]; };
layout(push_constant) uniform Push { uint os, od; uint rows, cols, srcStride, dstStride; } pc;
void main() {
    uint total = pc.rows * pc.cols;
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint i = gl_GlobalInvocationID.x; i < total; i += stride) {
        uint r = i / pc.cols;
        uint c = i % pc.cols;
        dst[pc.od + r * pc.dstStride + c] = src[pc.os + r * pc.srcStride + c];
    }
}
