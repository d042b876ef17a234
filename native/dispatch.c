/* minecore: named implementations, run-time choice, self-test, job preparation and the public scan API.
 *
 * Implementations are named objects in priority order.  At first use (pthread_once) the CPU features are read,
 * every compiled implementation the CPU supports is self-tested against known answers (the genesis block, a
 * lane-unaligned range, a range ending at nonce 0xffffffff, targets accepting everything / nothing / a few, and a
 * too-small output buffer), and the first usable one becomes the default, unless MINECORE_NATIVE_IMPL names
 * another.  An unknown or unsupported name is an error code, never a silent fallback.
 *
 * The priority order is only a guess of which path is fastest (on a Zen 4 EPYC SHA-NI beats AVX-512): the Python
 * layer times the usable paths and installs the fastest as the automatic choice with mc_set_auto_impl(); a
 * default forced by MINECORE_NATIVE_IMPL or mc_force_impl(name) is left alone.
 *
 * Testing knob: MINECORE_NATIVE_BREAK_SELFTEST=<name> makes that implementation's self-test fail (to exercise the
 * MC_ERR_SELFTEST path); it has no other effect.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "impl.h"
#include "minecore/sha256d.h"

#ifndef MC_HAVE_AVX512
#define mc_scan_avx512 NULL
#endif
#ifndef MC_HAVE_SHANI
#define mc_scan_shani NULL
#endif
#ifndef MC_HAVE_AVX2
#define mc_scan_avx2 NULL
#endif

typedef struct mc_impl {
    const char *name;
    unsigned lanes;
    unsigned needs;    /* MC_CPU_* bits */
    mc_scan_fn fn;     /* NULL when not compiled in */
} mc_impl;

/* Priority order: the static guess of fastest first, used when nothing was measured (see mc_set_auto_impl). */
static const mc_impl impls[] = {
    {"avx512", 16, MC_CPU_AVX512F | MC_CPU_AVX512VL, mc_scan_avx512},
    {"shani", 3, MC_CPU_SHA | MC_CPU_SSE41 | MC_CPU_SSSE3, mc_scan_shani},
    {"avx2", 8, MC_CPU_AVX2, mc_scan_avx2},
    {"portable", 1, 0, mc_scan_portable},
};
#define N_IMPLS ((int)(sizeof impls / sizeof impls[0]))

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int impl_status[N_IMPLS];   /* written once under init_once, then read-only */
static int priority_impl;          /* first usable id in priority order, or an MC_ERR_*; read-only after init */
static int auto_impl;              /* what "auto" means: priority_impl unless mc_set_auto_impl() chose another */
static int active_impl;            /* the default for MC_IMPL_DEFAULT */
static int active_forced;          /* 1 when MINECORE_NATIVE_IMPL or mc_force_impl(name) chose active_impl */
/* auto_impl, active_impl and active_forced are read with __atomic loads and written under choice_lock */
static pthread_mutex_t choice_lock = PTHREAD_MUTEX_INITIALIZER;

/* ------------------------------------------------------------------ helpers */

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void job_prepare(mc_job *job, const uint8_t *header76, const uint8_t target_le[32])
{
    int i;
    memcpy(job->midstate, mc_sha256_iv, sizeof job->midstate);
    mc_sha256_compress(job->midstate, header76);
    for (i = 0; i < 3; i++) job->tail[i] = load_be32(header76 + 64 + 4 * i);
    for (i = 0; i < 8; i++) job->target[i] = load_le32(target_le + 4 * i);
}

uint32_t mc_rolled_version(uint32_t base, uint32_t mask, uint32_t index)
{
    uint32_t r = 0, bit = 1, m = mask;
    while (m) {
        if (index & bit) r |= m & (0u - m);
        m &= m - 1;
        bit <<= 1;
    }
    return (base & ~mask) | r;
}

