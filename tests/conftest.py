"""Shared fixtures: the test vectors and the ``hash_backend`` parameter.

Any test taking a ``hash_backend`` argument runs once per backend in ``minecore.backends.available()`` (so the numba
backend is covered as soon as it is registered) and once more per usable native implementation forced one at a
time (``native[portable]``, ``native[avx2]``, ...).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def load_json(name: str):
    return json.loads((DATA / name).read_text())


def sha256d_hashlib(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _engine_cases() -> list[tuple[str, str | None]]:
    from minecore import backends
    from minecore.backends import native

    cases: list[tuple[str, str | None]] = [(name, None) for name in backends.available()]
    if "native" in backends.available():
        cases += [("native", impl) for impl in native.impls_usable()]
    return cases


def _make_engine(case: tuple[str, str | None]):
    from minecore import backends
    from minecore.backends.native import NativeBackend

    name, impl = case
    if name == "native" and impl is not None:
        return NativeBackend(impl=impl)
    return backends.get(name)


def pytest_generate_tests(metafunc):
    if "hash_backend" in metafunc.fixturenames:
        cases = _engine_cases()
        metafunc.parametrize(
            "hash_backend",
            cases,
            ids=[name if impl is None else f"{name}[{impl}]" for name, impl in cases],
            indirect=True,
        )


@pytest.fixture
def hash_backend(request):
    """A Backend: a registered backend, or the native one pinned to one implementation."""
    return _make_engine(request.param)


@pytest.fixture(scope="session")
def sha256_vectors():
    return load_json("sha256.json")["vectors"]


@pytest.fixture(scope="session")
def block_headers():
    return load_json("block_headers.json")
