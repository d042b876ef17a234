/* simd_template.h - generic N-lane SHA-256d nonce scan (GCC/Clang vector extensions).
 *
 * Include from exactly one translation unit per instance, after defining:
 *   LANES        number of 32-bit lanes (8 for AVX2, 16 for AVX-512; any power of two >= 4 works)
 *   MC_SIMD_FN   name of the mc_scan_fn to define (e.g. mc_scan_avx2)
 * The including file is compiled with the ISA flags of its target (-mavx2, -mavx512f -mavx512vl);
 * this header contains no intrinsics on its main path, so the same code can be built with
 * LANES=16 under -mavx2 to test the 16-lane logic on a machine without AVX-512.
 *
 * Lane i of a vector holds nonce base+i, so winners found lane by lane, vector by vector, come out
 * in ascending order.  Per nonce the work is:
 *   compression 2 (midstate, block 2 = tail words W0..W2, W3 = bswap32(nonce), padding):
 *     rounds 0..2 do not depend on the nonce: computed once per call as scalars;
 *     round 3 reduces to two additions of W3 to constants;
 *     W4..W15 are padding constants: W4..W7 are folded into K+W scalars, W8..W15 are stored
 *     once per call as constant vectors (so one 8-round loop body serves rounds 8..63); W16 and
 *     W17 are constants computed once; W18..W32 keep only their nonce-dependent terms.
 *   compression 3 (IV, block = first digest words W0..W7, padding W8..W15):
 *     round 0 reduces to two additions; W8..W15 are constant vectors stored once; W16..W31
 *     keep only the terms that are not zero; and only rounds 0..60 run: H7 = IV7 + e after
 *     round 60, so rounds 61..63 and the a-side of rounds 57..60 are left out.
 *   a lane survives when bswap32(H7) <= target[7]; a survivor with bswap32(H7) < target[7] wins
 *   at once, and one with equality is settled by a full scalar recomputation (rare).
 */
#ifndef LANES
#error "define LANES before including simd_template.h"
#endif
#ifndef MC_SIMD_FN
#error "define MC_SIMD_FN before including simd_template.h"
#endif

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "impl.h"

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

typedef uint32_t mc_v __attribute__((vector_size(4 * LANES)));

#define MC_ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define MC_BSIG0(x) (MC_ROTR(x, 2) ^ MC_ROTR(x, 13) ^ MC_ROTR(x, 22))
#define MC_BSIG1(x) (MC_ROTR(x, 6) ^ MC_ROTR(x, 11) ^ MC_ROTR(x, 25))
#define MC_SSIG0(x) (MC_ROTR(x, 7) ^ MC_ROTR(x, 18) ^ ((x) >> 3))
#define MC_SSIG1(x) (MC_ROTR(x, 17) ^ MC_ROTR(x, 19) ^ ((x) >> 10))
#define MC_CH(e, f, g) ((((f) ^ (g)) & (e)) ^ (g))
/* (a^b)&(b^c)^b: the a^b of one round is the b^c of the next, which common-subexpression
 * elimination shares between rounds. */
#define MC_MAJ(a, b, c) ((((a) ^ (b)) & ((b) ^ (c))) ^ (b))

/* One round; kw is K[t]+W[t] (a scalar constant, which broadcasts, or a vector). */
#define MC_RND(a, b, c, d, e, f, g, h, kw)                         \
    do {                                                           \
        mc_v t1_ = (h) + MC_BSIG1(e) + MC_CH(e, f, g) + (kw);      \
        mc_v t2_ = MC_BSIG0(a) + MC_MAJ(a, b, c);                  \
        (d) += t1_;                                                \
        (h) = t1_ + t2_;                                           \
    } while (0)

