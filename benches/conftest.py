"""pytest-benchmark setup for minecore's benches.

Run:  ``pytest benches --benchmark-columns=mean,ops --benchmark-group-by=group``
Smoke-test (CI): ``pytest benches --benchmark-disable``
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

import pytest


def pytest_collect_file(file_path: Path, parent):
    """Collect ``bench_*.py`` files too (pytest's default pattern is ``test_*.py``)."""
    if file_path.suffix == ".py" and file_path.name.startswith("bench_") and not parent.session.isinitpath(file_path):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def _cpuinfo_flags() -> list[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                wanted = {"sse4_1", "ssse3", "sha_ni", "avx", "avx2", "avx512f", "avx512vl", "bmi2"}
                return sorted(set(line.split(":", 1)[1].split()) & wanted)
    except OSError:
        pass
    return []


def pytest_benchmark_update_machine_info(config, machine_info):
    """Record the CPU flags that matter for SHA-256d and the native path in use."""
    machine_info["cpu_flags"] = _cpuinfo_flags()
    machine_info["cpu_count"] = os.cpu_count()
    machine_info["machine"] = platform.machine()
    try:
        from minecore.backends import available
        from minecore.backends.native import NativeBackend, probe

        machine_info["backends_available"] = available()
        reason = probe()
        if reason is None:
            info = NativeBackend().info()
            machine_info["native_impl"] = info["impl"]
            machine_info["native_impl_choice"] = info.get("calibration", {}).get("source")
            machine_info["native_cpu_features"] = info["cpu_features"]
            machine_info["native_impls_usable"] = info["impls_usable"]
        else:
            machine_info["native_impl"] = None
            machine_info["native_unavailable"] = reason
    except Exception as exc:  # noqa: BLE001 - machine info must never break a bench run
        machine_info["native_impl_error"] = repr(exc)
