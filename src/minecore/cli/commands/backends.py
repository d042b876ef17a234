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
    from ...backends import describe
    from ..output import emit_json, print_table

    statuses = describe()
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
        emit_json({"backends": rows})
        return 0
    table_rows = [
        {
            "name": r["name"],
            "status": "available" if r["available"] else f"unavailable: {r['reason']}",
            "lanes": r["lanes"],
            "impl": r["impl"],
            "usable": ", ".join(r["impls_usable"] or []) or None,
            "notes": r.get("cache") or r.get("note"),
        }
        for r in rows
    ]
    print_table("SHA-256d backends", ["name", "status", "lanes", "impl", "usable", "notes"], table_rows)
    return 0
