#version 450
// out[c, r] = in[r, c] for an in tensor [rows, cols] (tokens [HW, C] ↔ CHW).
// 16×16 tiles through shared memory so reads and writes are both contiguous.
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly buffer BI { float src[]; };
layout(std430, binding = 1) writeonly buffer BO { float dst[]; };
layout(push_constant) uniform Push { uint oi, oo; uint rows, cols; } pc;
shared float tile[16][17];
void main() {
    uint c = gl_WorkGroupID.x * 16u + gl_LocalInvocationID.x;
    uint r = gl_WorkGroupID.y * 16u + gl_LocalInvocationID.y;
    if (r < pc.rows && c < pc.cols) tile[gl_LocalInvocationID.y][gl_LocalInvocationID.x] = src[pc.oi + r * pc.cols + c];
    barrier();
    uint orow = gl_WorkGroupID.x * 16u + gl_LocalInvocationID.y; // a column of the input
    uint ocol = gl_WorkGroupID.y * 16u + gl_LocalInvocationID.x; // a row of the input
    if (orow < pc.cols && ocol < pc.rows) dst[pc.oo + orow * pc.rows + ocol] = tile[gl_LocalInvocationID.x][gl_LocalInvocationID.y];
}
