#version 450
// Y = X · Wᵀ (+ epilogues) with fp32 weights: see linear_tiled.glsl.
#include "linear_tiled.glsl"
