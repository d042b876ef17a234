/* sha256d_avx512.c - 16-lane SHA-256d nonce scan for AVX-512 (compile with -mavx512f -mavx512vl).
 * The kernel body is the generic vector template; see simd_template.h for the tricks used.
 * With AVX-512 the compiler turns the rotates into vprord and can merge Ch/Maj into vpternlogd. */
#define LANES 16
#define MC_SIMD_FN mc_scan_avx512
#include "simd_template.h"
