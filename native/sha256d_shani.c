/* sha256d_shani.c - SHA-256d nonce scan with the x86 SHA extensions, several nonces interleaved.
 * Compile with -msha -msse4.1 -mssse3 (and never with -mavx: see mc_shani_vzeroupper below).
 *
 * sha256rnds2 does two rounds with a latency of about 4 cycles (throughput about 1 a cycle on an
 * AMD EPYC, Zen 3, measured with a standalone chain test), and one nonce is a single dependency
 * chain of 61 of them; interleaving MC_SHANI_WAYS independent nonces fills the pipeline.  The
 * source order matters to GCC's register allocation: each lane runs four rounds at a time with
 * its K+W made where sha256rnds2 consumes it (MC_QROUND); lanes alternating two rounds at a time
 * kept every lane's K+W live and spilled at three lanes.  Two lanes are latency-bound (~26 MH/s
 * at most at ~3.2 GHz); three measured ~28 MH/s against ~25 for two, four slower again (the state
 * and schedule of four lanes no longer fit the 16 xmm registers).  So 3-way is the default;
 * -DMC_SHANI_WAYS=N (1..8) builds another width.
 * Tricks, per nonce:
 *   - midstate from the job; rounds 0..2 of block 2 do not depend on the nonce and are computed
 *     once per call; round 3 (W3 = bswap32(nonce)) reduces to adding W3 to the A and E lanes of
 *     a constant ABEF state, so block 2 starts at round 4 (30 sha256rnds2 instead of 32);
 *   - W4..W15 of block 2 and W8..W15 of the second hash are padding constants: their K+W pairs
 *     are precomputed vectors, and msg1 of all-constant word groups is precomputed;
 *   - the second hash stops after the sha256rnds2 of rounds 60-61: lane F of its ABEF output is
 *     e from round 60, which becomes h after round 63, so H7 = F + IV7 (31 sha256rnds2, not 32);
 *     the hash is rejected when bswap32(H7) > target[7], accepted when it is smaller, and
 *     equality (rare) is settled by a full scalar recomputation.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <cpuid.h>
#include <immintrin.h>
#include "impl.h"

#ifndef MC_SHANI_WAYS
#define MC_SHANI_WAYS 3
#endif
_Static_assert(MC_SHANI_WAYS >= 1 && MC_SHANI_WAYS <= 8, "MC_SHANI_WAYS must be 1..8");

/* ---- vzeroupper on entry ----
 * A caller (or a library it used, e.g. an AVX2 memcpy) may leave the upper halves of the ymm
 * registers dirty; legacy-SSE code such as this file then pays the SSE/AVX transition penalty
 * (a state save/restore, or a false dependency on every instruction, depending on the core),
 * which has been seen to slow SHA-NI kernels by ~100x.  So this file issues vzeroupper on entry.
 * It cannot simply do so unconditionally: having SHA does NOT imply having AVX.  Intel Goldmont
 * and Goldmont Plus (Apollo Lake, Denverton, Gemini Lake Atoms/Celerons/Pentium Silver) have the
 * SHA extensions but no AVX, and there the VEX-encoded vzeroupper raises #UD.  It also raises #UD
 * when the OS has not enabled the AVX state in XCR0.  So vzeroupper runs only when CPUID says
 * AVX and OSXSAVE and XCR0 has the SSE and AVX bits; otherwise no AVX code can have run, no upper
 * state can be dirty, and nothing needs doing.  The file is not compiled with -mavx (the compiler
 * would then emit VEX encodings that fault on those Atoms), so vzeroupper and xgetbv come from
 * inline assembly.  The check is cached; concurrent first calls compute the same value. */
static int mc_shani_avx_state = -1; /* -1 unknown, 0 no AVX state, 1 AVX usable */

static int mc_shani_detect_avx(void)
{
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return 0;
    if (!(ecx & (1u << 27)) || !(ecx & (1u << 28))) /* OSXSAVE, AVX */
        return 0;
    uint32_t xlo, xhi;
    __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    (void)xhi;
    return (xlo & 6u) == 6u;
}

static inline void mc_shani_vzeroupper(void)
{
    int st = __atomic_load_n(&mc_shani_avx_state, __ATOMIC_RELAXED);
    if (__builtin_expect(st < 0, 0)) {
        st = mc_shani_detect_avx();
        __atomic_store_n(&mc_shani_avx_state, st, __ATOMIC_RELAXED);
    }
    if (st)
        __asm__ volatile("vzeroupper" ::: "memory");
}

