"""``minecore backends``: which SHA-256d backends are usable here, which kernel each runs and why.

Never compiles or imports numba, except ``--recalibrate``, which measures every backend's kernels again.
"""

from __future__ import annotations


def add_parser(subparsers):
    p = subparsers.add_parser(
        "backends",
        help="list hashing backends and the active native path",
        description="List the SHA-256d backends, whether each is usable here (and why not), its lane count, CPU "
        "features and the kernel it runs: measured fastest on this CPU (1 thread, remembered in the user cache "
        "file shown below), the static priority order when measuring is off or impossible, or the one forced by "
        "MINECORE_NATIVE_IMPL / MINECORE_NUMBA_KERNEL. Never compiles or imports numba, unless --recalibrate.",
        epilog="examples:\n"
        "  minecore backends\n"
        "  minecore backends --json\n"
        "  minecore backends --csv\n"
        "  minecore backends --recalibrate       # time every kernel again (imports numba) and keep the fastest\n"
        "  MINECORE_NO_CALIBRATION=1 minecore backends   # the static priority order, nothing measured",
    )
    from ._format import add_format_args

    add_format_args(p, csv_help="print CSV (one row per backend; nested figures as calibration.rates_hps.KERNEL...)")
    p.add_argument(
        "--recalibrate",
        action="store_true",
        help="measure the kernels of each backend again (about a second; loads numba's kernels) and store the "
        "choice in the cache file",
    )
    return p


def _recalibrate() -> list[str]:
    """Measure native and numba again (unless forced or unavailable); one note per backend skipped."""
    import os

    from ...backends import calibration, native, numba_backend
    from ...errors import InvalidInputError

    off = calibration.disabled_reason()
    if off:
        raise InvalidInputError(f"--recalibrate: {off}; unset {calibration.ENV_OFF} to measure")
    notes = []
    if native.probe() is None:
        if os.environ.get(native.ENV_IMPL, "").strip() not in ("", "auto"):
            notes.append(f"native: {native.ENV_IMPL} is set, nothing measured")
        else:
            native.check_cpu_mask()
            native.auto_choice(recalibrate=True)
    if numba_backend.probe() is None:
        if numba_backend.wanted_kernel() != "auto":
            notes.append(f"numba: {numba_backend.ENV_KERNEL} is set, nothing measured")
        else:
            numba_backend.recalibrate()
    return notes


def _choice_rows(rows: list[dict]) -> list[dict]:
    """One row per measured kernel: its 1-thread rate and whether it is the one chosen."""
    out = []
    for r in rows:
        cal = r.get("calibration") or {}
        rates = cal.get("rates_hps") or {}
        for kernel, rate in sorted(rates.items(), key=lambda kv: -kv[1]):
            out.append({
                "backend": r["name"],
                "kernel": kernel,
                "MH/s": round(rate / 1e6, 2),
                "median MH/s": round((cal.get("median_hps") or {}).get(kernel, 0.0) / 1e6, 2),
                "chosen": "yes" if kernel == cal.get("choice") else "",
                "rounds": cal.get("rounds"),
                "round s": cal.get("round_seconds"),
            })
    return out


def _choice_note(cal: dict | None) -> str | None:
    if not cal:
        return None
    note = f"{cal['choice']}: {cal['source']}"
    if cal.get("reason"):
        note += f" ({cal['reason']})"
    return note


def run(args) -> int:
    import os

    from ...backends import calibration, describe, forced, names
    from ...errors import BackendError
    from ..output import console_err, emit_json
    from ..tables import print_table

    skipped = _recalibrate() if args.recalibrate else []
    statuses = describe()
    by_name = {st.name: st for st in statuses}
    forced_name = forced()
    forced_note = None
    problem = None  # a forced setting that cannot be honoured: listed, then exit 2
    if forced_name is not None:
        if forced_name not in names():
            problem = forced_note = f"MINECORE_BACKEND={forced_name!r} names no backend (known: {', '.join(names())})"
        elif not by_name[forced_name].available:
            problem = forced_note = (
                f"MINECORE_BACKEND={forced_name!r} is forced but unavailable: {by_name[forced_name].reason}"
            )
        else:
            forced_note = f"MINECORE_BACKEND={forced_name!r} is forced"
    forced_impl = os.environ.get("MINECORE_NATIVE_IMPL", "").strip()
    if forced_impl and problem is None and "native" in by_name and not by_name["native"].available:
        reason = by_name["native"].reason or ""
        problem = reason if "MINECORE_NATIVE_IMPL" in reason else f"MINECORE_NATIVE_IMPL={forced_impl!r}: {reason}"
    rows = []
    for st in statuses:
        d = st.details
        rows.append(
            {
                "name": st.name,
                "available": st.available,
                "reason": st.reason,
                "lanes": d.get("lanes"),
                "impl": d.get("impl"),
                "impls_usable": d.get("impls_usable"),
                "cpu_features": d.get("cpu_features"),
                **{k: v for k, v in d.items() if k not in {"name", "lanes", "impl", "impls_usable", "cpu_features"}},
            }
        )
    cache_file = str(calibration.cache_path())
    if args.json:
        emit_json({"backends": rows, "forced": forced_name, "forced_note": forced_note,
                   "calibration_cache": cache_file, "cpu": calibration.cpu_model(), "notes": skipped})
    elif args.csv:
        from ..output import emit_csv
        from ._format import flat_record

        emit_csv([flat_record(r) for r in rows])
    else:
        if forced_note and not problem:
            console_err().print(f"minecore: {forced_note}", markup=False)
        for note in skipped:
            console_err().print(f"minecore: {note}", markup=False)
        table_rows = [
            {
                "name": r["name"],
                "available": r["available"],
                "lanes": r["lanes"],
                "threads": r.get("threads_default"),
                "max threads": r.get("max_threads"),
                "impl": r["impl"],
                "usable": ", ".join(r["impls_usable"] or []) or None,
                "chosen by": _choice_note(r.get("calibration")),
                "notes": r["reason"] or r.get("cache") or r.get("note"),
            }
            for r in rows
        ]
        print_table("SHA-256d backends", ["name", "available", "lanes", "threads", "max threads", "impl", "usable",
                                          "chosen by", "notes"],
                    table_rows, caption=f"kernel choices are kept in {cache_file}",
                    prose=("impl", "usable", "chosen by", "notes"), secondary=("usable",))
        choice_rows = _choice_rows(rows)
        if choice_rows:
            print_table("Kernel choice: 1-thread scan rate, best and median of the timed rounds",
                        ["backend", "kernel", "MH/s", "median MH/s", "chosen", "rounds", "round s"], choice_rows,
                        caption=f"CPU: {calibration.cpu_model()}")
    if problem:
        raise BackendError(problem)
    return 0