/* Eight rounds starting at round t0 with message words W[t0..t0+7] (vectors, in array w). */
#define MC_RND8V(t0, w)                                                         \
    do {                                                                        \
        MC_RND(a, b, c, d, e, f, g, h, (w)[(t0) + 0] + mc_sha256_k[(t0) + 0]);  \
        MC_RND(h, a, b, c, d, e, f, g, (w)[(t0) + 1] + mc_sha256_k[(t0) + 1]);  \
        MC_RND(g, h, a, b, c, d, e, f, (w)[(t0) + 2] + mc_sha256_k[(t0) + 2]);  \
        MC_RND(f, g, h, a, b, c, d, e, (w)[(t0) + 3] + mc_sha256_k[(t0) + 3]);  \
        MC_RND(e, f, g, h, a, b, c, d, (w)[(t0) + 4] + mc_sha256_k[(t0) + 4]);  \
        MC_RND(d, e, f, g, h, a, b, c, (w)[(t0) + 5] + mc_sha256_k[(t0) + 5]);  \
        MC_RND(c, d, e, f, g, h, a, b, (w)[(t0) + 6] + mc_sha256_k[(t0) + 6]);  \
        MC_RND(b, c, d, e, f, g, h, a, (w)[(t0) + 7] + mc_sha256_k[(t0) + 7]);  \
    } while (0)

/* General schedule step W[t] for t >= 16. */
#define MC_SCHED(w, t) \
    ((w)[t] = MC_SSIG1((w)[(t) - 2]) + (w)[(t) - 7] + MC_SSIG0((w)[(t) - 15]) + (w)[(t) - 16])

static inline uint32_t mc_simd_rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
static inline uint32_t mc_simd_bsig0(uint32_t x) { return mc_simd_rotr(x, 2) ^ mc_simd_rotr(x, 13) ^ mc_simd_rotr(x, 22); }
static inline uint32_t mc_simd_bsig1(uint32_t x) { return mc_simd_rotr(x, 6) ^ mc_simd_rotr(x, 11) ^ mc_simd_rotr(x, 25); }
static inline uint32_t mc_simd_ssig0(uint32_t x) { return mc_simd_rotr(x, 7) ^ mc_simd_rotr(x, 18) ^ (x >> 3); }
static inline uint32_t mc_simd_ssig1(uint32_t x) { return mc_simd_rotr(x, 17) ^ mc_simd_rotr(x, 19) ^ (x >> 10); }

static inline mc_v mc_simd_bswap(mc_v x)
{
    return (x << 24) | ((x << 8) & 0x00ff0000u) | ((x >> 8) & 0x0000ff00u) | (x >> 24);
}

/* Nonzero when any lane of a comparison result (all-ones / zero lanes) is set. */
static inline int mc_simd_any(mc_v m)
{
#if LANES == 16 && defined(__AVX512F__)
    __m512i v;
    memcpy(&v, &m, sizeof v);
    return _mm512_test_epi32_mask(v, v) != 0;
#elif LANES == 8 && defined(__AVX2__)
    __m256i v;
    memcpy(&v, &m, sizeof v);
    return !_mm256_testz_si256(v, v);
#else
    uint64_t parts[LANES / 2], acc = 0;
    memcpy(parts, &m, sizeof parts);
    for (int i = 0; i < LANES / 2; i++)
        acc |= parts[i];
    return acc != 0;
#endif
}

/* Lanes that passed the H7 test (rare): record winners in ascending order; returns new found. */
static __attribute__((noinline, cold)) uint64_t
mc_simd_survivors(const mc_job *job, uint32_t base, unsigned n, const uint32_t *h7, const uint32_t *pass,
                  uint32_t *out, size_t cap, uint64_t found)
{
    const uint32_t t7 = job->target[7];
    for (unsigned i = 0; i < n; i++) {
        if (!pass[i])
            continue;
        const uint32_t nn = base + i;
        if (h7[i] < t7 || mc_job_nonce_wins(job, nn)) {
            if (found < cap)
                out[found] = nn;
            found++;
        }
    }
    return found;
}