static inline uint32_t mc_shani_rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
static inline uint32_t mc_shani_bsig0(uint32_t x) { return mc_shani_rotr(x, 2) ^ mc_shani_rotr(x, 13) ^ mc_shani_rotr(x, 22); }
static inline uint32_t mc_shani_bsig1(uint32_t x) { return mc_shani_rotr(x, 6) ^ mc_shani_rotr(x, 11) ^ mc_shani_rotr(x, 25); }
static inline uint32_t mc_shani_ch(uint32_t e, uint32_t f, uint32_t g) { return ((f ^ g) & e) ^ g; }
static inline uint32_t mc_shani_maj(uint32_t a, uint32_t b, uint32_t c) { return (a & b) | (c & (a | b)); }

/* The round constants, 16-byte aligned, in this file: position-independent code reaches them rip-relative
 * (mc_sha256_k lives in another object and would be reached through the GOT), and the compiler can fold
 * the padding words into them. */
static const uint32_t mc_shani_k[64] __attribute__((aligned(16))) = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

/* Two K+W words as the low half of a vector (what sha256rnds2 reads). */
static inline __m128i mc_shani_pair(uint32_t kw0, uint32_t kw1)
{
    return _mm_set_epi32(0, 0, (int)kw1, (int)kw0);
}

/* Loops over the interleaved nonces; `ways` is a compile-time constant after inlining. */
#define MC_EACH for (int j = 0; j < ways; j++)

/* Four rounds on every lane with message words mk[j] and round constants kv: s1 (CDGH) becomes the new
 * ABEF after two rounds, then two more with the high half of K+W.  Each lane's K+W is made right where
 * sha256rnds2 consumes it (from xmm0), and the lanes follow one another four rounds at a time rather
 * than two: this keeps the register pressure low enough for three lanes (see the header comment). */
#define MC_QROUND(s0, s1, mk, kv)                                               \
    do {                                                                        \
        _Pragma("GCC unroll 8") MC_EACH {                                       \
            const __m128i wk_ = _mm_add_epi32((mk)[j], (kv));                   \
            (s1)[j] = _mm_sha256rnds2_epu32((s1)[j], (s0)[j], wk_);             \
            (s0)[j] = _mm_sha256rnds2_epu32((s0)[j], (s1)[j], _mm_shuffle_epi32(wk_, 0x0E)); \
        }                                                                       \
    } while (0)

/* Schedule step: m[k] = msg2(msg1(m[k-4], m[k-3]) + alignr(m[k-1], m[k-2]), m[k-1]). */
#define MC_MSG(k)                                                               \
    _Pragma("GCC unroll 8") MC_EACH m[k][j] = _mm_sha256msg2_epu32(             \
        _mm_add_epi32(_mm_sha256msg1_epu32(m[(k) - 4][j], m[(k) - 3][j]),       \
                      _mm_alignr_epi8(m[(k) - 1][j], m[(k) - 2][j], 4)),        \
        m[(k) - 1][j])

