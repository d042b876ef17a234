"""The backend registry: lookup, forcing, and falling back past a backend that fails to load."""

from __future__ import annotations

import sys
import types

import pytest

import minecore.backends as backends
from minecore.backends import registry
from minecore.errors import BackendUnavailableError, UnknownBackendError


@pytest.fixture
def broken_first_backend(monkeypatch):
    """A backend listed first whose cheap probe passes but whose loading fails (like a broken numba)."""
    module = types.ModuleType("minecore_test_broken_backend")
    module.probe = lambda: None

    class Broken:
        def __init__(self):
            raise BackendUnavailableError("numba failed to import: simulated")

    module.Broken = Broken
    monkeypatch.setitem(sys.modules, module.__name__, module)
    table = {"broken": (module.__name__, "Broken"), **registry.BACKENDS}
    monkeypatch.setattr(registry, "BACKENDS", table)
    monkeypatch.setattr(registry, "_load_failures", {})
    monkeypatch.delenv("MINECORE_BACKEND", raising=False)
    return "broken"


def test_best_skips_a_backend_that_fails_to_load(broken_first_backend):
    assert broken_first_backend in backends.available()  # the cheap probe cannot know yet
    engine = backends.best()
    assert engine.name != broken_first_backend
    # once loading failed, the registry says so everywhere
    assert broken_first_backend not in backends.available()
    status = {st.name: st for st in backends.describe()}[broken_first_backend]
    assert not status.available
    assert "simulated" in status.reason


def test_forcing_a_backend_that_fails_to_load_is_an_error(broken_first_backend, monkeypatch):
    monkeypatch.setenv("MINECORE_BACKEND", broken_first_backend)
    with pytest.raises(BackendUnavailableError, match="simulated"):
        backends.best()


def test_forced_backend_by_environment(monkeypatch):
    monkeypatch.setenv("MINECORE_BACKEND", "hashlib")
    assert backends.forced() == "hashlib"
    assert backends.best().name == "hashlib"


def test_unknown_forced_backend_is_an_error(monkeypatch):
    monkeypatch.setenv("MINECORE_BACKEND", "bogus")
    with pytest.raises(UnknownBackendError, match="bogus"):
        backends.best()


@pytest.mark.parametrize("bad", ["bogus", "", None, 3])
def test_get_unknown_name(bad):
    with pytest.raises(UnknownBackendError):
        backends.get(bad)


def test_every_backend_reports_the_contract_fields():
    for name in backends.available():
        info = backends.get(name).info()
        assert info["name"] == name
        assert isinstance(info["lanes"], int) and info["lanes"] >= 1
        assert {"cpu_features", "impl", "impls_compiled", "impls_usable"} <= set(info)
