"""``minecore backends``: which SHA-256d backends are usable here, without compiling anything."""

from __future__ import annotations


def add_parser(subparsers):
    p = subparsers.add_parser(
        "backends",
        help="list hashing backends and the active native path",
        description="List the SHA-256d backends, whether each is usable here (and why not), "
        "its lane count, CPU features and active native implementation. Never compiles or imports numba.",
        epilog="examples:\n  minecore backends\n  minecore backends --json",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    return p


def run(args) -> int:
    import os

    from ...errors import BackendError
    from ...backends import describe, forced, names
    from ..output import console_err, emit_json, print_table

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
    if forced_impl and problem is None and not by_name["native"].available:
        problem = f"MINECORE_NATIVE_IMPL={forced_impl!r}: {by_name['native'].reason}"
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
    if args.json:
        emit_json({"backends": rows, "forced": forced_name, "forced_note": forced_note})
    else:
        if forced_note and not problem:
            console_err().print(f"minecore: {forced_note}", markup=False)
        table_rows = [
            {
                "name": r["name"],
                "available": r["available"],
                "lanes": r["lanes"],
                "impl": r["impl"],
                "usable": ", ".join(r["impls_usable"] or []) or None,
                "notes": r["reason"] or r.get("cache") or r.get("note"),
            }
            for r in rows
        ]
        print_table("SHA-256d backends", ["name", "available", "lanes", "impl", "usable", "notes"], table_rows)
    if problem:
        raise BackendError(problem)
    return 0
