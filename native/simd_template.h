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
 *     W4..W15 are padding constants, folded into K+W scalars; schedule words whose inputs are
 *     constant are precomputed, and the rest of W16..W31 keep only their nonce-dependent terms.
 *   compression 3 (IV, block = first digest words W0..W7, padding W8..W15):
 *     round 0 reduces to two additions; W8..W15 folded into K+W; W16..W31 keep only the
 *     terms that are not zero; and only rounds 0..60 run: H7 = IV7 + e after round 60, so
 *     rounds 61..63 and the a-side of rounds 57..60 are dead code the compiler removes.
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

/* Full check of one nonce, recomputed with the portable compression (rare path). */
static int mc_simd_full_check(const mc_job *job, uint32_t nonce)
{
    uint8_t block[64];
    uint32_t st[8];
    memset(block, 0, sizeof block);
    for (int i = 0; i < 3; i++) {
        block[4 * i + 0] = (uint8_t)(job->tail[i] >> 24);
        block[4 * i + 1] = (uint8_t)(job->tail[i] >> 16);
        block[4 * i + 2] = (uint8_t)(job->tail[i] >> 8);
        block[4 * i + 3] = (uint8_t)job->tail[i];
    }
    block[12] = (uint8_t)nonce;
    block[13] = (uint8_t)(nonce >> 8);
    block[14] = (uint8_t)(nonce >> 16);
    block[15] = (uint8_t)(nonce >> 24);
    block[16] = 0x80;
    block[62] = 0x02; /* 640 bits */
    block[63] = 0x80;
    memcpy(st, job->midstate, sizeof st);
    mc_sha256_compress(st, block);
    memset(block, 0, sizeof block);
    for (int i = 0; i < 8; i++) {
        block[4 * i + 0] = (uint8_t)(st[i] >> 24);
        block[4 * i + 1] = (uint8_t)(st[i] >> 16);
        block[4 * i + 2] = (uint8_t)(st[i] >> 8);
        block[4 * i + 3] = (uint8_t)st[i];
    }
    block[32] = 0x80;
    block[62] = 0x01; /* 256 bits */
    memcpy(st, mc_sha256_iv, sizeof st);
    mc_sha256_compress(st, block);
    for (int i = 7; i >= 0; i--) {
        uint32_t w = __builtin_bswap32(st[i]);
        if (w < job->target[i])
            return 1;
        if (w > job->target[i])
            return 0;
    }
    return 1;
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

    mc_v lane_idx;
    {
        uint32_t idx[LANES];
        for (int i = 0; i < LANES; i++)
            idx[i] = (uint32_t)i;
        memcpy(&lane_idx, idx, sizeof lane_idx);
    }

    for (uint64_t done = 0; done < count; done += LANES) {
        const uint32_t base = nonce_start + (uint32_t)done; /* lanes past the range wrap; they are masked */
        const mc_v nonce = lane_idx + base;
        mc_v a, b, c, d, e, f, g, h;
        mc_v w[64];

        /* ---------------- compression 2: block 2 from the midstate ---------------- */
        const mc_v w3 = mc_simd_bswap(nonce);
        /* Round t uses the name rotation t mod 8 of MC_RND8V, so the state after round 3 (roles
         * A..H) goes into the variables that play those roles in round 4: e f g h a b c d. */
        e = w3 + r3_a;
        a = w3 + r3_e;
        f = (mc_v){0} + b4; g = (mc_v){0} + c4; h = (mc_v){0} + d4;
        b = (mc_v){0} + f4; c = (mc_v){0} + g4; d = (mc_v){0} + h4;
        /* rounds 4..15: padding words folded into K+W */
        MC_RND(e, f, g, h, a, b, c, d, K[4] + 0x80000000u);
        MC_RND(d, e, f, g, h, a, b, c, K[5]);
        MC_RND(c, d, e, f, g, h, a, b, K[6]);
        MC_RND(b, c, d, e, f, g, h, a, K[7]);
        MC_RND(a, b, c, d, e, f, g, h, K[8]);
        MC_RND(h, a, b, c, d, e, f, g, K[9]);
        MC_RND(g, h, a, b, c, d, e, f, K[10]);
        MC_RND(f, g, h, a, b, c, d, e, K[11]);
        MC_RND(e, f, g, h, a, b, c, d, K[12]);
        MC_RND(d, e, f, g, h, a, b, c, K[13]);
        MC_RND(c, d, e, f, g, h, a, b, K[14]);
        MC_RND(b, c, d, e, f, g, h, a, K[15] + 640u);
        /* schedule W16..W31 with the zero terms dropped */
        w[16] = (mc_v){0} + b2_w16;
        w[17] = (mc_v){0} + b2_w17;
        w[18] = MC_SSIG0(w3) + b2_w18c;
        w[19] = w3 + b2_w19c;
        w[20] = MC_SSIG1(w[18]) + 0x80000000u;
        w[21] = MC_SSIG1(w[19]);
        w[22] = MC_SSIG1(w[20]) + 640u;
        w[23] = MC_SSIG1(w[21]) + b2_w16;
        w[24] = MC_SSIG1(w[22]) + b2_w17;
        w[25] = MC_SSIG1(w[23]) + w[18];
        w[26] = MC_SSIG1(w[24]) + w[19];
        w[27] = MC_SSIG1(w[25]) + w[20];
        w[28] = MC_SSIG1(w[26]) + w[21];
        w[29] = MC_SSIG1(w[27]) + w[22];
        w[30] = MC_SSIG1(w[28]) + w[23] + mc_simd_ssig0(640);
        w[31] = MC_SSIG1(w[29]) + w[24] + b2_s0w16 + 640u;
        w[32] = MC_SSIG1(w[30]) + w[25] + b2_s0w17 + b2_w16;
        /* W33..W63 are general (w[17] holds the broadcast constant) */
        for (int t = 33; t < 64; t++)
            MC_SCHED(w, t);
        /* rounds 16..63 */
        MC_RND8V(16, w);
        MC_RND8V(24, w);
        MC_RND8V(32, w);
        MC_RND8V(40, w);
        MC_RND8V(48, w);
        MC_RND8V(56, w);
        /* first digest = midstate + state: the message of compression 3 */
        w[0] = a + ms[0]; w[1] = b + ms[1]; w[2] = c + ms[2]; w[3] = d + ms[3];
        w[4] = e + ms[4]; w[5] = f + ms[5]; w[6] = g + ms[6]; w[7] = h + ms[7];

        /* ---------------- compression 3: second SHA-256 from the IV ---------------- */
        /* state after round 0, placed for the rotation of round 1 (h a b c d e f g) */
        h = w[0] + c3_a;
        d = w[0] + c3_e;
        a = (mc_v){0} + iv[0]; b = (mc_v){0} + iv[1]; c = (mc_v){0} + iv[2];
        e = (mc_v){0} + iv[4]; f = (mc_v){0} + iv[5]; g = (mc_v){0} + iv[6];
        MC_RND(h, a, b, c, d, e, f, g, w[1] + K[1]);
        MC_RND(g, h, a, b, c, d, e, f, w[2] + K[2]);
        MC_RND(f, g, h, a, b, c, d, e, w[3] + K[3]);
        MC_RND(e, f, g, h, a, b, c, d, w[4] + K[4]);
        MC_RND(d, e, f, g, h, a, b, c, w[5] + K[5]);
        MC_RND(c, d, e, f, g, h, a, b, w[6] + K[6]);
        MC_RND(b, c, d, e, f, g, h, a, w[7] + K[7]);
        /* rounds 8..15: W8 = 0x80000000, W9..W14 = 0, W15 = 256 */
        MC_RND(a, b, c, d, e, f, g, h, K[8] + 0x80000000u);
        MC_RND(h, a, b, c, d, e, f, g, K[9]);
        MC_RND(g, h, a, b, c, d, e, f, K[10]);
        MC_RND(f, g, h, a, b, c, d, e, K[11]);
        MC_RND(e, f, g, h, a, b, c, d, K[12]);
        MC_RND(d, e, f, g, h, a, b, c, K[13]);
        MC_RND(c, d, e, f, g, h, a, b, K[14]);
        MC_RND(b, c, d, e, f, g, h, a, K[15] + 256u);
        w[16] = MC_SSIG0(w[1]) + w[0];
        w[17] = MC_SSIG0(w[2]) + w[1] + mc_simd_ssig1(256);
        w[18] = MC_SSIG1(w[16]) + MC_SSIG0(w[3]) + w[2];
        w[19] = MC_SSIG1(w[17]) + MC_SSIG0(w[4]) + w[3];
        w[20] = MC_SSIG1(w[18]) + MC_SSIG0(w[5]) + w[4];
        w[21] = MC_SSIG1(w[19]) + MC_SSIG0(w[6]) + w[5];
        w[22] = MC_SSIG1(w[20]) + MC_SSIG0(w[7]) + w[6] + 256u;
        w[23] = MC_SSIG1(w[21]) + w[16] + w[7] + mc_simd_ssig0(0x80000000u);
        w[24] = MC_SSIG1(w[22]) + w[17] + 0x80000000u;
        w[25] = MC_SSIG1(w[23]) + w[18];
        w[26] = MC_SSIG1(w[24]) + w[19];
        w[27] = MC_SSIG1(w[25]) + w[20];
        w[28] = MC_SSIG1(w[26]) + w[21];
        w[29] = MC_SSIG1(w[27]) + w[22];
        w[30] = MC_SSIG1(w[28]) + w[23] + mc_simd_ssig0(256);
        w[31] = MC_SSIG1(w[29]) + w[24] + MC_SSIG0(w[16]) + 256u;
        for (int t = 32; t < 61; t++)
            MC_SCHED(w, t);
        MC_RND8V(16, w);
        MC_RND8V(24, w);
        MC_RND8V(32, w);
        MC_RND8V(40, w);
        MC_RND8V(48, w);
        /* rounds 56..60; only e after round 60 is needed (it becomes h after round 63) */
        MC_RND(a, b, c, d, e, f, g, h, w[56] + K[56]);
        MC_RND(h, a, b, c, d, e, f, g, w[57] + K[57]);
        MC_RND(g, h, a, b, c, d, e, f, w[58] + K[58]);
        MC_RND(f, g, h, a, b, c, d, e, w[59] + K[59]);
        MC_RND(e, f, g, h, a, b, c, d, w[60] + K[60]);
        /* round 60 played D with variable h, so h now holds e after round 60 = h after round 63 */
        const mc_v h7 = mc_simd_bswap(h + iv[7]);
        const mc_v pass = (mc_v)(h7 <= t7);

        if (__builtin_expect(mc_simd_any(pass), 0)) {
            uint64_t n = count - done;
            if (n > LANES)
                n = LANES;
            for (uint64_t i = 0; i < n; i++) {
                if (!pass[i])
                    continue;
                const uint32_t nn = base + (uint32_t)i;
                if (h7[i] < t7 || mc_simd_full_check(job, nn)) {
                    if (found < cap)
                        out[found] = nn;
                    found++;
                }
            }
        }
    }
    return found;
}
