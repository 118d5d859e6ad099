#version 450
// Y = X · Wᵀ (+ epilogues) with fp16 weights (storageBuffer16BitAccess), fp32 accumulation:
// see linear_tiled.glsl.
#extension GL_EXT_shader_16bit_storage : require
#define W_ELEMENT float16_t
#include "linear_tiled.glsl"
