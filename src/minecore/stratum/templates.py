"""Block templates and the jobs a pool cuts from them.

A :class:`BlockTemplate` is what a pool needs to hand out work: the previous block, the coinbase split
around the extranonce bytes, the merkle branches and the header fields.  The built-in template is a real
one: the job public-pool sent to a Bitaxe Gamma on 2025-06-19 (``tests/data/stratum_jobs.json``), whose
share the pool accepted.  Any ``{mining_notify, extranonce1, extranonce2_size}`` file (the format of
``minecore emulate --job``) or the vectors file itself loads as a template.

:class:`JobBook` turns a template into a stream of :class:`~minecore.stratum.work.StratumJob` s: a new job
id on every refresh, ``ntime`` moving with the clock from the template's, and on a simulated new block a
new previous-block hash with ``clean_jobs`` set, which makes every older job stale.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from ..errors import StratumError
from .work import DEFAULT_VERSION_MASK, StratumJob, _hex_bytes, _hex_u32, prevhash_from_stratum

#: the captured Bitaxe Gamma job (public-pool, 2025-06-19): source 256foundation/mujina@1a69ef40,
#: mujina-miner/src/asic/bm13xx/test_data.rs; the same example as tests/data/stratum_jobs.json
BITAXE_JOB = {
    "name": "Bitaxe Gamma (BM1370) job from public-pool, captured 2025-06-19",
    "mining_notify": {
        "id": None,
        "method": "mining.notify",
        "params": [
            "875b4b7",
            "6b6455fd6db962c101f2d4fc0d67f4a3bc96391d000152960000000000000000",
            "02000000010000000000000000000000000000000000000000000000000000000000000000ffffffff170330c30d"
            "5075626c69632d506f6f6c",
            "ffffffff02e5b5c61200000000220020984a77c289084ff2d434c316bdada021c6c183d507c8a20d3b159b09ac02fe28"
            "0000000000000000266a24aa21a9edb98ee50410ed4abd48401ed484fc874409d086a3faf0816136a8ad6168314c58"
            "00000000",
            [
                "21af451ddb51e887ff1feb5592b87290098565035eb8500031aedcc776d4e72a",
                "c5af269519c809a9546d5a58ca6445d3dbb80cb7045448ecc48309af034da8f8",
                "fb9f8f9959f6bb0ceb63fa53aed1d5a615c6b6d3f50a468ea89a45a1234bda74",
                "a4f4fee8e5fc19ca8d93e67b9236c37ddb864982010434745c0abfe9b914980c",
                "33092206642744fbe5499c3e621cd5c6b52733e54fbebd869f070082b807f740",
                "3b857e32c5cff4864efab967b9a456ca03b2167ab96bd9076ce294c8a67a7fe2",
                "881a07cd881d0c3e590b4b090ea8d58e1439dc56c63686f7de23c47045441e30",
                "315e4dbcc8e7b1c9d594a73978268791880dddb2c26eec8e75768668dad99d80",
                "69952b77c632be16b1ac7ac7048f13d4e962b2e215d79a343f01e6e281d7c304",
                "fc63eb4392c4d6c6d689788875fca35143fdcd4f4a82e8698e0e441751a70b4a",
                "09e419bbe20aa3a7640f1b91f50599ceddff899e90d3f18951ad5418c4850a6b",
                "004978aa346b4f1880bcadb3ca3792d771ee6aeca427f61e74baba44b75cfb88",
            ],
            "20000000",
            "17023a04",
            "685468d7",
            False,
        ],
    },
    "extranonce1": "4128064f",
    "extranonce2_size": 4,
    "version_mask": "1fffe000",
}


@dataclass(frozen=True)
class BlockTemplate:
    """Work a pool hands out, before any miner's extranonce is filled in.

    name : str — where it came from
    prev_block : bytes — previous block hash, internal order
    coinbase1, coinbase2 : bytes — the coinbase around ``extranonce_size`` bytes of extranonce
    extranonce_size : int — room for extranonce1 + extranonce2 [B] (8 in the captured job: 4 + 4)
    merkle_branches : tuple[bytes, ...] — internal order
    version, nbits, ntime : int — header fields of the template [ntime: s since the epoch]
    """

    name: str
    prev_block: bytes
    coinbase1: bytes
    coinbase2: bytes
    extranonce_size: int
    merkle_branches: tuple[bytes, ...]
    version: int
    nbits: int
    ntime: int

    def __post_init__(self) -> None:
        if not 2 <= self.extranonce_size <= 32:
            raise StratumError(f"template extranonce room must be 2-32 bytes, got {self.extranonce_size}")
        # constructing a job validates every field (hex sizes, nbits, branches)
        self.job("t", extranonce1=bytes(1), extranonce2_size=self.extranonce_size - 1)

    @classmethod
    def from_job_doc(cls, doc: dict, name: str | None = None) -> "BlockTemplate":
        """From ``{mining_notify, extranonce1, extranonce2_size}``: the coinbase room is the two extranonces."""
        if not isinstance(doc, dict) or "mining_notify" not in doc:
            raise StratumError("a template needs mining_notify, extranonce1 and extranonce2_size")
        en1 = _hex_bytes(doc.get("extranonce1", ""), "extranonce1")
        size = doc.get("extranonce2_size", 4)
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= 32:
            raise StratumError(f"extranonce2_size must be an integer in [0, 32], got {size!r}")
        job = StratumJob.from_notify(doc["mining_notify"], en1, size)
        return cls(
            name=name or str(doc.get("name") or f"job {job.job_id}"),
            prev_block=job.prev_block,
            coinbase1=job.coinbase1,
            coinbase2=job.coinbase2,
            extranonce_size=len(en1) + size,
            merkle_branches=job.merkle_branches,
            version=job.version,
            nbits=job.nbits,
            ntime=job.ntime,
        )

    @classmethod
    def builtin(cls) -> "BlockTemplate":
        """The captured Bitaxe Gamma job (a real mainnet template; see :data:`BITAXE_JOB`)."""
        return cls.from_job_doc(BITAXE_JOB)

    @classmethod
    def load(cls, path: "str | Path") -> "BlockTemplate":
        """A template file: one job document, or a vectors file (``{"examples": [...]}``: the first example
        with a ``mining_notify``), or a ``getblocktemplate``-style document with the fields of this class
        in hex (``prev_block`` in display order, ``coinbase1``, ``coinbase2``, ``extranonce_size``,
        ``merkle_branches``, ``version``, ``nbits``, ``ntime``)."""
        path = Path(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise StratumError(f"template {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise StratumError(f"template {path}: not JSON ({exc})") from None
        if isinstance(doc, dict) and isinstance(doc.get("examples"), list):
            doc = next((e for e in doc["examples"] if isinstance(e, dict) and "mining_notify" in e), None)
            if doc is None:
                raise StratumError(f"template {path}: no example with a mining_notify")
        if isinstance(doc, dict) and "mining_notify" in doc:
            return cls.from_job_doc(doc, name=str(doc.get("name") or path.name))
        if isinstance(doc, dict) and "coinbase1" in doc:
            try:
                return cls(
                    name=str(doc.get("name") or path.name),
                    prev_block=_hex_bytes(doc["prev_block"], "prev_block", 32)[::-1],
                    coinbase1=_hex_bytes(doc["coinbase1"], "coinbase1"),
                    coinbase2=_hex_bytes(doc["coinbase2"], "coinbase2"),
                    extranonce_size=int(doc.get("extranonce_size", 8)),
                    merkle_branches=tuple(_hex_bytes(b, "merkle branch", 32) for b in doc.get("merkle_branches", [])),
                    version=_hex_u32(doc["version"], "version"),
                    nbits=_hex_u32(doc["nbits"], "nbits"),
                    ntime=_hex_u32(doc["ntime"], "ntime"),
                )
            except KeyError as exc:
                raise StratumError(f"template {path}: missing {exc.args[0]}") from None
            except (TypeError, ValueError) as exc:
                raise StratumError(f"template {path}: {exc}") from None
        raise StratumError(f"template {path}: expected a job document (mining_notify, extranonce1, "
                           "extranonce2_size), a vectors file or a template with coinbase1/coinbase2")

    def job(
        self,
        job_id: str,
        *,
        extranonce1: bytes = b"",
        extranonce2_size: int | None = None,
        ntime: int | None = None,
        prev_block: bytes | None = None,
        clean_jobs: bool = False,
        version_mask: int = DEFAULT_VERSION_MASK,
    ) -> StratumJob:
        """A :class:`StratumJob` of this template (``extranonce2_size`` defaults to the room left by
        ``extranonce1``)."""
        if extranonce2_size is None:
            extranonce2_size = self.extranonce_size - len(extranonce1)
        if len(extranonce1) + extranonce2_size != self.extranonce_size:
            raise StratumError(
                f"extranonce1 ({len(extranonce1)} B) + extranonce2 ({extranonce2_size} B) must fill the "
                f"template's {self.extranonce_size} B of extranonce room"
            )
        return StratumJob(
            job_id=job_id,
            prev_block=self.prev_block if prev_block is None else prev_block,
            coinbase1=self.coinbase1,
            coinbase2=self.coinbase2,
            merkle_branches=self.merkle_branches,
            version=self.version,
            nbits=self.nbits,
            ntime=self.ntime if ntime is None else ntime,
            clean_jobs=clean_jobs,
            extranonce1=extranonce1,
            extranonce2_size=extranonce2_size,
            version_mask=version_mask,
        )


@dataclass(frozen=True)
class PoolJob:
    """One job the pool has announced.

    job : StratumJob — with an empty extranonce1 (each connection's is filled in when it submits)
    block : int — the simulated block height offset it belongs to (a new block makes older jobs stale)
    created : float — monotonic time it was made [s]
    """

    job: StratumJob
    block: int
    created: float

    @property
    def job_id(self) -> str:
        return self.job.job_id

    def for_session(self, extranonce1: bytes, version_mask: int) -> StratumJob:
        """The job as one connection hashes it (its extranonce1, its negotiated version mask)."""
        return dataclasses.replace(
            self.job, extranonce1=extranonce1, extranonce2_size=self.job.extranonce2_size - len(extranonce1),
            version_mask=version_mask,
        )


class JobBook:
    """The jobs a pool hands out, cut from one template.

    * :meth:`refresh` makes a new job: new id, ``ntime`` = template ntime + seconds since the book started
      (so the first job carries the template's own ntime), ``clean_jobs`` false: older jobs stay valid.
    * :meth:`new_block` simulates a new block: the previous-block hash moves on (sha256d of the old one),
      ``clean_jobs`` true: every older job is stale from then on.
    * Only the last ``keep`` jobs are remembered; a submit to a forgotten job is "job not found".

    Job ids are 8 hex digits from a counter that starts at a value derived from ``seed``.
    """

    def __init__(self, template: BlockTemplate, *, extranonce1_size: int = 4, keep: int = 16, seed: int = 0,
                 clock=time.monotonic):
        if not 1 <= extranonce1_size < template.extranonce_size:
            raise StratumError(
                f"extranonce1 size {extranonce1_size} leaves no extranonce2 in a template with "
                f"{template.extranonce_size} B of room"
            )
        self.template = template
        self.extranonce1_size = extranonce1_size
        self.extranonce2_size = template.extranonce_size - extranonce1_size
        self.keep = max(2, keep)
        self._clock = clock
        self._start = clock()
        start = int.from_bytes(hashlib.sha256(f"minecore-pool-jobs:{seed}".encode()).digest()[:4], "big")
        self._ids = itertools.count(start)
        self._jobs: OrderedDict[str, PoolJob] = OrderedDict()
        self._stale: OrderedDict[str, None] = OrderedDict()
        self.block = 0
        self.prev_block = template.prev_block
        self.current: PoolJob | None = None
        self.refresh(clean=True)

    def _ntime(self) -> int:
        return (self.template.ntime + int(self._clock() - self._start)) & 0xFFFFFFFF

    def refresh(self, *, clean: bool = False) -> PoolJob:
        """A new job on the current block (``clean``: also drop every older job)."""
        job_id = f"{next(self._ids) & 0xFFFFFFFF:08x}"
        job = self.template.job(
            job_id, extranonce1=b"", extranonce2_size=self.template.extranonce_size, ntime=self._ntime(),
            prev_block=self.prev_block, clean_jobs=clean,
        )
        entry = PoolJob(job=job, block=self.block, created=self._clock())
        if clean:
            for old in self._jobs:
                self._remember_stale(old)
            self._jobs.clear()
        self._jobs[job_id] = entry
        while len(self._jobs) > self.keep:
            old, _ = self._jobs.popitem(last=False)
            self._remember_stale(old)
        self.current = entry
        return entry

    def new_block(self) -> PoolJob:
        """Simulate a new block on the network: new previous-block hash, clean job."""
        self.block += 1
        self.prev_block = hashlib.sha256(hashlib.sha256(self.prev_block).digest()).digest()
        return self.refresh(clean=True)

    def _remember_stale(self, job_id: str) -> None:
        self._stale[job_id] = None
        while len(self._stale) > 4 * self.keep:
            self._stale.popitem(last=False)

    def get(self, job_id: str) -> PoolJob | None:
        """The live job ``job_id``, or None."""
        return self._jobs.get(job_id)

    def is_stale(self, job_id: str) -> bool:
        """Whether ``job_id`` was a job of this pool that a new block or age has retired."""
        return job_id in self._stale

    def __len__(self) -> int:
        return len(self._jobs)


def notify_params(job: StratumJob, clean: bool) -> list:
    """``mining.notify`` params of a pool job (extranonce1 empty: the coinbase halves are shared)."""
    params = job.to_notify_params()
    params[8] = bool(clean)
    return params


__all__ = ["BITAXE_JOB", "BlockTemplate", "JobBook", "PoolJob", "notify_params", "prevhash_from_stratum"]