/* 1 when int.from_bytes(hash, "little") <= target (both 32 bytes little-endian). */
static int le256_leq(const uint8_t hash[32], const uint8_t target[32])
{
    int i;
    for (i = 31; i >= 0; i--) {
        if (hash[i] < target[i]) return 1;
        if (hash[i] > target[i]) return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ self-test */

/* Block 0 (genesis) header; its nonce 2083236893 wins against its own target (bits 0x1d00ffff). */
static const char genesis_hex[] =
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f61"
    "7fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";
#define GENESIS_NONCE 2083236893u

static void from_hex(const char *hex, uint8_t *out, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned v = 0;
        int j;
        for (j = 0; j < 2; j++) {
            char c = hex[2 * i + j];
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        out[i] = (uint8_t)v;
    }
}

/* Reference list of winners, by full sha256d of each 80-byte header (no tricks). */
static uint64_t reference_scan(const uint8_t *h76, const uint8_t target_le[32], uint32_t start, uint32_t count,
                               uint32_t *out, size_t cap)
{
    uint8_t hdr[80], hash[32];
    uint64_t found = 0;
    uint32_t k;
    memcpy(hdr, h76, 76);
    for (k = 0; k < count; k++) {
        store_le32(hdr + 76, start + k);
        mc_sha256d(hdr, 80, hash);
        if (le256_leq(hash, target_le)) {
            if (found < cap) out[found] = start + k;
            found++;
        }
    }
    return found;
}

/* Run fn on [start, start+count) and compare with the reference; also with a 3-entry buffer (canary check). */
static int check_range(mc_scan_fn fn, const uint8_t *h76, const uint8_t target_le[32], uint32_t start,
                       uint32_t count)
{
    uint32_t want[64], got[64 + 1], small[3 + 1];
    uint64_t nwant, ngot, nsmall, i;
    mc_job job;
    if (count > 64) return 0;
    job_prepare(&job, h76, target_le);
    nwant = reference_scan(h76, target_le, start, count, want, 64);
    got[count] = 0xdeadbeefu;
    ngot = fn(&job, start, count, got, count);
    if (ngot != nwant || got[count] != 0xdeadbeefu) return 0;
    for (i = 0; i < nwant; i++)
        if (got[i] != want[i]) return 0;
    small[3] = 0xdeadbeefu;
    nsmall = fn(&job, start, count, small, 3);
    if (nsmall != nwant || small[3] != 0xdeadbeefu) return 0;
    for (i = 0; i < nwant && i < 3; i++)
        if (small[i] != want[i]) return 0;
    return 1;
}

static int selftest(mc_scan_fn fn)
{
    static const uint8_t abc_sha256d[32] = {
        0x4f, 0x8b, 0x42, 0xc2, 0x2d, 0xd3, 0x72, 0x9b, 0x51, 0x9b, 0xa6, 0xf6, 0x8d, 0x2d, 0xa7, 0xcc,
        0x5b, 0x2d, 0x60, 0x6d, 0x05, 0xda, 0xed, 0x5a, 0xd5, 0x12, 0x8c, 0xc0, 0x3e, 0x6c, 0x63, 0x58};
    /* genesis block hash, internal byte order */
    static const uint8_t genesis_hash[32] = {
        0x6f, 0xe2, 0x8c, 0x0a, 0xb6, 0xf1, 0xb3, 0x72, 0xc1, 0xa6, 0xa2, 0x46, 0xae, 0x63, 0xf7, 0x4f,
        0x93, 0x1e, 0x83, 0x65, 0xe1, 0x5a, 0x08, 0x9c, 0x68, 0xd6, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00};
    uint8_t buf[80 + 8], hdr[80], hash[32], target[32];
    uint32_t out[8];
    mc_job job;
    int off, i;

    /* sha256d of a buffer, at several alignments */
    for (off = 0; off < 4; off++) {
        memcpy(buf + off, "abc", 3);
        mc_sha256d(buf + off, 3, hash);
        if (memcmp(hash, abc_sha256d, 32) != 0) return 0;
    }
    from_hex(genesis_hex, hdr, 80);
    for (off = 0; off < 8; off += 3) {
        memcpy(buf + off, hdr, 80);
        mc_sha256d(buf + off, 80, hash);
        if (memcmp(hash, genesis_hash, 32) != 0) return 0;
    }

    /* genesis nonce found against bits 0x1d00ffff, from a start that is not lane-aligned */
    memset(target, 0, 32);
    target[26] = 0xff; target[27] = 0xff;   /* 0xffff << 208 */
    job_prepare(&job, hdr, target);
    out[1] = 0xdeadbeefu;
    if (fn(&job, GENESIS_NONCE - 5, 12, out, 1) != 1 || out[0] != GENESIS_NONCE || out[1] != 0xdeadbeefu) return 0;
    if (fn(&job, GENESIS_NONCE - 13, 31, out, 8) != 1 || out[0] != GENESIS_NONCE) return 0;
    if (fn(&job, GENESIS_NONCE + 1, 37, out, 8) != 0) return 0;

    /* accept everything / nothing, lane-unaligned ranges, and the top of the nonce space */
    memset(target, 0xff, 32);
    if (!check_range(fn, hdr, target, 3, 29)) return 0;
    if (!check_range(fn, hdr, target, 0xffffffffu - 40u, 41)) return 0;
    memset(target, 0, 32);
    if (!check_range(fn, hdr, target, 0, 33)) return 0;

    /* "a few": target = the hash of one nonce (ties win), so about half the range wins; then the same target with
     * its lowest bit flipped, so that nonce is decided by the last word of the comparison */
    for (i = 0; i < 2; i++) {
        uint32_t n0 = i == 0 ? 17u : 0xfffffff0u;
        uint32_t start = i == 0 ? 1u : 0xffffffffu - 60u;
        uint32_t count = i == 0 ? 45u : 61u;
        memcpy(buf, hdr, 76);
        store_le32(buf + 76, n0);
        mc_sha256d(buf, 80, target);
        if (!check_range(fn, hdr, target, start, count)) return 0;
        target[0] ^= 0x01u;   /* n0 now wins or loses on its lowest byte: the compare must reach word 0 */
        if (!check_range(fn, hdr, target, start, count)) return 0;
    }
    return 1;
}

static void init(void)
{
    unsigned cpu = mc_cpu_features();
    const char *broken = getenv("MINECORE_NATIVE_BREAK_SELFTEST");
    const char *env = getenv("MINECORE_NATIVE_IMPL");
    int id;

    priority_impl = MC_ERR_UNSUPPORTED_IMPL;
    for (id = 0; id < N_IMPLS; id++) {
        if (impls[id].fn == NULL || (cpu & impls[id].needs) != impls[id].needs) {
            impl_status[id] = MC_ERR_UNSUPPORTED_IMPL;
        } else if ((broken && strcmp(broken, impls[id].name) == 0) || !selftest(impls[id].fn)) {
            impl_status[id] = MC_ERR_SELFTEST;
            if (priority_impl == MC_ERR_UNSUPPORTED_IMPL) priority_impl = MC_ERR_SELFTEST;
        } else {
            impl_status[id] = MC_OK;
            if (priority_impl < 0) priority_impl = id;
        }
    }
    auto_impl = priority_impl;
    active_impl = auto_impl;
    active_forced = 0;
    if (env && *env && strcmp(env, "auto") != 0) {
        int found = MC_ERR_UNKNOWN_IMPL;
        for (id = 0; id < N_IMPLS; id++)
            if (strcmp(env, impls[id].name) == 0) found = impl_status[id] == MC_OK ? id : impl_status[id];
        active_impl = found;
        active_forced = 1;
    }
}

static void ensure_init(void)
{
    pthread_once(&init_once, init);
}

/* ------------------------------------------------------------------ introspection */

const char *mc_strerror(int code)
{
    switch (code) {
    case MC_OK: return "ok";
    case MC_ERR_UNKNOWN_IMPL: return "unknown implementation name";
    case MC_ERR_UNSUPPORTED_IMPL: return "implementation not compiled in or not supported by this CPU";
    case MC_ERR_SELFTEST: return "implementation failed its self-test";
    case MC_ERR_INVALID_ARG: return "invalid argument";
    case MC_ERR_CANCELLED: return "cancelled";
    default: return "unknown error";
    }
}

int mc_impl_count(void) { return N_IMPLS; }

const char *mc_impl_name(int id) { return id >= 0 && id < N_IMPLS ? impls[id].name : NULL; }

unsigned mc_impl_lanes(int id) { return id >= 0 && id < N_IMPLS ? impls[id].lanes : 0; }

int mc_impl_compiled(int id) { return id >= 0 && id < N_IMPLS && impls[id].fn != NULL; }

int mc_impl_status(int id)
{
    if (id < 0 || id >= N_IMPLS) return MC_ERR_UNKNOWN_IMPL;
    ensure_init();
    return impl_status[id];
}

int mc_impl_lookup(const char *name)
{
    int id;
    if (name == NULL) return MC_ERR_UNKNOWN_IMPL;
    ensure_init();
    for (id = 0; id < N_IMPLS; id++)
        if (strcmp(name, impls[id].name) == 0) return impl_status[id] == MC_OK ? id : impl_status[id];
    return MC_ERR_UNKNOWN_IMPL;
}

int mc_active_impl(void)
{
    ensure_init();
    return __atomic_load_n(&active_impl, __ATOMIC_ACQUIRE);
}

const char *mc_active_impl_name(void)
{
    return mc_impl_name(mc_active_impl());
}

int mc_force_impl(const char *name)
{
    int id;
    ensure_init();
    if (name == NULL || *name == '\0' || strcmp(name, "auto") == 0) {
        pthread_mutex_lock(&choice_lock);
        id = __atomic_load_n(&auto_impl, __ATOMIC_ACQUIRE);
        __atomic_store_n(&active_impl, id, __ATOMIC_RELEASE);
        __atomic_store_n(&active_forced, 0, __ATOMIC_RELEASE);
        pthread_mutex_unlock(&choice_lock);
        return id < 0 ? id : MC_OK;
    }
    id = mc_impl_lookup(name);
    if (id < 0) return id;
    pthread_mutex_lock(&choice_lock);
    __atomic_store_n(&active_impl, id, __ATOMIC_RELEASE);
    __atomic_store_n(&active_forced, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&choice_lock);
    return MC_OK;
}

int mc_impl_forced(void)
{
    ensure_init();
    return __atomic_load_n(&active_forced, __ATOMIC_ACQUIRE);
}

int mc_priority_impl(void)
{
    ensure_init();
    return priority_impl;
}

int mc_auto_impl(void)
{
    ensure_init();
    return __atomic_load_n(&auto_impl, __ATOMIC_ACQUIRE);
}

int mc_set_auto_impl(const char *name)
{
    int id;
    ensure_init();
    if (name == NULL || *name == '\0') {
        id = priority_impl;
    } else {
        id = mc_impl_lookup(name);
        if (id < 0) return id;
    }
    pthread_mutex_lock(&choice_lock);
    __atomic_store_n(&auto_impl, id, __ATOMIC_RELEASE);
    if (!__atomic_load_n(&active_forced, __ATOMIC_ACQUIRE)) __atomic_store_n(&active_impl, id, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&choice_lock);
    return id < 0 ? id : MC_OK;
}

/* ------------------------------------------------------------------ scanning */

static int resolve(int impl, mc_scan_fn *fn)
{
    ensure_init();
    if (impl == MC_IMPL_DEFAULT) impl = __atomic_load_n(&active_impl, __ATOMIC_ACQUIRE);
    if (impl < 0) return impl;
    if (impl >= N_IMPLS) return MC_ERR_INVALID_ARG;
    if (impl_status[impl] != MC_OK) return impl_status[impl];
    *fn = impls[impl].fn;
    return MC_OK;
}

/* Scan one prepared job; winners appended after *found.  Polls *cancel between slices. */
static int scan_job(mc_scan_fn fn, const mc_job *job, uint32_t nonce_start, uint64_t count, uint32_t *out,
                    size_t cap, uint64_t *found, const volatile int *cancel)
{
    uint64_t done = 0;
    const uint64_t slice = cancel ? MC_CANCEL_POLL_NONCES : count;
    while (done < count) {
        uint64_t n = count - done < slice ? count - done : slice;
        size_t used = *found < cap ? (size_t)*found : cap;
        if (cancel && *cancel) return MC_ERR_CANCELLED;
        *found += fn(job, (uint32_t)(nonce_start + done), n, out ? out + used : NULL, cap - used);
        done += n;
    }
    return MC_OK;
}

static int check_range_args(uint32_t nonce_start, uint64_t count)
{
    return count <= (1ull << 32) && (uint64_t)nonce_start + count <= (1ull << 32);
}

int mc_scan_ex(int impl, const uint8_t *header, size_t header_len, const uint8_t target_le[32],
               uint32_t nonce_start, uint64_t count, uint32_t *out, size_t cap, uint64_t *found,
               const volatile int *cancel)
{
    mc_scan_fn fn = NULL;
    mc_job job;
    int rc;
    if (found == NULL) return MC_ERR_INVALID_ARG;
    *found = 0;
    if (header == NULL || target_le == NULL || (header_len != 76 && header_len != 80) || (out == NULL && cap > 0)
        || !check_range_args(nonce_start, count))
        return MC_ERR_INVALID_ARG;
    rc = resolve(impl, &fn);
    if (rc != MC_OK) return rc;
    if (count == 0) return MC_OK;
    job_prepare(&job, header, target_le);
    return scan_job(fn, &job, nonce_start, count, out, cap, found, cancel);
}

int mc_scan(const uint8_t *header, size_t header_len, const uint8_t target_le[32], uint32_t nonce_start,
            uint64_t count, uint32_t *out, size_t cap, uint64_t *found)
{
    return mc_scan_ex(MC_IMPL_DEFAULT, header, header_len, target_le, nonce_start, count, out, cap, found, NULL);
}

int mc_scan_versions_ex(int impl, const uint8_t header76[76], const uint8_t target_le[32], uint32_t version_mask,
                        uint32_t roll_start, uint64_t roll_count, uint32_t nonce_start, uint64_t count,
                        uint32_t *versions_out, uint32_t *nonces_out, size_t cap, uint64_t *found,
                        const volatile int *cancel)
{
    mc_scan_fn fn = NULL;
    uint8_t hdr[76];
    uint32_t base;
    uint64_t i;
    int rc;
    if (found == NULL) return MC_ERR_INVALID_ARG;
    *found = 0;
    if (header76 == NULL || target_le == NULL || ((versions_out == NULL || nonces_out == NULL) && cap > 0)
        || !check_range_args(nonce_start, count) || !check_range_args(roll_start, roll_count))
        return MC_ERR_INVALID_ARG;
    rc = resolve(impl, &fn);
    if (rc != MC_OK) return rc;
    memcpy(hdr, header76, 76);
    base = load_le32(hdr);
    for (i = 0; i < roll_count && count > 0; i++) {
        uint32_t v = mc_rolled_version(base, version_mask, (uint32_t)(roll_start + i));
        uint64_t before = *found, k;
        mc_job job;
        store_le32(hdr, v);
        job_prepare(&job, hdr, target_le);
        rc = scan_job(fn, &job, nonce_start, count, nonces_out, cap, found, cancel);
        for (k = before; k < *found && k < cap; k++) versions_out[k] = v;
        if (rc != MC_OK) return rc;
    }
    return MC_OK;
}

int mc_scan_versions(const uint8_t header76[76], const uint8_t target_le[32], uint32_t version_mask,
                     uint32_t roll_start, uint64_t roll_count, uint32_t nonce_start, uint64_t count,
                     uint32_t *versions_out, uint32_t *nonces_out, size_t cap, uint64_t *found)
{
    return mc_scan_versions_ex(MC_IMPL_DEFAULT, header76, target_le, version_mask, roll_start, roll_count,
                               nonce_start, count, versions_out, nonces_out, cap, found, NULL);
}
