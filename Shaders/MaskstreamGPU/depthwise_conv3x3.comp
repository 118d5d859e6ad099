#version 450
// Depthwise Conv2d 3×3, padding 1, stride 1 on CHW: weight [C, 1, 3, 3], optional bias [C] (flag 1);
// the output is CHW too, or channels-last [H·W, C] with flag 2.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BI { float src[]; };
layout(std430, binding = 1) readonly buffer BW { float w[]; };
layout(std430, binding = 2) readonly buffer BB { float bias[]; };
layout(std430, binding = 3) writeonly buffer BO { float dst[]; };
layout(push_constant) uniform Push { uint oi, ow, ob, oo; uint c, h, w; uint flags; } pc;
void main() {
    uint plane = pc.h * pc.w;
    uint total = pc.c * plane;
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += stride) {
        uint ch = idx / plane;
        uint p = idx % plane;
        int y = int(p / pc.w);
        int x = int(p % pc.w);
        float acc = (pc.flags & 1u) != 0u ? bias[pc.ob + ch] : 0.0;
        uint wb = pc.ow + ch * 9u;
        uint ib = pc.oi + ch * plane;
        for (int dy = -1; dy <= 1; ++dy) {
            int yy = y + dy;
            if (yy < 0 || yy >= int(pc.h)) continue;
            for (int dx = -1; dx <= 1; ++dx) {
                int xx = x + dx;
                if (xx < 0 || xx >= int(pc.w)) continue;
                acc += src[ib + uint(yy) * pc.w + uint(xx)] * w[wb + uint((dy + 1) * 3 + (dx + 1))];
            }
        }
        dst[pc.oo + ((pc.flags & 2u) != 0u ? p * pc.c + ch : idx)] = acc;
    }
}
