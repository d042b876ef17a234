/* minecore: portable scalar SHA-256 / SHA-256d and the scalar nonce scanner.
 *
 * Always compiled, with the extension's ordinary flags (no ISA flags).  The scanner uses the miners' tricks:
 *   - midstate: block 1 of the header is compressed once per job (by dispatch.c, into mc_job.midstate);
 *   - block 2: rounds 0..2 use only header bytes 64..75, so they are done once per job; round 3 is folded down to
 *     "constant + W3"; the constant padding words (W4 = 0x80000000, W5..W14 = 0, W15 = 640) and the parts of the
 *     message schedule that do not depend on the nonce are precomputed;
 *   - hash 2: starts from the IV (round 0 folded to "constant + W0"), padding W8 = 0x80000000, W9..W14 = 0,
 *     W15 = 256 folded into the schedule;
 *   - early exit: only rounds 0..60 of the last compression are needed for H[7] (h after round 63 is e after
 *     round 60); the nonce is dropped when bswap32(H[7]) > target[7], the usual case.  Survivors are hashed again
 *     in full by plain code and compared word by word.
 */
#include <string.h>

#include "impl.h"

const uint32_t mc_sha256_k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

const uint32_t mc_sha256_iv[8] = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BSIG0(x) (ROTR((x), 2) ^ ROTR((x), 13) ^ ROTR((x), 22))
#define BSIG1(x) (ROTR((x), 6) ^ ROTR((x), 11) ^ ROTR((x), 25))
#define SSIG0(x) (ROTR((x), 7) ^ ROTR((x), 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR((x), 17) ^ ROTR((x), 19) ^ ((x) >> 10))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))

/* One round; the caller rotates the variable names instead of moving values. */
#define RND(a, b, c, d, e, f, g, h, kw)                               \
    do {                                                              \
        uint32_t t1_ = (h) + BSIG1(e) + CH((e), (f), (g)) + (kw);     \
        uint32_t t2_ = BSIG0(a) + MAJ((a), (b), (c));                 \
        (d) += t1_;                                                   \
        (h) = t1_ + t2_;                                              \
    } while (0)

static inline uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline uint32_t bswap32(uint32_t x)
{
    return (x >> 24) | ((x >> 8) & 0x0000ff00u) | ((x << 8) & 0x00ff0000u) | (x << 24);
}

