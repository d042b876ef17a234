"""Build the optional native SHA-256d extension ``minecore._native._sha256d``.

Everything else about the package lives in pyproject.toml.  This file only builds the extension:

* ``native/sha256d_portable.c``, ``dispatch.c`` and ``cpu_features.c`` are compiled with the extension (``-O3``);
* on x86-64 each ISA file (``sha256d_shani.c``, ``sha256d_avx2.c``, ``sha256d_avx512.c``) is compiled to its own
  object with only its own flags, if it exists and the compiler accepts those flags, and linked in through
  ``extra_objects`` with the matching ``-DMC_HAVE_*`` define.  Never ``-march=native``: the build must run on any
  x86-64 CPU; ``dispatch.c`` picks the path at run time;
* if there is no compiler, no Cython, or any build error, a warning is printed and the package installs as pure
  Python (the ``hashlib`` and ``numba`` backends still work);
* ``MINECORE_PUREPYTHON=1`` skips the extension on purpose.
"""

from __future__ import annotations

import os
import platform
import struct
import sys
import sysconfig
import traceback

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
NATIVE = os.path.join("native")
COMMON_SOURCES = [
    os.path.join(NATIVE, "sha256d_portable.c"),
    os.path.join(NATIVE, "dispatch.c"),
    os.path.join(NATIVE, "cpu_features.c"),
]
#: (ISA file stem, -DMC_HAVE_* suffix, its own compiler flags)
ISA_FILES = [
    ("shani", "SHANI", ["-msha", "-msse4.1", "-mssse3"]),
    ("avx2", "AVX2", ["-mavx2"]),
    ("avx512", "AVX512", ["-mavx512f", "-mavx512vl"]),
]
BASE_FLAGS = ["-O3", "-std=gnu11", "-fno-strict-aliasing"]


def _warn(message: str) -> None:
    bar = "*" * 78
    sys.stderr.write(f"\n{bar}\nWARNING (minecore): {message}\n{bar}\n\n")


def _pure_python_requested() -> bool:
    return os.environ.get("MINECORE_PUREPYTHON", "").strip() not in ("", "0")


def _is_x86_64() -> bool:
    machine = (sysconfig.get_platform() + " " + platform.machine()).lower()
    return struct.calcsize("P") == 8 and any(tag in machine for tag in ("x86_64", "amd64"))


class OptionalNativeBuild(build_ext):
    """build_ext that adds per-ISA objects and degrades to pure Python on failure."""

    def run(self) -> None:
        try:
            super().run()
        except Exception:  # noqa: BLE001 - any failure means: install without the extension
            _warn(
                "the native SHA-256d extension could not be built; installing pure Python "
                "(backends 'numba' and 'hashlib' still work).\n" + traceback.format_exc(limit=3)
            )

    def build_extension(self, ext: Extension) -> None:
        if not self._compiler_works():
            _warn("no working C compiler found; installing pure Python (backends 'numba' and 'hashlib' still work)")
            return
        try:
            self._add_isa_objects(ext)
            super().build_extension(ext)
        except Exception:  # noqa: BLE001
            _warn(
                f"building {ext.name} failed; installing pure Python (backends 'numba' and 'hashlib' still "
                "work).\n" + traceback.format_exc(limit=3)
            )

    def _compiler_works(self) -> bool:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            probe = os.path.join(tmp, "probe.c")
            with open(probe, "w") as fh:
                fh.write("int minecore_probe(void) { return 0; }\n")
            try:
                self.compiler.compile([probe], output_dir=tmp)
            except Exception:  # noqa: BLE001
                return False
        return True

    def _add_isa_objects(self, ext: Extension) -> None:
        if getattr(ext, "_minecore_isa_done", False):
            return
        ext._minecore_isa_done = True
        if self.compiler.compiler_type != "unix" or not _is_x86_64():
            return
        build_dir = os.path.join(self.build_temp, "minecore_isa")
        for stem, define, flags in ISA_FILES:
            source = os.path.join(NATIVE, f"sha256d_{stem}.c")
            if not os.path.exists(os.path.join(HERE, source)):
                continue
            try:
                objects = self.compiler.compile(
                    [source],
                    output_dir=build_dir,
                    include_dirs=ext.include_dirs,
                    extra_postargs=BASE_FLAGS + ["-fPIC"] + flags,
                )
            except Exception as exc:  # noqa: BLE001 - compiler refused the flags or the file
                _warn(f"{source} not built ({' '.join(flags)} rejected or compile error: {exc}); "
                      f"the '{stem}' path will be unavailable")
                continue
            ext.extra_objects.extend(objects)
            ext.define_macros.append((f"MC_HAVE_{define}", "1"))
            ext.depends.append(source)


def _extensions() -> list[Extension]:
    if _pure_python_requested():
        _warn("MINECORE_PUREPYTHON is set: the native extension is not built")
        return []
    return [
        Extension(
            "minecore._native._sha256d",
            sources=[os.path.join("src", "minecore", "_native", "_sha256d.pyx")] + COMMON_SOURCES,
            include_dirs=[NATIVE, os.path.join(NATIVE, "include")],
            depends=[os.path.join(NATIVE, "impl.h"), os.path.join(NATIVE, "simd_template.h"),
                     os.path.join(NATIVE, "include", "minecore", "sha256d.h")],
            extra_compile_args=BASE_FLAGS,
            extra_link_args=["-pthread"] if os.name == "posix" else [],
        )
    ]


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalNativeBuild})
