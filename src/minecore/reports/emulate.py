"""The ``--emulate`` section: each model of the report emulated on this CPU (the emulator does the work).

Only imported when ``emulate=True``; this is the one report path that may load or compile a kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import model as M


def emulation_summary(models: Sequence[M.ModelInput], *, seconds: float, progress: Any,
                      seed: int = 0) -> M.EmulationSummary:
    """Emulate every model for ``seconds`` of hashing each; models without chip data get a note."""
    from ..emulator import emulate
    from ..errors import MinecoreError

    rows = []
    backend = ""
    speeds = []
    names = list(dict.fromkeys(m.name for m in models))
    budget_ms = max(1, int(seconds * 1000))
    with progress("Emulating models", budget_ms * len(names)) as advance:
        for name in names:
            nameplate = next(m.hashrate_ths for m in models if m.name == name)
            try:
                res = emulate(name, seconds=seconds, seed=seed, progress=advance)
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
