"""Native SHA-256d extension (Cython over native/).  Import ``minecore.backends.native`` instead of this.

``_sha256d`` is absent when the package was installed without a compiler or with ``MINECORE_PUREPYTHON=1``.
"""
