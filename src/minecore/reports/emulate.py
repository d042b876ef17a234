"""The ``--emulate`` section: each model of the report emulated on this CPU (the emulator does the work).

Only imported when ``emulate=True``; this is the one report path that may load or compile a kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import model as M


def check_backend_settings() -> Any:
    """The hashing backend the emulation will use. A bad ``MINECORE_BACKEND`` or ``MINECORE_NATIVE_IMPL`` raises
    (:class:`~minecore.errors.BackendError`, one line naming the variable; exit 2), as the README promises for
    such settings: it is never turned into a per-model note. ``MINECORE_NATIVE_IMPL`` is checked even when another
    backend is chosen, as ``minecore backends`` does."""
    import os

    from ..backends import best
    from ..backends import native
    from ..errors import BackendUnavailableError

    engine = best()  # raises for a bad MINECORE_BACKEND, and for a bad MINECORE_NATIVE_IMPL when native is chosen
    impl = os.environ.get(native.ENV_IMPL, "").strip()
    if impl and impl != "auto" and getattr(engine, "name", "") != "native":
        reason = native.probe()
        if reason is not None:
            raise BackendUnavailableError(f"{native.ENV_IMPL}={impl!r}: backend 'native' is not available: {reason}")
        native.NativeBackend()  # reads MINECORE_NATIVE_IMPL: an unknown or unsupported name raises, naming it
    return engine


def emulation_summary(models: Sequence[M.ModelInput], *, seconds: float, progress: Any,
                      seed: int = 0) -> M.EmulationSummary:
    """Emulate every model for ``seconds`` of hashing each; models without chip data get a note. The backend
    settings are checked first (:func:`check_backend_settings`): a bad one is an error, never a note."""
    from ..emulator import emulate
    from ..errors import BackendError, MinecoreError

    engine = check_backend_settings()
    rows = []
    backend = ""
    speeds = []
    names = list(dict.fromkeys(m.name for m in models))
    budget_ms = max(1, int(seconds * 1000))
    with progress("Emulating models", budget_ms * len(names)) as advance:
        for name in names:
            nameplate = next(m.hashrate_ths for m in models if m.name == name)
            try:
                res = emulate(name, seconds=seconds, seed=seed, progress=advance, backend=engine)
            except BackendError:
                raise  # the backend itself failed: every model would say the same, and the README calls it an error
            except MinecoreError as exc:
                advance(budget_ms)
                rows.append(M.EmulationRow(model=name, nameplate_ths=nameplate, emulated_ths=None, shares_found=0,
                                           shares_expected=0.0, poisson_p_value=None, cpu_hashes_per_s=0.0,
                                           scale_factor=None, backend="", note=str(exc).splitlines()[0]))
                continue
            backend = res.backend
            speeds.append(res.cpu_hashrate_hs)
            rows.append(M.EmulationRow(
                model=name, nameplate_ths=nameplate, emulated_ths=res.share_hashrate_ths,
                shares_found=res.shares_found, shares_expected=res.expected_shares, poisson_p_value=res.p_value,
                cpu_hashes_per_s=res.cpu_hashrate_hs, scale_factor=res.scale_factor_per_thread, backend=res.backend,
                note=res.scale_text))
    return M.EmulationSummary(backend=backend or "none", kernel_hashes_per_s=max(speeds) if speeds else 0.0,
                              seconds_per_model=seconds, rows=tuple(rows))
