#version 450
// ConvTranspose2d(kernel 2, stride 2) on CHW: in [Cin, H, W], weight [Cin, Cout, 2, 2]
// (PyTorch layout), bias [Cout] (optional), out [Cout, 2H, 2W].
// out[o, y, x] = bias[o] + Σ_i in[i, y/2, x/2] · w[i, o, y%2, x%2].
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer BI { float src[]; };
layout(std430, binding = 1) readonly buffer BW { float w[]; };
layout(std430, binding = 2) readonly buffer BB { float bias[]; };
layout(std430, binding = 3) writeonly buffer BO { float dst[]; };
layout(push_constant) uniform Push { uint oi, ow, ob, oo; uint cin, cout, h, w; uint hasBias; } pc;
void main() {
    uint W2 = pc.w * 2u;
    uint plane = pc.h * 2u * W2;
    uint total = pc.cout * plane;
    uint inPlane = pc.h * pc.w;
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += stride) {
        uint o = idx / plane;
        uint p = idx % plane;
        uint y = p / W2;
        uint x = p % W2;
        uint src0 = pc.oi + (y >> 1u) * pc.w + (x >> 1u);
        uint w0 = pc.ow + o * 4u + (y & 1u) * 2u + (x & 1u);
        float acc = pc.hasBias != 0u ? bias[pc.ob + o] : 0.0;
        for (uint i = 0u; i < pc.cin; ++i) acc += src[src0 + i * inPlane] * w[w0 + i * pc.cout * 4u];
        dst[pc.oo + idx] = acc;
    }
}
