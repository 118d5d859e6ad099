#version 450
// Y = X · Wᵀ (+ epilogues) with fp32 (or RGBA16F) weight texels: see linear_texels.glsl.
#include "linear_texels.glsl"
