/* minecore: public C API of the SHA-256d engine.
 *
 * Plain C (no Python.h).  Every function is thread-safe: the only global state is the one-time CPU detection and
 * self-test (done under pthread_once on first use) and the default implementation chosen by mc_force_impl().
 *
 * Byte orders follow Bitcoin:
 *   - hashes are 32 bytes in internal order (what sha256d() returns, display order is the reverse);
 *   - targets are 32 bytes little-endian, i.e. int.to_bytes(32, "little") of the 256-bit target;
 *   - a nonce n wins when int.from_bytes(sha256d(header76 || le32(n)), "little") <= target.
 */
#ifndef MINECORE_SHA256D_H
#define MINECORE_SHA256D_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes (negative = error); mc_strerror() gives a one-line text ---- */
#define MC_OK                    0
#define MC_ERR_UNKNOWN_IMPL     (-1)  /* name is not an implementation minecore knows about */
#define MC_ERR_UNSUPPORTED_IMPL (-2)  /* known, but not compiled into this build or not supported by this CPU/OS */
#define MC_ERR_SELFTEST         (-3)  /* compiled and supported, but failed its known-answer self-test */
#define MC_ERR_INVALID_ARG      (-4)  /* bad length / range / NULL pointer */
#define MC_ERR_CANCELLED        (-5)  /* *cancel became non-zero; *found holds the winners counted so far */

#define MC_DEFAULT_VERSION_MASK 0x1fffe000u  /* BIP 320 general-purpose version bits 13..28 */
#define MC_IMPL_DEFAULT         (-1)         /* pass as impl id: use the active (default) implementation */

const char *mc_strerror(int code);

/* sha256(sha256(data[0..len))) into out[32] (internal byte order).  Any alignment. */
void mc_sha256d(const void *data, size_t len, uint8_t out[32]);

/* Scan nonces nonce_start .. nonce_start+count-1 (count <= 2^32 and nonce_start+count <= 2^32) of the header
 * whose first 76 bytes are header[0..76) (header_len 76 or 80; bytes 76..79 of an 80-byte header are ignored).
 * Writes the winning nonces in ascending order to out[0..min(*found, cap)); *found is the total number of winners
 * (it may exceed cap: rescan with a bigger buffer).  Returns MC_OK or a negative MC_ERR_*. */
int mc_scan(const uint8_t *header, size_t header_len, const uint8_t target_le[32],
            uint32_t nonce_start, uint64_t count, uint32_t *out, size_t cap, uint64_t *found);

/* Version-rolled scan (BIP 320).  For i in 0..roll_count-1 the version is
 *     v_i = (base & ~version_mask) | pdep(roll_start + i, version_mask)
 * (base = le32 of header76[0..4); pdep deposits the low bits of the index into the set bits of the mask, lowest
 * first; index bits beyond popcount(mask) are dropped), each with its own midstate, and every nonce of the range is
 * tried.  Winners are written as pairs (versions_out[k], nonces_out[k]) ordered by i then nonce.
 * Requires roll_start + roll_count <= 2^32. */
int mc_scan_versions(const uint8_t header76[76], const uint8_t target_le[32], uint32_t version_mask,
                     uint32_t roll_start, uint64_t roll_count, uint32_t nonce_start, uint64_t count,
                     uint32_t *versions_out, uint32_t *nonces_out, size_t cap, uint64_t *found);

/* Same as above with an explicit implementation (id from mc_impl_lookup, or MC_IMPL_DEFAULT) and an optional
 * cancel flag (may be NULL), polled every MC_CANCEL_POLL_NONCES nonces; on cancel returns MC_ERR_CANCELLED. */
#define MC_CANCEL_POLL_NONCES 16384u
int mc_scan_ex(int impl, const uint8_t *header, size_t header_len, const uint8_t target_le[32],
               uint32_t nonce_start, uint64_t count, uint32_t *out, size_t cap, uint64_t *found,
               const volatile int *cancel);
int mc_scan_versions_ex(int impl, const uint8_t header76[76], const uint8_t target_le[32], uint32_t version_mask,
                        uint32_t roll_start, uint64_t roll_count, uint32_t nonce_start, uint64_t count,
                        uint32_t *versions_out, uint32_t *nonces_out, size_t cap, uint64_t *found,
                        const volatile int *cancel);

/* (base & ~mask) | pdep(index, mask) */
uint32_t mc_rolled_version(uint32_t base, uint32_t mask, uint32_t index);

/* ---- implementations ----
 * Known names, in priority order: "avx512" (16 lanes), "shani" (3 nonces interleaved), "avx2" (8), "portable" (1).
 * Ids are 0..mc_impl_count()-1 over the *known* names. */
int         mc_impl_count(void);
const char *mc_impl_name(int id);        /* NULL when id is out of range */
unsigned    mc_impl_lanes(int id);       /* 0 when id is out of range */
int         mc_impl_compiled(int id);    /* 1 when the ISA file was built into this library */
int         mc_impl_status(int id);      /* MC_OK when usable here, else MC_ERR_UNSUPPORTED_IMPL / MC_ERR_SELFTEST */
/* id (>= 0) of a usable implementation, or MC_ERR_UNKNOWN_IMPL / MC_ERR_UNSUPPORTED_IMPL / MC_ERR_SELFTEST. */
int         mc_impl_lookup(const char *name);
/* The active (default) implementation: the automatic choice (see mc_auto_impl), unless MINECORE_NATIVE_IMPL named
 * another at first use or mc_force_impl() was called.  Returns its id, or the MC_ERR_* the environment variable
 * caused (then scans with MC_IMPL_DEFAULT fail with that code until mc_force_impl succeeds). */
int         mc_active_impl(void);
const char *mc_active_impl_name(void);   /* NULL when mc_active_impl() < 0 */
/* Make `name` the default; NULL or "" or "auto" restores the automatic choice.  Returns MC_OK or MC_ERR_*. */
int         mc_force_impl(const char *name);
/* 1 when the default was forced (MINECORE_NATIVE_IMPL other than "auto", or mc_force_impl(name)), else 0. */
int         mc_impl_forced(void);
/* The first usable implementation in priority order (the static guess), or an MC_ERR_* when none is usable. */
int         mc_priority_impl(void);
/* The automatic choice: mc_priority_impl() unless mc_set_auto_impl() installed another (a measured one). */
int         mc_auto_impl(void);
/* Make `name` (a usable implementation) the automatic choice; NULL or "" restores the priority order.  The default
 * follows unless it is forced.  Returns MC_OK or MC_ERR_*. */
int         mc_set_auto_impl(const char *name);

/* ---- CPU features (read once with cpuid/xgetbv) ---- */
#define MC_CPU_SSSE3     (1u << 0)
#define MC_CPU_SSE41     (1u << 1)
#define MC_CPU_SHA       (1u << 2)
#define MC_CPU_AVX       (1u << 3)   /* includes OS support of YMM state */
#define MC_CPU_AVX2      (1u << 4)   /* includes OS support of YMM state */
#define MC_CPU_AVX512F   (1u << 5)   /* includes OS support of opmask/ZMM state */
#define MC_CPU_AVX512VL  (1u << 6)
unsigned    mc_cpu_features(void);
/* Name of feature bit number `bit` ("ssse3", "sse4.1", "sha", "avx", "avx2", "avx512f", "avx512vl"), NULL past the end. */
const char *mc_cpu_feature_name(unsigned bit);

#ifdef __cplusplus
}
#endif
#endif /* MINECORE_SHA256D_H */
