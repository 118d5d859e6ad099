// Shared helpers for maskstream compute shaders (included with -I Shaders).
#ifndef MASKSTREAM_COMMON_GLSL
#define MASKSTREAM_COMMON_GLSL

// erf(x) by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), odd-extended to x < 0.
float ms_erf(float x) {
    float ax = abs(x);
    float t = 1.0 / (1.0 + 0.3275911 * ax);
    float poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    float y = 1.0 - poly * exp(-ax * ax);
    return x < 0.0 ? -y : y;
}

// Exact (erf-based) GELU as torch.nn.functional.gelu(approximate="none").
float ms_gelu(float x) {
    return 0.5 * x * (1.0 + ms_erf(x * 0.70710678118654752));
}

// SiLU / swish: x * sigmoid(x).
float ms_silu(float x) {
    return x / (1.0 + exp(-x));
}

#endif