/* Plain compression of 16 message words (W[0..15]) into state. */
static void compress_words(uint32_t state[8], const uint32_t in[16])
{
    uint32_t w[64];
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    int i;
    for (i = 0; i < 16; i++) w[i] = in[i];
    for (i = 16; i < 64; i++) w[i] = SSIG1(w[i - 2]) + w[i - 7] + SSIG0(w[i - 15]) + w[i - 16];
    for (i = 0; i < 64; i += 8) {
        RND(a, b, c, d, e, f, g, h, mc_sha256_k[i + 0] + w[i + 0]);
        RND(h, a, b, c, d, e, f, g, mc_sha256_k[i + 1] + w[i + 1]);
        RND(g, h, a, b, c, d, e, f, mc_sha256_k[i + 2] + w[i + 2]);
        RND(f, g, h, a, b, c, d, e, mc_sha256_k[i + 3] + w[i + 3]);
        RND(e, f, g, h, a, b, c, d, mc_sha256_k[i + 4] + w[i + 4]);
        RND(d, e, f, g, h, a, b, c, mc_sha256_k[i + 5] + w[i + 5]);
        RND(c, d, e, f, g, h, a, b, mc_sha256_k[i + 6] + w[i + 6]);
        RND(b, c, d, e, f, g, h, a, mc_sha256_k[i + 7] + w[i + 7]);
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

void mc_sha256_compress(uint32_t state[8], const uint8_t block[64])
{
    uint32_t w[16];
    int i;
    for (i = 0; i < 16; i++) w[i] = load_be32(block + 4 * i);
    compress_words(state, w);
}

static void sha256_buf(const uint8_t *p, size_t len, uint32_t st[8])
{
    uint8_t last[128];
    size_t rest, pad;
    uint64_t bits = (uint64_t)len * 8u;
    int i;
    memcpy(st, mc_sha256_iv, sizeof mc_sha256_iv);
    while (len >= 64) {
        mc_sha256_compress(st, p);
        p += 64;
        len -= 64;
    }
    rest = len;
    memset(last, 0, sizeof last);
    if (rest) memcpy(last, p, rest);
    last[rest] = 0x80;
    pad = (rest < 56) ? 64 : 128;
    for (i = 0; i < 8; i++) last[pad - 1 - i] = (uint8_t)(bits >> (8 * i));
    mc_sha256_compress(st, last);
    if (pad == 128) mc_sha256_compress(st, last + 64);
}

static void state_to_bytes(const uint32_t st[8], uint8_t out[32])
{
    int i;
    for (i = 0; i < 8; i++) {
        out[4 * i + 0] = (uint8_t)(st[i] >> 24);
        out[4 * i + 1] = (uint8_t)(st[i] >> 16);
        out[4 * i + 2] = (uint8_t)(st[i] >> 8);
        out[4 * i + 3] = (uint8_t)st[i];
    }
}

/* Public: sha256d of any buffer (declared in include/minecore/sha256d.h). */
void mc_sha256d(const void *data, size_t len, uint8_t out[32])
{
    uint32_t st[8];
    uint8_t first[32];
    sha256_buf((const uint8_t *)data, len, st);
    state_to_bytes(st, first);
    sha256_buf(first, 32, st);
    state_to_bytes(st, out);
}

/* Full, unshortened sha256d state for one nonce of a job (used to confirm early-exit survivors). */
static void job_hash_full(const mc_job *job, uint32_t nonce, uint32_t out[8])
{
    uint32_t w[16], st[8];
    int i;
    memcpy(st, job->midstate, sizeof st);
    w[0] = job->tail[0];
    w[1] = job->tail[1];
    w[2] = job->tail[2];
    w[3] = bswap32(nonce);
    w[4] = 0x80000000u;
    for (i = 5; i < 15; i++) w[i] = 0;
    w[15] = 640;
    compress_words(st, w);
    for (i = 0; i < 8; i++) w[i] = st[i];
    w[8] = 0x80000000u;
    for (i = 9; i < 15; i++) w[i] = 0;
    w[15] = 256;
    memcpy(out, mc_sha256_iv, sizeof mc_sha256_iv);
    compress_words(out, w);
}

/* 1 when the little-endian 256-bit integer of the digest (state words H) is <= target. */
static int meets_target(const uint32_t h[8], const uint32_t target[8])
{
    int i;
    for (i = 7; i >= 0; i--) {
        uint32_t w = bswap32(h[i]);
        if (w < target[i]) return 1;
        if (w > target[i]) return 0;
    }
    return 1;
}

int mc_job_nonce_wins(const mc_job *job, uint32_t nonce)
{
    uint32_t h[8];
    job_hash_full(job, nonce, h);
    return meets_target(h, job->target);
}

uint64_t mc_scan_portable(const mc_job *job, uint32_t nonce_start, uint64_t count, uint32_t *out, size_t cap)
{
    const uint32_t *K = mc_sha256_k;
    const uint32_t t0 = job->tail[0], t1 = job->tail[1], t2 = job->tail[2];
    const uint32_t target7 = job->target[7];
    uint32_t p[8];
    uint32_t r3_t1, r3_t2;
    uint32_t w16, w17, w18c, w19c;
    uint32_t h2_t1, h2_t2;
    uint64_t found = 0, k;

    /* ---- per-job precompute: block 2 rounds 0..2 ---- */
    {
        uint32_t a = job->midstate[0], b = job->midstate[1], c = job->midstate[2], d = job->midstate[3];
        uint32_t e = job->midstate[4], f = job->midstate[5], g = job->midstate[6], h = job->midstate[7];
        RND(a, b, c, d, e, f, g, h, K[0] + t0);
        RND(h, a, b, c, d, e, f, g, K[1] + t1);
        RND(g, h, a, b, c, d, e, f, K[2] + t2);
        /* after 3 rounds the working variables (a..h) are (f, g, h, a, b, c, d, e) */
        p[0] = f; p[1] = g; p[2] = h; p[3] = a; p[4] = b; p[5] = c; p[6] = d; p[7] = e;
        /* round 3: everything but W3 is constant */
        r3_t1 = p[7] + BSIG1(p[4]) + CH(p[4], p[5], p[6]) + K[3];
        r3_t2 = BSIG0(p[0]) + MAJ(p[0], p[1], p[2]);
    }
    /* schedule parts independent of W3 (W4 = 0x80000000, W5..W14 = 0, W15 = 640) */
    w16 = SSIG0(t1) + t0;
    w17 = SSIG1(640u) + SSIG0(t2) + t1;
    w18c = SSIG1(w16) + t2;            /* W18 = w18c + s0(W3) */
    w19c = SSIG1(w17) + SSIG0(0x80000000u); /* W19 = w19c + W3 */
    /* hash 2, round 0 from the IV: T1 = const + W0, T2 = const */
    {
        const uint32_t *iv = mc_sha256_iv;
        h2_t1 = iv[7] + BSIG1(iv[4]) + CH(iv[4], iv[5], iv[6]) + K[0];
        h2_t2 = BSIG0(iv[0]) + MAJ(iv[0], iv[1], iv[2]);
    }

    for (k = 0; k < count; k++) {
        const uint32_t nonce = (uint32_t)(nonce_start + k);
        const uint32_t w3 = bswap32(nonce);
        uint32_t a, b, c, d, e, f, g, h;
        uint32_t w[64];
        int i;

        /* ---- compression 1 (block 2 of the header), from round 3 ---- */
        a = p[0]; b = p[1]; c = p[2]; d = p[3]; e = p[4]; f = p[5]; g = p[6]; h = p[7];
        {
            uint32_t t = r3_t1 + w3;
            d += t;
            h = t + r3_t2;
        }
        /* rotate names: after round 3 the roles are (h, a, b, c, d, e, f, g) */
        RND(h, a, b, c, d, e, f, g, K[4] + 0x80000000u);
        RND(g, h, a, b, c, d, e, f, K[5]);
        RND(f, g, h, a, b, c, d, e, K[6]);
        RND(e, f, g, h, a, b, c, d, K[7]);
        RND(d, e, f, g, h, a, b, c, K[8]);
        RND(c, d, e, f, g, h, a, b, K[9]);
        RND(b, c, d, e, f, g, h, a, K[10]);
        RND(a, b, c, d, e, f, g, h, K[11]);
        RND(h, a, b, c, d, e, f, g, K[12]);
        RND(g, h, a, b, c, d, e, f, K[13]);
        RND(f, g, h, a, b, c, d, e, K[14]);
        RND(e, f, g, h, a, b, c, d, K[15] + 640u);
        /* roles are now (d, e, f, g, h, a, b, c) */
        w[16] = w16;
        w[17] = w17;
        w[18] = w18c + SSIG0(w3);
        w[19] = w19c + w3;
        w[20] = SSIG1(w[18]) + 0x80000000u;
        w[21] = SSIG1(w[19]);
        w[22] = SSIG1(w[20]) + 640u;
        w[23] = SSIG1(w[21]) + w[16];
        w[24] = SSIG1(w[22]) + w[17];
        w[25] = SSIG1(w[23]) + w[18];
        w[26] = SSIG1(w[24]) + w[19];
        w[27] = SSIG1(w[25]) + w[20];
        w[28] = SSIG1(w[26]) + w[21];
        w[29] = SSIG1(w[27]) + w[22];
        w[30] = SSIG1(w[28]) + w[23] + SSIG0(640u);
        w[31] = SSIG1(w[29]) + w[24] + SSIG0(w[16]) + 640u;
        for (i = 32; i < 64; i++) w[i] = SSIG1(w[i - 2]) + w[i - 7] + SSIG0(w[i - 15]) + w[i - 16];
        for (i = 16; i < 64; i += 8) {
            RND(d, e, f, g, h, a, b, c, K[i + 0] + w[i + 0]);
            RND(c, d, e, f, g, h, a, b, K[i + 1] + w[i + 1]);
            RND(b, c, d, e, f, g, h, a, K[i + 2] + w[i + 2]);
            RND(a, b, c, d, e, f, g, h, K[i + 3] + w[i + 3]);
            RND(h, a, b, c, d, e, f, g, K[i + 4] + w[i + 4]);
            RND(g, h, a, b, c, d, e, f, K[i + 5] + w[i + 5]);
            RND(f, g, h, a, b, c, d, e, K[i + 6] + w[i + 6]);
            RND(e, f, g, h, a, b, c, d, K[i + 7] + w[i + 7]);
        }
        /* after 64 rounds the roles are (d, e, f, g, h, a, b, c) = (A..H) */
        w[0] = job->midstate[0] + d;
        w[1] = job->midstate[1] + e;
        w[2] = job->midstate[2] + f;
        w[3] = job->midstate[3] + g;
        w[4] = job->midstate[4] + h;
        w[5] = job->midstate[5] + a;
        w[6] = job->midstate[6] + b;
        w[7] = job->midstate[7] + c;

        /* ---- compression 2 (hash of the 32-byte digest), padding folded in ---- */
        a = mc_sha256_iv[0]; b = mc_sha256_iv[1]; c = mc_sha256_iv[2]; d = mc_sha256_iv[3];
        e = mc_sha256_iv[4]; f = mc_sha256_iv[5]; g = mc_sha256_iv[6]; h = mc_sha256_iv[7];
        {
            uint32_t t = h2_t1 + w[0];
            d += t;
            h = t + h2_t2;
        }
        RND(h, a, b, c, d, e, f, g, K[1] + w[1]);
        RND(g, h, a, b, c, d, e, f, K[2] + w[2]);
        RND(f, g, h, a, b, c, d, e, K[3] + w[3]);
        RND(e, f, g, h, a, b, c, d, K[4] + w[4]);
        RND(d, e, f, g, h, a, b, c, K[5] + w[5]);
        RND(c, d, e, f, g, h, a, b, K[6] + w[6]);
        RND(b, c, d, e, f, g, h, a, K[7] + w[7]);
        RND(a, b, c, d, e, f, g, h, K[8] + 0x80000000u);
        RND(h, a, b, c, d, e, f, g, K[9]);
        RND(g, h, a, b, c, d, e, f, K[10]);
        RND(f, g, h, a, b, c, d, e, K[11]);
        RND(e, f, g, h, a, b, c, d, K[12]);
        RND(d, e, f, g, h, a, b, c, K[13]);
        RND(c, d, e, f, g, h, a, b, K[14]);
        RND(b, c, d, e, f, g, h, a, K[15] + 256u);
        /* roles now (a, b, c, d, e, f, g, h) again */
        w[16] = SSIG0(w[1]) + w[0];
        w[17] = SSIG1(256u) + SSIG0(w[2]) + w[1];
        w[18] = SSIG1(w[16]) + SSIG0(w[3]) + w[2];
        w[19] = SSIG1(w[17]) + SSIG0(w[4]) + w[3];
        w[20] = SSIG1(w[18]) + SSIG0(w[5]) + w[4];
        w[21] = SSIG1(w[19]) + SSIG0(w[6]) + w[5];
        w[22] = SSIG1(w[20]) + 256u + SSIG0(w[7]) + w[6];
        w[23] = SSIG1(w[21]) + w[16] + SSIG0(0x80000000u) + w[7];
        w[24] = SSIG1(w[22]) + w[17] + 0x80000000u;
        w[25] = SSIG1(w[23]) + w[18];
        w[26] = SSIG1(w[24]) + w[19];
        w[27] = SSIG1(w[25]) + w[20];
        w[28] = SSIG1(w[26]) + w[21];
        w[29] = SSIG1(w[27]) + w[22];
        w[30] = SSIG1(w[28]) + w[23] + SSIG0(256u);
        w[31] = SSIG1(w[29]) + w[24] + SSIG0(w[16]) + 256u;
        for (i = 32; i < 61; i++) w[i] = SSIG1(w[i - 2]) + w[i - 7] + SSIG0(w[i - 15]) + w[i - 16];
        for (i = 16; i < 56; i += 8) {
            RND(a, b, c, d, e, f, g, h, K[i + 0] + w[i + 0]);
            RND(h, a, b, c, d, e, f, g, K[i + 1] + w[i + 1]);
            RND(g, h, a, b, c, d, e, f, K[i + 2] + w[i + 2]);
            RND(f, g, h, a, b, c, d, e, K[i + 3] + w[i + 3]);
            RND(e, f, g, h, a, b, c, d, K[i + 4] + w[i + 4]);
            RND(d, e, f, g, h, a, b, c, K[i + 5] + w[i + 5]);
            RND(c, d, e, f, g, h, a, b, K[i + 6] + w[i + 6]);
            RND(b, c, d, e, f, g, h, a, K[i + 7] + w[i + 7]);
        }
        /* rounds 56..59 in full */
        RND(a, b, c, d, e, f, g, h, K[56] + w[56]);
        RND(h, a, b, c, d, e, f, g, K[57] + w[57]);
        RND(g, h, a, b, c, d, e, f, K[58] + w[58]);
        RND(f, g, h, a, b, c, d, e, K[59] + w[59]);
        /* round 60 would be RND(e, f, g, h, a, b, c, d): only its new e matters, it becomes the final h */
        {
            uint32_t e60 = h + d + BSIG1(a) + CH(a, b, c) + K[60] + w[60];
            uint32_t h7 = mc_sha256_iv[7] + e60;
            if (bswap32(h7) <= target7) {
                uint32_t full[8];
                job_hash_full(job, nonce, full);
                if (meets_target(full, job->target)) {
                    if (found < cap) out[found] = nonce;
                    found++;
                }
            }
        }
    }
    return found;
}
