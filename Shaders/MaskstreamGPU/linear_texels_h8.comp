#version 450
// Y = X · Wᵀ (+ epilogues) with fp16 weights read 8 per RGBA32UI texel: see linear_texels.glsl.
#define W_HALF8 1
#include "linear_texels.glsl"
