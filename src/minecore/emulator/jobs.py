"""Synthetic Stratum jobs with the structure of real ones, drawn from a seed.

A synthetic job is what a pool would send: a BIP 34 coinbase split around the
extranonces (version-2 transaction, one null-prevout input, a P2WPKH payout and
a segwit witness commitment), a dozen merkle branches, a previous-block hash
with the leading zeros a real one has, and realistic version/nbits/ntime.  Every
random byte comes from ``random.Random(seed)``, so a seed names one job.
"""

from __future__ import annotations

import random

from ..stratum import DEFAULT_VERSION_MASK, StratumJob

#: nbits of mainnet blocks around June 2025 (the Bitaxe share in tests/data/stratum_jobs.json)
SYNTHETIC_NBITS = 0x17023A04
#: 2025-06-19T19:39:35Z, the ntime of that share
SYNTHETIC_NTIME = 0x685468D7
SYNTHETIC_HEIGHT = 902_000
SYNTHETIC_VERSION = 0x20000000
MERKLE_BRANCHES = 12  # a block of 2^11–2^12 transactions


def _push(data: bytes) -> bytes:
    """A minimal script push of ``data`` (< 76 bytes)."""
    return bytes([len(data)]) + data


def synthetic_job(
    seed: int = 0,
    *,
    extranonce1_size: int = 4,
    extranonce2_size: int = 4,
    version_mask: int = DEFAULT_VERSION_MASK,
    branches: int = MERKLE_BRANCHES,
) -> StratumJob:
    """A realistic :class:`~minecore.stratum.StratumJob` drawn from ``seed``.

    >>> synthetic_job(1) == synthetic_job(1), synthetic_job(1) == synthetic_job(2)
    (True, False)
    """
    rng = random.Random(f"minecore-synthetic-job:{seed}")
    rand = lambda n: rng.getrandbits(8 * n).to_bytes(n, "little")  # noqa: E731
    height = SYNTHETIC_HEIGHT + rng.randrange(1000)
    tag = b"/minecore emulator/"
    script_head = _push(height.to_bytes(3, "little")) + _push(tag)
    script_len = len(script_head) + extranonce1_size + extranonce2_size
    coinbase1 = (
        (2).to_bytes(4, "little")  # tx version
        + b"\x01"  # one input
        + bytes(32) + b"\xff\xff\xff\xff"  # null prevout
        + bytes([script_len])
        + script_head
    )
    reward_sat = 312_500_000 + rng.randrange(5_000_000, 50_000_000)  # subsidy + fees
    payout_script = b"\x00\x14" + rand(20)  # P2WPKH
    commitment_script = b"\x6a\x24\xaa\x21\xa9\xed" + rand(32)  # OP_RETURN witness commitment
    coinbase2 = (
        b"\xff\xff\xff\xff"  # sequence
        + b"\x02"
        + reward_sat.to_bytes(8, "little") + _push(payout_script)
        + bytes(8) + _push(commitment_script)
        + bytes(4)  # locktime
    )
    prev_block = rand(24) + bytes(8)  # internal order: the displayed hash starts with zeros
    return StratumJob(
        job_id=f"{rng.getrandbits(28):07x}",
        prev_block=prev_block,
        coinbase1=coinbase1,
        coinbase2=coinbase2,
        merkle_branches=tuple(rand(32) for _ in range(branches)),
        version=SYNTHETIC_VERSION,
        nbits=SYNTHETIC_NBITS,
        ntime=SYNTHETIC_NTIME + rng.randrange(86400 * 180),
        clean_jobs=True,
        extranonce1=rand(extranonce1_size),
        extranonce2_size=extranonce2_size,
        version_mask=version_mask,
    )


__all__ = ["synthetic_job", "SYNTHETIC_NBITS", "SYNTHETIC_NTIME"]
