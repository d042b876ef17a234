"""Operating-point flags shared by ``profit`` and ``compare``: one definition, added to each command.

They put every machine of the command at an operating point of its hardware twin
(:class:`minecore.hardware.OperatingConditions`); without any of them the catalog's nameplate figures are used.
"""

from __future__ import annotations

from .argtypes import finite_number, integer

#: flag dest -> OperatingConditions field
OPERATING_FLAGS = {"profile": "profile", "power_target": "power_target_w", "ambient": "ambient_c",
                   "cooling": "cooling", "failed_boards": "failed_boards", "age_years": "age_years",
                   "degradation": "degradation_per_year"}


def add_operating_args(p) -> None:
    """``--profile``, ``--power-target``, ``--ambient``, ``--cooling``, ``--failed-boards``, ``--age-years``,
    ``--degradation`` (defaults: :class:`~minecore.hardware.OperatingConditions`)."""
    g = p.add_argument_group("operating point (any of these: the twin's TH/s and W instead of the nameplate)")
    g.add_argument("--profile", metavar="NAME", help="eco, normal or turbo, or a power target such as 3000W")
    g.add_argument("--power-target", type=finite_number, metavar="W",
                   help="run at the clock whose wall power meets this [W] (wins over --profile)")
    g.add_argument("--ambient", type=finite_number, metavar="C",
                   help="inlet air (hydro, immersion: coolant inlet) temperature [°C] (default 25)")
    g.add_argument("--cooling", choices=("air", "hydro", "immersion"), help="default: the catalog's")
    g.add_argument("--failed-boards", type=integer, metavar="N", help="hashboards out of service (default 0)")
    g.add_argument("--age-years", type=finite_number, metavar="Y", help="age of the units [years] (default 0)")
    g.add_argument("--degradation", type=finite_number, metavar="D",
                   help="hashrate lost per year of age, decimal (default 0: no source gives a rate)")


def conditions_from_args(args):
    """:class:`OperatingConditions` from the flags, or None when none is given (nameplate figures)."""
    given = {field: getattr(args, dest) for dest, field in OPERATING_FLAGS.items()
             if getattr(args, dest, None) is not None}
    if not given:
        return None
    from ..hardware.chip_model import OperatingConditions

    return OperatingConditions(**given)