static inline __attribute__((always_inline)) uint64_t
mc_shani_scan(const mc_job *job, uint32_t nonce_start, uint64_t count, uint32_t *out, size_t cap, const int ways)
{
    const uint32_t *K = mc_shani_k;
    const uint32_t *iv = mc_sha256_iv;
    uint64_t found = 0;
    uint32_t s[8];

    /* ---- per-call precomputation ---- */
    memcpy(s, job->midstate, sizeof s);
    for (int t = 0; t < 3; t++) {
        uint32_t t1 = s[7] + mc_shani_bsig1(s[4]) + mc_shani_ch(s[4], s[5], s[6]) + K[t] + job->tail[t];
        uint32_t t2 = mc_shani_bsig0(s[0]) + mc_shani_maj(s[0], s[1], s[2]);
        s[7] = s[6]; s[6] = s[5]; s[5] = s[4]; s[4] = s[3] + t1;
        s[3] = s[2]; s[2] = s[1]; s[1] = s[0]; s[0] = t1 + t2;
    }
    const uint32_t r3_t1 = s[7] + mc_shani_bsig1(s[4]) + mc_shani_ch(s[4], s[5], s[6]) + K[3];
    const uint32_t r3_a = r3_t1 + mc_shani_bsig0(s[0]) + mc_shani_maj(s[0], s[1], s[2]);
    const uint32_t r3_e = r3_t1 + s[3];
    /* state after round 3, minus W3 on A and E; ABEF lanes 3..0 = A B E F, CDGH = C D G H */
    const __m128i b2_abef = _mm_set_epi32((int)r3_a, (int)s[0], (int)r3_e, (int)s[4]);
    const __m128i b2_cdgh = _mm_set_epi32((int)s[1], (int)s[2], (int)s[5], (int)s[6]);
    const __m128i ms_abef = _mm_set_epi32((int)job->midstate[0], (int)job->midstate[1],
                                          (int)job->midstate[4], (int)job->midstate[5]);
    const __m128i ms_cdgh = _mm_set_epi32((int)job->midstate[2], (int)job->midstate[3],
                                          (int)job->midstate[6], (int)job->midstate[7]);
    const __m128i iv_abef = _mm_set_epi32((int)iv[0], (int)iv[1], (int)iv[4], (int)iv[5]);
    const __m128i iv_cdgh = _mm_set_epi32((int)iv[2], (int)iv[3], (int)iv[6], (int)iv[7]);
    /* block 2: W4 = 0x80000000, W5..W14 = 0, W15 = 640 */
    const __m128i b2_kw[6] = {
        mc_shani_pair(K[4] + 0x80000000u, K[5]), mc_shani_pair(K[6], K[7]),
        mc_shani_pair(K[8], K[9]), mc_shani_pair(K[10], K[11]),
        mc_shani_pair(K[12], K[13]), mc_shani_pair(K[14], K[15] + 640u)};
    const __m128i b2_m0 = _mm_set_epi32(0, (int)job->tail[2], (int)job->tail[1], (int)job->tail[0]);
    const __m128i b2_m1 = _mm_set_epi32(0, 0, 0, (int)0x80000000u);
    const __m128i b2_m3 = _mm_set_epi32(640, 0, 0, 0);
    const __m128i zero = _mm_setzero_si128();
    const __m128i b2_msg1_12 = _mm_sha256msg1_epu32(b2_m1, zero);
    const __m128i b2_msg1_23 = _mm_sha256msg1_epu32(zero, b2_m3);
    /* second hash: W8 = 0x80000000, W9..W14 = 0, W15 = 256 */
    const __m128i c3_kw[4] = {
        mc_shani_pair(K[8] + 0x80000000u, K[9]), mc_shani_pair(K[10], K[11]),
        mc_shani_pair(K[12], K[13]), mc_shani_pair(K[14], K[15] + 256u)};
    const __m128i c3_m2 = _mm_set_epi32(0, 0, 0, (int)0x80000000u);
    const __m128i c3_m3 = _mm_set_epi32(256, 0, 0, 0);
    const __m128i c3_msg1_23 = _mm_sha256msg1_epu32(c3_m2, c3_m3);
    const uint32_t t7 = job->target[7];

    mc_shani_vzeroupper();

    for (uint64_t done = 0; done < count; done += (uint64_t)ways) {
        const uint32_t base = nonce_start + (uint32_t)done; /* lanes past the range wrap; skipped below */
        __m128i s0[8], s1[8], m[16][8];
        uint32_t h7[8];

        /* ---- block 2 from the state after round 3 ---- */
        _Pragma("GCC unroll 8") MC_EACH {
            const __m128i w3 = _mm_cvtsi32_si128((int)__builtin_bswap32(base + (uint32_t)j));
            s0[j] = _mm_add_epi32(b2_abef, _mm_shuffle_epi32(w3, _MM_SHUFFLE(0, 1, 0, 1)));
            s1[j] = b2_cdgh;
            m[0][j] = _mm_or_si128(b2_m0, _mm_slli_si128(w3, 12));
        }
        _Pragma("GCC unroll 6") for (int p = 0; p < 6; p++) {
            _Pragma("GCC unroll 8") MC_EACH s1[j] = _mm_sha256rnds2_epu32(s1[j], s0[j], b2_kw[p]);
            _Pragma("GCC unroll 8") MC_EACH { __m128i t = s0[j]; s0[j] = s1[j]; s1[j] = t; }
        }
        /* m[4] = msg2(msg1(m0, m1) + alignr(m3, m2) = W9..W12 = 0, m3) */
        _Pragma("GCC unroll 8") MC_EACH {
            m[1][j] = b2_m1; m[2][j] = zero; m[3][j] = b2_m3;
            m[4][j] = _mm_sha256msg2_epu32(_mm_sha256msg1_epu32(m[0][j], b2_m1), b2_m3);
            m[5][j] = _mm_sha256msg2_epu32(_mm_add_epi32(b2_msg1_12, _mm_alignr_epi8(m[4][j], b2_m3, 4)), m[4][j]);
            m[6][j] = _mm_sha256msg2_epu32(_mm_add_epi32(b2_msg1_23, _mm_alignr_epi8(m[5][j], m[4][j], 4)), m[5][j]);
        }
        MC_MSG(7);
        _Pragma("GCC unroll 16") for (int k = 4; k < 16; k++) {
            if (k >= 8)
                MC_MSG(k);
            MC_QROUND(s0, s1, m[k], _mm_load_si128((const __m128i *)&K[4 * k]));
        }
        /* digest of the first hash -> message words of the second (M0 = H0..H3, M1 = H4..H7) */
        _Pragma("GCC unroll 8") MC_EACH {
            const __m128i abef = _mm_add_epi32(s0[j], ms_abef);
            const __m128i cdgh = _mm_add_epi32(s1[j], ms_cdgh);
            m[0][j] = _mm_shuffle_epi32(_mm_unpackhi_epi64(cdgh, abef), 0x1B);
            m[1][j] = _mm_shuffle_epi32(_mm_unpacklo_epi64(cdgh, abef), 0x1B);
            m[2][j] = c3_m2;
            m[3][j] = c3_m3;
            s0[j] = iv_abef;
            s1[j] = iv_cdgh;
        }
        /* ---- second hash ---- */
        MC_QROUND(s0, s1, m[0], _mm_load_si128((const __m128i *)&K[0]));
        MC_QROUND(s0, s1, m[1], _mm_load_si128((const __m128i *)&K[4]));
        _Pragma("GCC unroll 4") for (int p = 0; p < 4; p++) {
            _Pragma("GCC unroll 8") MC_EACH s1[j] = _mm_sha256rnds2_epu32(s1[j], s0[j], c3_kw[p]);
            _Pragma("GCC unroll 8") MC_EACH { __m128i t = s0[j]; s0[j] = s1[j]; s1[j] = t; }
        }
        _Pragma("GCC unroll 8") MC_EACH {
            m[4][j] = _mm_sha256msg2_epu32(_mm_sha256msg1_epu32(m[0][j], m[1][j]), c3_m3);
            m[5][j] = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(m[1][j], c3_m2),
                                                         _mm_alignr_epi8(m[4][j], c3_m3, 4)), m[4][j]);
            m[6][j] = _mm_sha256msg2_epu32(_mm_add_epi32(c3_msg1_23, _mm_alignr_epi8(m[5][j], m[4][j], 4)), m[5][j]);
        }
        MC_MSG(7);
        _Pragma("GCC unroll 16") for (int k = 4; k < 15; k++) {
            if (k >= 8)
                MC_MSG(k);
            MC_QROUND(s0, s1, m[k], _mm_load_si128((const __m128i *)&K[4 * k]));
        }
        /* rounds 60-61 only: F of the resulting ABEF is e from round 60 = H7 - IV7 */
        MC_MSG(15);
        _Pragma("GCC unroll 8") MC_EACH {
            const __m128i wk = _mm_add_epi32(m[15][j], _mm_load_si128((const __m128i *)&K[60]));
            h7[j] = __builtin_bswap32((uint32_t)_mm_cvtsi128_si32(_mm_sha256rnds2_epu32(s1[j], s0[j], wk)) + iv[7]);
        }

        uint32_t any = 0;
        _Pragma("GCC unroll 8") MC_EACH any |= (uint32_t)(h7[j] <= t7) << j;
        if (__builtin_expect(any != 0, 0)) {
            uint64_t n = count - done;
            if (n > (uint64_t)ways)
                n = (uint64_t)ways;
            for (uint64_t i = 0; i < n; i++) {
                if (!(any >> i & 1))
                    continue;
                const uint32_t nn = base + (uint32_t)i;
                if (h7[i] < t7 || mc_job_nonce_wins(job, nn)) {
                    if (found < cap)
                        out[found] = nn;
                    found++;
                }
            }
        }
    }
    return found;
}

uint64_t mc_scan_shani(const mc_job *job, uint32_t nonce_start, uint64_t count, uint32_t *out, size_t cap)
{
    return mc_shani_scan(job, nonce_start, count, out, cap, MC_SHANI_WAYS);
}
