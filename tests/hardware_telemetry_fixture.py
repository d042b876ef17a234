"""Synthetic pyasic telemetry for the fleet tests, built with pyasic's own data classes.

NOT REAL TELEMETRY.  Each machine's figures come from the catalog nameplates (Antminer S21 200 TH/s / 3,500 W,
S19 XP 140 TH/s / 3,010 W, Whatsminer M60S 186 TH/s / 3,441 W; sources in hardware/data/models.toml) run through the
twin at a seeded inlet temperature, with seeded faults (a dead board, dead chips, a machine that is off) and 1 %
measurement noise.  It exercises the loader, the health table and the calibration fit; it says nothing about how
real machines behave.
"""

from __future__ import annotations

import json
import random

MIX = (("Antminer S21", 40), ("Antminer S19 XP", 35), ("Whatsminer M60S", 25))


def _pyasic_model(name: str):
    from pyasic.device.makes import MinerMake
    from pyasic.device.models import AntminerModels, WhatsminerModels

    return {"Antminer S21": (MinerMake.ANTMINER, AntminerModels.S21),
            "Antminer S19 XP": (MinerMake.ANTMINER, AntminerModels.S19XP),
            "Whatsminer M60S": (MinerMake.WHATSMINER, WhatsminerModels.M60SVK10)}[name]


def miner_data(seed: int = 13, mix=MIX):
    """A list of pyasic ``MinerData`` (100 machines by default)."""
    from pyasic.data import HashBoard, MinerData
    from pyasic.data.device import DeviceInfo
    from pyasic.device.algorithm import SHA256Algo

    from minecore.hardware import get_model, twin_for

    rng = random.Random(seed)

    def ths(x: float):
        return SHA256Algo.hashrate(rate=float(x), unit=SHA256Algo.unit.TH)

    out = []
    n = 0
    for name, count in mix:
        model = get_model(name)
        twin = twin_for(model)
        make, pmodel = _pyasic_model(name)
        cpb = model.chips_per_board  # None for the M60S: pyasic then reports no chip counts
        for _ in range(count):
            n += 1
            inlet = rng.uniform(12.0, 39.0)
            failed = 1 if rng.random() < 0.08 else 0
            off = rng.random() < 0.03
            dead_chips = rng.choice([0, 0, 0, 0, 1, 2, 5]) if cpb else 0
            op = twin.operating_point(ambient_c=inlet, failed_boards=failed)
            dead_share = dead_chips / (cpb * (twin.boards - failed)) if cpb else 0.0
            total = 0.0 if off else op.hashrate_ths * (1 - dead_share) * rng.gauss(1.0, 0.01)
            boards = []
            working = [b for b in range(twin.boards) if b >= failed]
            for b in range(twin.boards):
                up = b in working and not off
                chips = None if cpb is None else (cpb - (dead_chips if b == working[0] else 0) if up else 0)
                boards.append(HashBoard(slot=b, hashrate=ths(total / len(working) if up else 0.0), chips=chips,
                                        expected_chips=cpb, temp=(op.chip_temp_c - 15.0) if up else None,
                                        chip_temp=(op.chip_temp_c + rng.gauss(0, 1.0)) if up else None,
                                        missing=not up))
            out.append(MinerData(
                ip=f"10.0.{n // 250}.{n % 250}",
                device_info=DeviceInfo(make=make, model=pmodel, firmware=None, algo=SHA256Algo),
                expected_hashrate=ths(model.hashrate_ths), expected_hashboards=twin.boards,
                expected_chips=cpb * twin.boards if cpb else None, env_temp=round(inlet, 2),
                wattage=None if off else int(round(op.power_w * rng.gauss(1.0, 0.01))), hashboards=boards,
                is_mining=not off))
    return out


def write_json(path, seed: int = 13, mix=MIX) -> None:
    """Write the fixture as pyasic's ``as_dict()`` objects in a JSON list."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump([d.as_dict() for d in miner_data(seed, mix)], fh, default=str)