uint64_t MC_SIMD_FN(const mc_job *job, uint32_t nonce_start, uint64_t count, uint32_t *out, size_t cap)
{
    const uint32_t *K = mc_sha256_k;
    uint32_t s[8];
    uint64_t found = 0;

    /* ---- per-call precomputation (scalars) ---- */
    /* Block 2, rounds 0..2 from the midstate (W0..W2 = tail). */
    memcpy(s, job->midstate, sizeof s);
    for (int t = 0; t < 3; t++) {
        uint32_t t1 = s[7] + mc_simd_bsig1(s[4]) + ((s[4] & s[5]) ^ (~s[4] & s[6])) + K[t] + job->tail[t];
        uint32_t t2 = mc_simd_bsig0(s[0]) + ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
        s[7] = s[6]; s[6] = s[5]; s[5] = s[4]; s[4] = s[3] + t1;
        s[3] = s[2]; s[2] = s[1]; s[1] = s[0]; s[0] = t1 + t2;
    }
    /* Round 3: T1 = r3_t1 + W3, a4 = T1 + r3_t2, e4 = s[3] + T1. */
    const uint32_t r3_t1 = s[7] + mc_simd_bsig1(s[4]) + ((s[4] & s[5]) ^ (~s[4] & s[6])) + K[3];
    const uint32_t r3_a = r3_t1 + mc_simd_bsig0(s[0]) + ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
    const uint32_t r3_e = r3_t1 + s[3];
    const uint32_t b4 = s[0], c4 = s[1], d4 = s[2], f4 = s[4], g4 = s[5], h4 = s[6];
    /* Block 2 schedule constants: W4 = 0x80000000, W5..W14 = 0, W15 = 640. */
    const uint32_t w0 = job->tail[0], w1 = job->tail[1], w2 = job->tail[2];
    const uint32_t b2_w16 = mc_simd_ssig0(w1) + w0;
    const uint32_t b2_w17 = mc_simd_ssig1(640) + mc_simd_ssig0(w2) + w1;
    const uint32_t b2_w18c = mc_simd_ssig1(b2_w16) + w2;               /* + ssig0(W3) */
    const uint32_t b2_w19c = mc_simd_ssig1(b2_w17) + mc_simd_ssig0(0x80000000u); /* + W3 */
    const uint32_t b2_s0w16 = mc_simd_ssig0(b2_w16);
    const uint32_t b2_s0w17 = mc_simd_ssig0(b2_w17);
    /* Compression 3, round 0 from the IV: T1 = c3_t1 + W0. */
    const uint32_t *iv = mc_sha256_iv;
    const uint32_t c3_t1 = iv[7] + mc_simd_bsig1(iv[4]) + ((iv[4] & iv[5]) ^ (~iv[4] & iv[6])) + K[0];
    const uint32_t c3_a = c3_t1 + mc_simd_bsig0(iv[0]) + ((iv[0] & iv[1]) ^ (iv[0] & iv[2]) ^ (iv[1] & iv[2]));
    const uint32_t c3_e = c3_t1 + iv[3];
    const uint32_t ms[8] = {job->midstate[0], job->midstate[1], job->midstate[2], job->midstate[3],
                            job->midstate[4], job->midstate[5], job->midstate[6], job->midstate[7]};
    const uint32_t t7 = job->target[7];

    /* Message words of the two compressions.  Entries that are padding constants (W8..W15 of
     * both; W16, W17 of block 2) are written once here; the others are rewritten per vector. */
    mc_v wb[64], wc[64];
    for (int t = 8; t < 16; t++) {
        wb[t] = (mc_v){0} + (t == 15 ? 640u : 0u);
        wc[t] = (mc_v){0} + (t == 8 ? 0x80000000u : t == 15 ? 256u : 0u);
    }
    wb[16] = (mc_v){0} + b2_w16;
    wb[17] = (mc_v){0} + b2_w17;

    mc_v lane_idx;
    {
        uint32_t idx[LANES];
        for (int i = 0; i < LANES; i++)
            idx[i] = (uint32_t)i;
        memcpy(&lane_idx, idx, sizeof lane_idx);
    }

    /* The round loops below stay rolled (8 rounds per iteration) on purpose: fully unrolled, the
     * loop body is ~6000 instructions, too big for the decoded-op cache, and decoding then caps
     * the speed (measured ~10-20% slower on Zen 3 with AVX2). */
    for (uint64_t done = 0; done < count; done += LANES) {
        const uint32_t base = nonce_start + (uint32_t)done; /* lanes past the range wrap; they are masked */
        const mc_v nonce = lane_idx + base;
        mc_v a, b, c, d, e, f, g, h;

        /* ---------------- compression 2: block 2 from the midstate ---------------- */
        const mc_v w3 = mc_simd_bswap(nonce);
        /* Round t uses the name rotation t mod 8 of MC_RND8V, so the state after round 3 (roles
         * A..H) goes into the variables that play those roles in round 4: e f g h a b c d. */
        e = w3 + r3_a;
        a = w3 + r3_e;
        f = (mc_v){0} + b4; g = (mc_v){0} + c4; h = (mc_v){0} + d4;
        b = (mc_v){0} + f4; c = (mc_v){0} + g4; d = (mc_v){0} + h4;
        /* schedule W18..W32 with the zero terms dropped (W16, W17 are constants, set above) */
        wb[18] = MC_SSIG0(w3) + b2_w18c;
        wb[19] = w3 + b2_w19c;
        wb[20] = MC_SSIG1(wb[18]) + 0x80000000u;
        wb[21] = MC_SSIG1(wb[19]);
        wb[22] = MC_SSIG1(wb[20]) + 640u;
        wb[23] = MC_SSIG1(wb[21]) + b2_w16;
        wb[24] = MC_SSIG1(wb[22]) + b2_w17;
        wb[25] = MC_SSIG1(wb[23]) + wb[18];
        wb[26] = MC_SSIG1(wb[24]) + wb[19];
        wb[27] = MC_SSIG1(wb[25]) + wb[20];
        wb[28] = MC_SSIG1(wb[26]) + wb[21];
        wb[29] = MC_SSIG1(wb[27]) + wb[22];
        wb[30] = MC_SSIG1(wb[28]) + wb[23] + mc_simd_ssig0(640);
        wb[31] = MC_SSIG1(wb[29]) + wb[24] + b2_s0w16 + 640u;
        wb[32] = MC_SSIG1(wb[30]) + wb[25] + b2_s0w17 + b2_w16;
        _Pragma("GCC unroll 1") for (int t = 33; t < 64; t++)
            MC_SCHED(wb, t);
        /* rounds 4..7: padding words folded into K+W */
        MC_RND(e, f, g, h, a, b, c, d, K[4] + 0x80000000u);
        MC_RND(d, e, f, g, h, a, b, c, K[5]);
        MC_RND(c, d, e, f, g, h, a, b, K[6]);
        MC_RND(b, c, d, e, f, g, h, a, K[7]);
        /* rounds 8..63 */
        _Pragma("GCC unroll 1") for (int t0 = 8; t0 < 64; t0 += 8)
            MC_RND8V(t0, wb);
        /* first digest = midstate + state: the message of compression 3 */
        wc[0] = a + ms[0]; wc[1] = b + ms[1]; wc[2] = c + ms[2]; wc[3] = d + ms[3];
        wc[4] = e + ms[4]; wc[5] = f + ms[5]; wc[6] = g + ms[6]; wc[7] = h + ms[7];

        /* ---------------- compression 3: second SHA-256 from the IV ---------------- */
        /* state after round 0, placed for the rotation of round 1 (h a b c d e f g) */
        h = wc[0] + c3_a;
        d = wc[0] + c3_e;
        a = (mc_v){0} + iv[0]; b = (mc_v){0} + iv[1]; c = (mc_v){0} + iv[2];
        e = (mc_v){0} + iv[4]; f = (mc_v){0} + iv[5]; g = (mc_v){0} + iv[6];
        /* schedule: W8 = 0x80000000, W9..W14 = 0, W15 = 256 */
        wc[16] = MC_SSIG0(wc[1]) + wc[0];
        wc[17] = MC_SSIG0(wc[2]) + wc[1] + mc_simd_ssig1(256);
        wc[18] = MC_SSIG1(wc[16]) + MC_SSIG0(wc[3]) + wc[2];
        wc[19] = MC_SSIG1(wc[17]) + MC_SSIG0(wc[4]) + wc[3];
        wc[20] = MC_SSIG1(wc[18]) + MC_SSIG0(wc[5]) + wc[4];
        wc[21] = MC_SSIG1(wc[19]) + MC_SSIG0(wc[6]) + wc[5];
        wc[22] = MC_SSIG1(wc[20]) + MC_SSIG0(wc[7]) + wc[6] + 256u;
        wc[23] = MC_SSIG1(wc[21]) + wc[16] + wc[7] + mc_simd_ssig0(0x80000000u);
        wc[24] = MC_SSIG1(wc[22]) + wc[17] + 0x80000000u;
        wc[25] = MC_SSIG1(wc[23]) + wc[18];
        wc[26] = MC_SSIG1(wc[24]) + wc[19];
        wc[27] = MC_SSIG1(wc[25]) + wc[20];
        wc[28] = MC_SSIG1(wc[26]) + wc[21];
        wc[29] = MC_SSIG1(wc[27]) + wc[22];
        wc[30] = MC_SSIG1(wc[28]) + wc[23] + mc_simd_ssig0(256);
        wc[31] = MC_SSIG1(wc[29]) + wc[24] + MC_SSIG0(wc[16]) + 256u;
        _Pragma("GCC unroll 1") for (int t = 32; t < 61; t++)
            MC_SCHED(wc, t);
        MC_RND(h, a, b, c, d, e, f, g, wc[1] + K[1]);
        MC_RND(g, h, a, b, c, d, e, f, wc[2] + K[2]);
        MC_RND(f, g, h, a, b, c, d, e, wc[3] + K[3]);
        MC_RND(e, f, g, h, a, b, c, d, wc[4] + K[4]);
        MC_RND(d, e, f, g, h, a, b, c, wc[5] + K[5]);
        MC_RND(c, d, e, f, g, h, a, b, wc[6] + K[6]);
        MC_RND(b, c, d, e, f, g, h, a, wc[7] + K[7]);
        /* rounds 8..55 */
        _Pragma("GCC unroll 1") for (int t0 = 8; t0 < 56; t0 += 8)
            MC_RND8V(t0, wc);
        /* rounds 56..60; only e after round 60 is needed (it becomes h after round 63), so the
         * a-side of these rounds and rounds 61..63 are left out (dead code) */
        MC_RND(a, b, c, d, e, f, g, h, wc[56] + K[56]);
        MC_RND(h, a, b, c, d, e, f, g, wc[57] + K[57]);
        MC_RND(g, h, a, b, c, d, e, f, wc[58] + K[58]);
        MC_RND(f, g, h, a, b, c, d, e, wc[59] + K[59]);
        MC_RND(e, f, g, h, a, b, c, d, wc[60] + K[60]);
        /* round 60 played D with variable h, so h now holds e after round 60 = h after round 63 */
        const mc_v h7 = mc_simd_bswap(h + iv[7]);
        const mc_v pass = (mc_v)(h7 <= t7);

        if (__builtin_expect(mc_simd_any(pass), 0)) {
            uint32_t h7s[LANES], passs[LANES];
            uint64_t n = count - done;
            memcpy(h7s, &h7, sizeof h7s);
            memcpy(passs, &pass, sizeof passs);
            found = mc_simd_survivors(job, base, n < LANES ? (unsigned)n : LANES, h7s, passs, out, cap, found);
        }
    }
    return found;
}
