/* sha256d_avx2.c - 8-lane SHA-256d nonce scan for AVX2 (compile with -mavx2).
 * The kernel body is the generic vector template; see simd_template.h for the tricks used. */
#define LANES 8
#define MC_SIMD_FN mc_scan_avx2
#include "simd_template.h"
