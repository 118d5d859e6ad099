#version 450
// The second step of the softmax fused around attention's products (linear_texels.comp MODE 1
// and 2): per row r, the pairs (m_b, Σ_b) of its column blocks at 2·(r·blocks + b) become the
// factors exp(m_b − max m) (in place of m_b), and inv[r] = 1 / Σ_b exp(m_b − max m)·Σ_b.
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer BP { float part[]; };
layout(std430, binding = 1) writeonly buffer BI { float inv[]; };
layout(push_constant) uniform Push { uint op, oi; uint rows, blocks; } pc;
void main() {
    uint r = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * 65535u * 64u;
    if (r >= pc.rows) return;
    uint base = pc.op + 2u * r * pc.blocks;
    float m = -3.402823e38;
    for (uint b = 0u; b < pc.blocks; ++b) m = max(m, part[base + 2u * b]);
    float total = 0.0;
    for (uint b = 0u; b < pc.blocks; ++b) {
        float f = exp(part[base + 2u * b] - m);
        total += f * part[base + 2u * b + 1u];
        part[base + 2u * b] = f;
    }
    inv[pc.oi + r] = 1.0 / total;
}
