# Declarations of the public C API in native/include/minecore/sha256d.h (all callable without the GIL).
from libc.stdint cimport uint8_t, uint32_t, uint64_t


cdef extern from "minecore/sha256d.h" nogil:
    int MC_OK
    int MC_ERR_UNKNOWN_IMPL
    int MC_ERR_UNSUPPORTED_IMPL
    int MC_ERR_SELFTEST
    int MC_ERR_INVALID_ARG
    int MC_ERR_CANCELLED
    int MC_IMPL_DEFAULT
    unsigned MC_CANCEL_POLL_NONCES

    const char *mc_strerror(int code)
    void mc_sha256d(const void *data, size_t length, uint8_t *out)
    int mc_scan_ex(int impl, const uint8_t *header, size_t header_len, const uint8_t *target_le,
                   uint32_t nonce_start, uint64_t count, uint32_t *out, size_t cap, uint64_t *found,
                   const int *cancel)
    uint32_t mc_rolled_version(uint32_t base, uint32_t mask, uint32_t index)

    int mc_impl_count()
    const char *mc_impl_name(int id)
    unsigned mc_impl_lanes(int id)
    int mc_impl_compiled(int id)
    int mc_impl_status(int id)
    int mc_impl_lookup(const char *name)
    int mc_active_impl()
    int mc_force_impl(const char *name)
    int mc_impl_forced()
    int mc_priority_impl()
    int mc_auto_impl()
    int mc_set_auto_impl(const char *name)
    unsigned mc_cpu_features()
    const char *mc_cpu_feature_name(unsigned bit)
