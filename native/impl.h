/* minecore native kernel: internal interface between dispatch.c and each ISA file.
 * Not part of the public API (see include/minecore/sha256d.h).  No Python.h. */
#ifndef MINECORE_IMPL_H
#define MINECORE_IMPL_H

#include <stdint.h>
#include <stddef.h>

/* One job = one 76-byte header prefix (nonce varies).  Prepared once per job by dispatch.c (portable code). */
typedef struct mc_job {
    uint32_t midstate[8];   /* SHA-256 state after compressing header bytes 0..63 */
    uint32_t tail[3];       /* header bytes 64..75 loaded as big-endian uint32: message words W0,W1,W2 of block 2 */
    uint32_t target[8];     /* target[i] = (target_int >> (32*i)) & 0xffffffff, i=0..7 (target_int as python int) */
} mc_job;

/* Scan nonces n = nonce_start .. nonce_start+count-1 (count <= 2^32, nonce_start+count <= 2^32).
 * A nonce wins when the 256-bit little-endian integer of sha256d(header76 || le32(n)) <= target_int.
 * Writes winning nonces in ascending order to out[0..min(found,cap)-1]; returns the total number found
 * (which may exceed cap; the caller then rescans with a larger buffer).
 * Digest word j (big-endian word of the final state H[j]) maps to the LE integer as: word index 7 of the
 * little-endian integer is bswap32(H[7]), ..., word 0 is bswap32(H[0]).  So compare bswap32(H[7]) with target[7]
 * first (early exit), then H[6] vs target[6], and so on.
 * Nonce in the header is little-endian: block-2 message word W3 = bswap32(n).                               */
typedef uint64_t (*mc_scan_fn)(const mc_job *job, uint32_t nonce_start, uint64_t count,
                               uint32_t *out, size_t cap);

uint64_t mc_scan_portable(const mc_job *, uint32_t, uint64_t, uint32_t *, size_t);
uint64_t mc_scan_shani(const mc_job *, uint32_t, uint64_t, uint32_t *, size_t);   /* sha256d_shani.c, needs -msha -msse4.1 */
uint64_t mc_scan_avx2(const mc_job *, uint32_t, uint64_t, uint32_t *, size_t);    /* sha256d_avx2.c, -mavx2 */
uint64_t mc_scan_avx512(const mc_job *, uint32_t, uint64_t, uint32_t *, size_t);  /* sha256d_avx512.c, -mavx512f -mavx512vl */
/* compile-time presence: dispatch.c learns which ISA files were built from -DMC_HAVE_SHANI / -DMC_HAVE_AVX2 /
 * -DMC_HAVE_AVX512 passed by setup.py when linking those objects in. */

/* helpers from sha256d_portable.c usable by every file (plain C, no ISA flags): */
extern const uint32_t mc_sha256_k[64];
extern const uint32_t mc_sha256_iv[8];
void mc_sha256_compress(uint32_t state[8], const uint8_t block[64]);        /* portable one-block compress */
/* 1 when nonce's full sha256d meets job->target: the exact check for the rare early-exit survivors */
int mc_job_nonce_wins(const mc_job *job, uint32_t nonce);

#endif /* MINECORE_IMPL_H */
