/* minecore native self-test program (used by .ci/sanitize.sh under AddressSanitizer + UBSan).
 *
 * Checks, for every implementation this build and CPU can use:
 *   - known answers (FIPS 180 "abc", 448-bit message, empty string; the genesis block header and its nonce);
 *   - randomized scans (random headers, ranges starting/ending off lane boundaries incl. nonce 0 and 0xffffffff,
 *     targets accepting nothing / everything / some) against the portable implementation and against a
 *     from-scratch SHA-256 written independently below;
 *   - small output buffers (never written past cap, total count still right), the cancel flag, version rolling,
 *     and the error codes of the public API.
 * Exits 1 on the first failure, 0 when everything passed.  Usage: selftest [seed]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minecore/sha256d.h"

static int failures;
#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);           \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, "\n");                                         \
            failures++;                                                    \
            return;                                                        \
        }                                                                  \
    } while (0)

/* ---------------------------------------------------------------- from-scratch SHA-256 (FIPS 180-4, 6.2) */
static const unsigned int K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void ref_sha256(const uint8_t *msg, size_t len, uint8_t out[32])
{
    uint32_t H[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    size_t total = ((len + 9 + 63) / 64) * 64, blk, t;
    uint8_t *m = calloc(total, 1);
    uint64_t bits = (uint64_t)len * 8;
    if (!m) abort();
    if (len) memcpy(m, msg, len);
    m[len] = 0x80;
    for (t = 0; t < 8; t++) m[total - 1 - t] = (uint8_t)(bits >> (8 * t));
    for (blk = 0; blk < total; blk += 64) {
        uint32_t W[64], a, b, c, d, e, f, g, h;
        for (t = 0; t < 16; t++)
            W[t] = (uint32_t)m[blk + 4 * t] << 24 | (uint32_t)m[blk + 4 * t + 1] << 16 |
                   (uint32_t)m[blk + 4 * t + 2] << 8 | m[blk + 4 * t + 3];
        for (t = 16; t < 64; t++) {
            uint32_t s0 = rotr(W[t - 15], 7) ^ rotr(W[t - 15], 18) ^ (W[t - 15] >> 3);
            uint32_t s1 = rotr(W[t - 2], 17) ^ rotr(W[t - 2], 19) ^ (W[t - 2] >> 10);
            W[t] = s1 + W[t - 7] + s0 + W[t - 16];
        }
        a = H[0]; b = H[1]; c = H[2]; d = H[3]; e = H[4]; f = H[5]; g = H[6]; h = H[7];
        for (t = 0; t < 64; t++) {
            uint32_t T1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + W[t];
            uint32_t T2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g; g = f; f = e; e = d + T1; d = c; c = b; b = a; a = T1 + T2;
        }
        H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
    }
    for (t = 0; t < 8; t++) {
        out[4 * t] = (uint8_t)(H[t] >> 24); out[4 * t + 1] = (uint8_t)(H[t] >> 16);
        out[4 * t + 2] = (uint8_t)(H[t] >> 8); out[4 * t + 3] = (uint8_t)H[t];
    }
    free(m);
}

static void ref_sha256d(const uint8_t *msg, size_t len, uint8_t out[32])
{
    uint8_t first[32];
    ref_sha256(msg, len, first);
    ref_sha256(first, 32, out);
}

static int le_leq(const uint8_t *h, const uint8_t *t)
{
    int i;
    for (i = 31; i >= 0; i--) {
        if (h[i] != t[i]) return h[i] < t[i];
    }
    return 1;
}

static uint64_t ref_scan(const uint8_t *h76, const uint8_t *target, uint32_t start, uint64_t count, uint32_t *out,
                         size_t cap)
{
    uint8_t hdr[80], hash[32];
    uint64_t k, found = 0;
    memcpy(hdr, h76, 76);
    for (k = 0; k < count; k++) {
        uint32_t n = (uint32_t)(start + k);
        hdr[76] = (uint8_t)n; hdr[77] = (uint8_t)(n >> 8); hdr[78] = (uint8_t)(n >> 16); hdr[79] = (uint8_t)(n >> 24);
        ref_sha256d(hdr, 80, hash);
        if (le_leq(hash, target)) {
            if (found < cap) out[found] = n;
            found++;
        }
    }
    return found;
}

/* ---------------------------------------------------------------- PRNG (xorshift64*) */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static void hexdec(const char *hex, uint8_t *out)
{
    size_t i, n = strlen(hex) / 2;
    for (i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* ---------------------------------------------------------------- tests */
static void test_known_answers(void)
{
    static const struct { const char *msg; const char *sha256d; } v[] = {
        {"abc", "4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "0cffe17f68954dac3a84fb1458bd5ec99209449749b2b308b7cb55812f9563af"},
        {"", "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"},
    };
    uint8_t buf[128 + 8], want[32], got[32], ref[32];
    size_t i, off;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t len = strlen(v[i].msg);
        hexdec(v[i].sha256d, want);
        for (off = 0; off < 8; off++) {
            memcpy(buf + off, v[i].msg, len);
            mc_sha256d(buf + off, len, got);
            CHECK(memcmp(got, want, 32) == 0, "mc_sha256d known answer %zu at offset %zu", i, off);
        }
        ref_sha256d((const uint8_t *)v[i].msg, len, ref);
        CHECK(memcmp(ref, want, 32) == 0, "from-scratch sha256d known answer %zu", i);
    }
    for (i = 0; i < 400; i++) {
        size_t len = (size_t)(rnd() % 301), k;
        uint8_t *m = malloc(len + 1);
        if (!m) abort();
        for (k = 0; k < len; k++) m[k] = (uint8_t)rnd();
        mc_sha256d(m + (len ? 0 : 0), len, got);
        ref_sha256d(m, len, ref);
        free(m);
        CHECK(memcmp(got, ref, 32) == 0, "mc_sha256d vs from-scratch, len %zu", len);
    }
}

static void test_genesis(int impl)
{
    uint8_t hdr[80], target[32] = {0}, hash[32];
    uint32_t out[4];
    uint64_t found = 99;
    hexdec("0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f61"
           "7fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c", hdr);
    mc_sha256d(hdr, 80, hash);
    CHECK(hash[31] == 0 && hash[30] == 0 && hash[0] == 0x6f && hash[1] == 0xe2, "genesis hash");
    target[26] = 0xff; target[27] = 0xff;
    CHECK(mc_scan_ex(impl, hdr, 80, target, 2083236893u - 1000u, 2001, out, 4, &found, NULL) == MC_OK,
          "genesis scan rc");
    CHECK(found == 1 && out[0] == 2083236893u, "genesis scan found %llu", (unsigned long long)found);
}

static void random_target(uint8_t *target, const uint8_t *h76, uint32_t start, uint64_t count)
{
    unsigned kind = (unsigned)(rnd() % 5);
    if (kind == 0) {
        memset(target, 0, 32);                 /* accepts nothing (in practice) */
    } else if (kind == 1) {
        memset(target, 0xff, 32);              /* accepts everything */
    } else if (kind == 2 && count > 0) {       /* hash of a nonce in range: about a random fraction wins */
        uint8_t hdr[80];
        uint32_t n = (uint32_t)(start + rnd() % count);
        memcpy(hdr, h76, 76);
        hdr[76] = (uint8_t)n; hdr[77] = (uint8_t)(n >> 8); hdr[78] = (uint8_t)(n >> 16); hdr[79] = (uint8_t)(n >> 24);
        ref_sha256d(hdr, 80, target);
        if (rnd() & 1) target[0] ^= 1;
    } else {                                   /* "a few": top bits zero, rest random */
        int i;
        for (i = 0; i < 32; i++) target[i] = (uint8_t)rnd();
        target[31] = 0;
        target[30] &= (uint8_t)(rnd() & 0x0f);
    }
}

static void test_random_scans(int impl, int portable, int rounds)
{
    int r;
    for (r = 0; r < rounds; r++) {
        uint8_t h76[80], target[32];
        uint32_t start, *got, *want, *port;
        uint64_t count, nref, ngot = 0, nport = 0, k;
        size_t cap;
        int i, where = (int)(rnd() % 3);
        for (i = 0; i < 76; i++) h76[i] = (uint8_t)rnd();
        count = rnd() % 300;
        if (where == 0) start = (uint32_t)(rnd() % 40);                           /* touches nonce 0 */
        else if (where == 1) start = (uint32_t)(0x100000000ull - count - rnd() % 3); /* reaches 0xffffffff */
        else start = (uint32_t)rnd();
        if ((uint64_t)start + count > 0x100000000ull) count = 0x100000000ull - start;
        random_target(target, h76, start, count);
        cap = (size_t)(rnd() % 4 == 0 ? rnd() % 5 : count);
        got = malloc((cap + 1) * sizeof *got);
        port = malloc((cap + 1) * sizeof *port);
        want = malloc((count + 1) * sizeof *want);
        if (!got || !port || !want) abort();
        got[cap] = 0xa5a5a5a5u;
        port[cap] = 0xa5a5a5a5u;
        nref = ref_scan(h76, target, start, count, want, count);
        CHECK(mc_scan_ex(impl, h76, 76, target, start, count, got, cap, &ngot, NULL) == MC_OK, "scan rc");
        CHECK(mc_scan_ex(portable, h76, 80, target, start, count, port, cap, &nport, NULL) == MC_OK, "scan rc");
        CHECK(ngot == nref && nport == nref, "round %d: impl %s found %llu, portable %llu, reference %llu "
              "(start %u count %llu)", r, mc_impl_name(impl), (unsigned long long)ngot, (unsigned long long)nport,
              (unsigned long long)nref, start, (unsigned long long)count);
        CHECK(got[cap] == 0xa5a5a5a5u && port[cap] == 0xa5a5a5a5u, "wrote past cap");
        for (k = 0; k < nref && k < cap; k++)
            CHECK(got[k] == want[k] && port[k] == want[k], "round %d winner %llu differs", r, (unsigned long long)k);
        free(got); free(port); free(want);
    }
}

static void test_versions(int impl)
{
    uint8_t h76[76], target[32], hdr[76];
    uint32_t vs[64], ns[64], want_v[64], want_n[64], mask = MC_DEFAULT_VERSION_MASK;
    uint64_t found = 0, nwant = 0;
    uint32_t i, base;
    int j;
    for (j = 0; j < 76; j++) h76[j] = (uint8_t)rnd();
    memset(target, 0xff, 32);
    target[31] = 0x3f;                         /* about a quarter win */
    base = (uint32_t)h76[0] | (uint32_t)h76[1] << 8 | (uint32_t)h76[2] << 16 | (uint32_t)h76[3] << 24;
    memcpy(hdr, h76, 76);
    for (i = 0; i < 5; i++) {
        uint32_t v = mc_rolled_version(base, mask, 7 + i), tmp[64];
        uint64_t n, k;
        hdr[0] = (uint8_t)v; hdr[1] = (uint8_t)(v >> 8); hdr[2] = (uint8_t)(v >> 16); hdr[3] = (uint8_t)(v >> 24);
        n = ref_scan(hdr, target, 0xfffffff9u, 7, tmp, 64);
        for (k = 0; k < n; k++) { want_v[nwant] = v; want_n[nwant] = tmp[k]; nwant++; }
    }
    CHECK(mc_scan_versions_ex(impl, h76, target, mask, 7, 5, 0xfffffff9u, 7, vs, ns, 64, &found, NULL) == MC_OK,
          "versions rc");
    CHECK(found == nwant, "versions found %llu want %llu", (unsigned long long)found, (unsigned long long)nwant);
    for (i = 0; i < nwant; i++) CHECK(vs[i] == want_v[i] && ns[i] == want_n[i], "version pair %u", i);
    CHECK(mc_rolled_version(0x20000000u, mask, 0) == 0x20000000u, "rolled 0");
    CHECK(mc_rolled_version(0x20000000u, mask, 1) == 0x20002000u, "rolled 1");
    CHECK(mc_rolled_version(0x20000000u, mask, 0xffff) == 0x3fffe000u, "rolled max");
    CHECK(mc_rolled_version(0xffffffffu, 0x5u, 2) == 0xfffffffeu, "rolled sparse mask");
}

static void test_api_errors(void)
{
    uint8_t hdr[80] = {0}, target[32] = {0};
    uint32_t out[2];
    uint64_t found = 0;
    volatile int cancel = 1;
    CHECK(mc_impl_lookup("no-such-impl") == MC_ERR_UNKNOWN_IMPL, "unknown impl");
    CHECK(mc_force_impl("no-such-impl") == MC_ERR_UNKNOWN_IMPL, "force unknown impl");
    CHECK(mc_impl_lookup("portable") >= 0, "portable usable");
    CHECK(mc_scan(hdr, 79, target, 0, 10, out, 2, &found) == MC_ERR_INVALID_ARG, "header length");
    CHECK(mc_scan(hdr, 80, target, 1, 0x100000000ull, out, 2, &found) == MC_ERR_INVALID_ARG, "range too long");
    CHECK(mc_scan(hdr, 80, target, 0, 0x100000001ull, out, 2, &found) == MC_ERR_INVALID_ARG, "count > 2^32");
    CHECK(mc_scan(hdr, 80, target, 0, 10, NULL, 2, &found) == MC_ERR_INVALID_ARG, "NULL out");
    CHECK(mc_scan(hdr, 80, target, 0, 0, out, 2, &found) == MC_OK && found == 0, "empty range");
    CHECK(mc_scan_ex(MC_IMPL_DEFAULT, hdr, 80, target, 0, 100000, out, 2, &found, &cancel) == MC_ERR_CANCELLED,
          "cancel flag");
    CHECK(mc_strerror(MC_ERR_SELFTEST) != NULL && mc_strerror(12345) != NULL, "strerror");
}

/* The automatic choice (mc_set_auto_impl) moves an unforced default and never a forced one. */
static void test_auto_choice(void)
{
    int portable = mc_impl_lookup("portable"), priority = mc_priority_impl(), active = mc_active_impl();
    int forced = mc_impl_forced();
    CHECK(mc_auto_impl() == priority, "auto starts as the priority order");
    CHECK(mc_set_auto_impl("no-such-impl") == MC_ERR_UNKNOWN_IMPL, "set_auto unknown");
    CHECK(mc_auto_impl() == priority, "set_auto unknown changes nothing");
    CHECK(mc_set_auto_impl("portable") == MC_OK && mc_auto_impl() == portable, "set_auto portable");
    CHECK(mc_active_impl() == (forced ? active : portable), "an unforced default follows the automatic choice");
    CHECK(mc_force_impl(mc_impl_name(priority)) == MC_OK && mc_impl_forced() == 1, "force");
    CHECK(mc_set_auto_impl(NULL) == MC_OK && mc_auto_impl() == priority, "set_auto NULL: priority order");
    CHECK(mc_active_impl() == priority, "a forced default stays");
    CHECK(mc_set_auto_impl("portable") == MC_OK && mc_active_impl() == priority, "a forced default stays (2)");
    CHECK(mc_force_impl("auto") == MC_OK && mc_impl_forced() == 0 && mc_active_impl() == portable,
          "force auto: the automatic choice");
    CHECK(mc_set_auto_impl(NULL) == MC_OK && mc_active_impl() == priority, "restored");
    if (forced) mc_force_impl(mc_impl_name(active));
}

int main(int argc, char **argv)
{
    int id, portable, tested = 0;
    unsigned bit, cpu = mc_cpu_features();
    if (argc > 1) rng_state ^= strtoull(argv[1], NULL, 0) * 0x9e3779b97f4a7c15ull;
    printf("cpu features:");
    for (bit = 0; mc_cpu_feature_name(bit); bit++)
        if (cpu & (1u << bit)) printf(" %s", mc_cpu_feature_name(bit));
    printf("\nactive: %s\n", mc_active_impl_name() ? mc_active_impl_name() : "(none)");
    portable = mc_impl_lookup("portable");
    test_known_answers();
    test_api_errors();
    test_auto_choice();
    for (id = 0; id < mc_impl_count(); id++) {
        int st = mc_impl_status(id);
        printf("impl %-8s lanes %2u compiled %d status %s\n", mc_impl_name(id), mc_impl_lanes(id),
               mc_impl_compiled(id), mc_strerror(st));
        if (mc_impl_compiled(id) && st == MC_ERR_SELFTEST) {
            fprintf(stderr, "FAIL: %s failed its built-in self-test\n", mc_impl_name(id));
            failures++;
        }
        if (st != MC_OK) continue;
        test_genesis(id);
        test_random_scans(id, portable, 300);
        test_versions(id);
        tested++;
    }
    if (tested == 0) { fprintf(stderr, "FAIL: no usable implementation\n"); failures++; }
    printf("%s: %d implementation(s) tested, %d failure(s)\n", failures ? "FAILED" : "OK", tested, failures);
    return failures ? 1 : 0;
}
