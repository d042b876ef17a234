"""Stratum v1: jobs and share checks, and the protocol on the wire.

* :mod:`.work` — a ``mining.notify`` job turned into block headers; ``check_submit`` rebuilds and hashes a
  ``mining.submit`` with hashlib; coinbase txids without the witness.
* :mod:`.protocol` — message framing, shapes, error codes (20-25), URLs.
* :mod:`.templates` — block templates (a real captured one is built in) and the jobs a pool cuts from them.
* :mod:`.pool` — :class:`PoolServer`, the ``minecore pool`` server (vardiff, share log, statistics).
* :mod:`.client` and :mod:`.miner` — :class:`StratumClient` and :class:`CpuMiner` (``minecore mine``).
* :mod:`.proxy` — :class:`StratumProxy` (``minecore proxy``): checks every share between miners and a pool.
* :mod:`.virtual` — :class:`VirtualMiner` (``minecore emulate MODEL --stratum URL``): the ASIC twin on the wire.

Importing this package loads only :mod:`.work`; the network modules load on first use of their names.

>>> job = StratumJob.from_notify(
...     ["j1", "00" * 32, "01000000", "ffffffff", [], "20000000", "1d00ffff", "5f5e1000", True],
...     extranonce1="aabbccdd", extranonce2_size=4)
>>> job.coinbase(bytes(4)).hex()
'01000000aabbccdd00000000ffffffff'
>>> len(job.header(bytes(4), nonce=7))
80
"""

from __future__ import annotations

import importlib

from .work import (
    DEFAULT_VERSION_MASK,
    StratumError,
    StratumJob,
    SubmittedShare,
    apply_version_bits,
    build_header,
    coinbase_txid,
    is_segwit_serialised,
    merkle_root,
    prevhash_from_stratum,
    prevhash_to_stratum,
    sha256d,
    share_difficulty,
    strip_witness,
    txid,
    version_mask_from_configure,
)

#: public name -> module that defines it (imported on first access: asyncio stays unloaded until needed)
_LAZY = {
    "ErrorCode": "protocol",
    "parse_url": "protocol",
    "BlockTemplate": "templates",
    "JobBook": "templates",
    "Limits": "connection",
    "ServerThread": "connection",
    "PoolConfig": "pool",
    "PoolServer": "pool",
    "ShareLog": "sharelog",
    "read_share_log": "sharelog",
    "StratumClient": "client",
    "LineConnection": "client",
    "CpuMiner": "miner",
    "MinerConfig": "miner",
    "ProxyConfig": "proxy",
    "StratumProxy": "proxy",
    "VirtualMiner": "virtual",
    "VirtualMinerConfig": "virtual",
    "poisson_interval": "stats",
    "estimate_hashrate": "stats",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'minecore.stratum' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_VERSION_MASK",
    "StratumError",
    "StratumJob",
    "SubmittedShare",
    "apply_version_bits",
    "build_header",
    "coinbase_txid",
    "is_segwit_serialised",
    "merkle_root",
    "prevhash_from_stratum",
    "prevhash_to_stratum",
    "sha256d",
    "share_difficulty",
    "strip_witness",
    "txid",
    "version_mask_from_configure",
    *_LAZY,
]
