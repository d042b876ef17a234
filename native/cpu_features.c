/* minecore: CPU feature detection (cpuid + xgetbv, read once).
 *
 * A feature counts only when the OS also saves the register state it needs: AVX/AVX2 need XCR0 bits 1-2
 * (XMM, YMM); AVX-512 also needs bits 5-7 (opmask, ZMM_Hi256, Hi16_ZMM).  On other architectures no feature is
 * reported and only the portable implementation is used.
 *
 * Testing knob: MINECORE_NATIVE_CPU_MASK (an integer, e.g. "0" or "0x3") is ANDed with the detected bits at first
 * use, so tests can hide features and exercise the "unsupported implementation" paths on any machine.
 */
#include <pthread.h>
#include <stdlib.h>

#include "minecore/sha256d.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define MC_X86 1
#endif

static pthread_once_t features_once = PTHREAD_ONCE_INIT;
static unsigned features_bits;

#ifdef MC_X86
static unsigned long long read_xcr0(void)
{
    unsigned int eax, edx;
    __asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}
#endif

static void detect(void)
{
    unsigned bits = 0;
#ifdef MC_X86
    unsigned int eax, ebx, ecx, edx, max_leaf;
    int os_ymm = 0, os_zmm = 0;

    max_leaf = __get_cpuid_max(0, NULL);
    if (max_leaf >= 1 && __get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
        if (ecx & (1u << 9)) bits |= MC_CPU_SSSE3;
        if (ecx & (1u << 19)) bits |= MC_CPU_SSE41;
        if (ecx & (1u << 27)) { /* OSXSAVE: xgetbv is available */
            unsigned long long xcr0 = read_xcr0();
            os_ymm = (xcr0 & 0x6u) == 0x6u;
            os_zmm = os_ymm && (xcr0 & 0xe0u) == 0xe0u;
        }
        if ((ecx & (1u << 28)) && os_ymm) bits |= MC_CPU_AVX;
    }
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, eax, ebx, ecx, edx);
        if (ebx & (1u << 29)) bits |= MC_CPU_SHA;
        if ((ebx & (1u << 5)) && (bits & MC_CPU_AVX)) bits |= MC_CPU_AVX2;
        if ((ebx & (1u << 16)) && os_zmm) bits |= MC_CPU_AVX512F;
        if ((ebx & (1u << 31)) && os_zmm) bits |= MC_CPU_AVX512VL;
    }
#endif
    {
        const char *mask = getenv("MINECORE_NATIVE_CPU_MASK");
        if (mask && *mask) bits &= (unsigned)strtoul(mask, NULL, 0);
    }
    features_bits = bits;
}

unsigned mc_cpu_features(void)
{
    pthread_once(&features_once, detect);
    return features_bits;
}

const char *mc_cpu_feature_name(unsigned bit)
{
    static const char *const names[] = {"ssse3", "sse4.1", "sha", "avx", "avx2", "avx512f", "avx512vl"};
    return bit < sizeof names / sizeof names[0] ? names[bit] : NULL;
}
