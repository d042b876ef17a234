"""``emulate``: do a miner's real work at CPU scale and account for it at ASIC scale.

The work plan
-------------
Every chain (hashboard) gets its own job (its own extranonce2, hence its own
merkle root); every chip of a chain shares that job and owns the nonce ranges
its address and big-core bits select (:mod:`.layout`); the small cores of a big
core scan that range under consecutive rolled versions.  A real machine runs all
of that at once.  The emulator hashes a deterministic sample of it, in rounds:

* round ``r`` picks one big-core id (a seeded permutation of the core ids), one
  window of ``window_nonces`` nonces inside that core's range (seeded start,
  then advancing), and one block of ``versions_per_core`` rolled versions;
* in each round, every chip of every chain hashes that window of its own range
  under those versions: one ``minecore.scan_versions`` call per chip, on a
  contiguous nonce range;
* the backend returns every (version, nonce) that meets the chip's ticket
  difficulty (the ticket mask: the chip reports nothing else); each result is
  attributed to chip/core from its nonce bits, re-hashed with hashlib from
  (job, extranonce2, ntime, version, nonce) and counted as a ticket; the
  firmware then filters tickets to the pool difficulty, so a share meets both
  the ticket and the pool difficulty — never only the pool's.

The ticket difficulty is the chip family's (256 on every BM13xx) unless
``ticket_difficulty`` is given.  A pool difficulty below it never happens at
ASIC scale (the chip could not report such shares): it is a CPU-scale run, and
the ticket is then scaled with the pool difficulty to :data:`CPU_TICKET_RATIO`
times below it, so the chip's filter still sits in front of the pool's and
tickets outnumber shares (``EmulationResult.ticket_scaled`` says so).

The order of the work depends only on the seed, the model and the window size:
two runs with the same seed that hash the same number of hashes find the same
shares.  ``hashes=`` fixes that number (fully reproducible); ``seconds=`` hashes
until the wall-clock budget is spent.
"""

from __future__ import annotations

import math
import random
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import validate as V
from ..header import BlockHeader, DIFF1_TARGET, difficulty_to_target
from ..stratum import StratumJob, sha256d
from .jobs import synthetic_job
from .layout import ChipLayout
from .machine import EmulatorError, OperatingState, resolve_machine
from .stats import PoissonTest, hit_probability, poisson_test
from ..errors import VerificationError  # noqa: F401  (defined in minecore.errors, re-exported here)

#: shares the automatic pool difficulty aims for over the whole budget
AUTO_DIFFICULTY_SHARES = 200
#: smallest and largest wall time one scan call should take when the window is sized automatically [s].
#: Every backend call has a fixed cost (the native backend starts a worker thread per call: ~0.3-0.4 ms
#: on a loaded 2-core VM), so calls of a few ms lose 5-10 % of the throughput; 40 ms keeps it under 1 %.
CALL_SECONDS_MIN, CALL_SECONDS_MAX = 0.04, 0.25
#: with ``hashes=`` (no timing, so the plan stays reproducible) a call hashes at least this many headers
#: (2^20: ~50 ms on one SHA-NI core), unless the budget is split into ``MIN_CALLS`` calls first
MIN_CALL_HASHES = 1 << 20
MIN_CALLS, MAX_CALLS = 8, 64
MIN_WINDOW_NONCES = 256
#: longest wall-clock budget ``emulate(seconds=...)`` accepts [s]: one day.  A CPU emulation gains nothing from
#: longer runs (the Poisson error of the share count falls as 1/sqrt(shares), and ``hashes=`` exists for
#: reproducible long runs); the bound also keeps the progress total (milliseconds) a sane integer.
MAX_SECONDS = 86400.0
#: at CPU scale (a pool difficulty below the chip's ticket difficulty) the ticket sits this many times below the
#: pool difficulty: a real BM13xx machine on a pool sees hundreds of tickets per share; 16 keeps the chip's filter
#: in front of the pool's while the Python verification of every ticket stays cheap
CPU_TICKET_RATIO = 16.0
#: seeds are used as text (``random.Random(f"...:{seed}")``), so negative seeds are allowed; the bound only
#: keeps them to 64 bits like every other seed in minecore
MAX_SEED = 2**64 - 1
_U32 = struct.Struct("<I")


@dataclass(frozen=True)
class EmulatedShare:
    """One result the backend found, re-verified with hashlib.

    job_id, extranonce2 (hex), ntime, version, nonce : what a miner submits
        (``version_bits = version & mask`` go in ``mining.submit``)
    chain : int — hashboard; chip : int — global chip index (``chain × chips_per_chain + chip_on_chain``)
    chip_on_chain, core, small_core : int — where on the board it was found (from the nonce/version bits)
    difficulty : float — share difficulty the hash achieves (truediffone)
    hash_hex : str — block hash, display order
    is_share : bool — reported to the pool: a ticket that also meets the pool difficulty
    is_ticket : bool — meets the chip's ticket difficulty (the chip reports only tickets)
    """

    job_id: str
    extranonce2: str
    ntime: int
    version: int
    version_bits: int
    nonce: int
    chain: int
    chip: int
    chip_on_chain: int
    core: int
    small_core: int
    difficulty: float
    hash_hex: str
    is_share: bool
    is_ticket: bool


@dataclass(frozen=True)
class EmulationResult:
    """What :func:`emulate` hashed and found.

    Attributes (units in brackets)
    ------------------------------
    model_key, model_name, chip : str
    layout : ChipLayout — the work split (chains, chips per chain, cores, versions per core)
    state : OperatingState — clock [MHz], voltage [V], hashrate [TH/s], power [W] of the emulated machine
    backend : str; threads : int; seed : int
    job_id : str — the Stratum job (synthetic unless one was given)
    difficulty : float — pool share difficulty; ticket_difficulty : float — the chip filter used in this run
    chip_ticket_difficulty : float — the chip family's ticket difficulty (256 on BM13xx)
    ticket_scaled : bool — the ticket was scaled down with a CPU-scale pool difficulty (see the module notes)
    window_nonces : int — nonces per chip per round; versions_per_core : int — rolled versions per window
    rounds : int — rounds started; calls : int — scan calls made
    hashes : int — headers hashed on the CPU
    hash_seconds : float — time inside the backend [s]; wall_seconds : float — whole run incl. verification [s]
    asic_seconds : float — time the emulated machine needs for the same hashes [s]
    shares : tuple[EmulatedShare, ...] — tickets meeting the pool difficulty, all hashlib-verified
    tickets_found : int — results meeting the ticket difficulty
    share_test, ticket_test : PoissonTest — found against expected
    hashes_per_chip, shares_per_chip, tickets_per_chip : tuple[int, ...] — indexed by global chip
    tickets_per_core : tuple[tuple[int, int, int], ...] — (chip, core, tickets) for every core with a ticket
    chip_hashrate_hs : float — one chip at the operating clock [H/s]
    """

    model_key: str
    model_name: str
    chip: str
    layout: ChipLayout
    state: OperatingState
    backend: str
    threads: int
    seed: int
    job_id: str
    difficulty: float
    ticket_difficulty: float
    window_nonces: int
    versions_per_core: int
    rounds: int
    calls: int
    hashes: int
    hash_seconds: float
    wall_seconds: float
    asic_seconds: float
    shares: tuple[EmulatedShare, ...]
    tickets_found: int
    share_test: PoissonTest
    ticket_test: PoissonTest
    hashes_per_chip: tuple[int, ...] = field(repr=False)
    shares_per_chip: tuple[int, ...] = field(repr=False)
    tickets_per_chip: tuple[int, ...] = field(repr=False)
    tickets_per_core: tuple[tuple[int, int, int], ...] = field(repr=False)
    chip_hashrate_hs: float = 0.0
    chip_ticket_difficulty: float = 256.0
    ticket_scaled: bool = False

    # ---------------------------------------------------------------- derived figures

    @property
    def shutdown(self) -> bool:
        """The machine does not hash at this state (nothing was emulated)."""
        return self.state.shutdown

    @property
    def emulated_hashrate_ths(self) -> float:
        """Hashrate of the emulated machine at its operating point [TH/s]."""
        return self.state.hashrate_ths

    @property
    def shares_found(self) -> int:
        return len(self.shares)

    @property
    def expected_shares(self) -> float:
        return self.share_test.expected

    @property
    def p_value(self) -> float:
        """Two-sided Poisson p-value of shares found against expected."""
        return self.share_test.p_value

    @property
    def cpu_hashrate_hs(self) -> float:
        """CPU hashes per second inside the backend [H/s]."""
        return self.hashes / self.hash_seconds if self.hash_seconds > 0 else 0.0

    @property
    def share_hashrate_ths(self) -> float:
        """Machine hashrate a pool would estimate from the shares: ``shares × D × 2^32 / asic_seconds`` [TH/s]."""
        if self.asic_seconds <= 0:
            return 0.0
        return self.shares_found * self.difficulty * 2**32 / self.asic_seconds / 1e12

    @property
    def chips_sampled(self) -> int:
        """Chips that hashed at least one window."""
        return sum(1 for h in self.hashes_per_chip if h)

    @property
    def scale_factor(self) -> float:
        """N in "the CPU does 1/N of one chip": chip H/s at its clock ÷ CPU H/s (all threads used)."""
        cpu = self.cpu_hashrate_hs
        return self.chip_hashrate_hs / cpu if cpu > 0 else float("inf")

    @property
    def scale_factor_per_thread(self) -> float:
        """N for one CPU thread (one core): chip H/s ÷ (CPU H/s / threads)."""
        return self.scale_factor * self.threads

    @property
    def scale_text(self) -> str:
        """e.g. ``"this CPU core does 1/71,400 of one BM1370 at 525 MHz"``."""
        clock = f"{self.state.clock_mhz:.0f} MHz"
        if not math.isfinite(self.scale_factor):
            return f"nothing was hashed (one {self.chip} at {clock} does {self.chip_hashrate_hs / 1e9:,.1f} GH/s)"
        per_core = f"this CPU core does 1/{self.scale_factor_per_thread:,.0f} of one {self.chip} at {clock}"
        if self.threads == 1:
            return per_core
        return f"{per_core} ({self.threads} threads together: 1/{self.scale_factor:,.0f})"

    def summary(self) -> dict:
        """Flat dict of the headline figures (what the CLI table and JSON show)."""
        return {
            "model": self.model_name,
            "chip": self.chip,
            "profile": self.state.profile,
            "clock_mhz": self.state.clock_mhz,
            "voltage_v": self.state.voltage_v,
            "ambient_c": self.state.ambient_c,
            "throttled": self.state.throttled,
            "shutdown": self.state.shutdown,
            "failed_boards": self.state.failed_boards,
            "emulated_hashrate_ths": self.emulated_hashrate_ths,
            "power_w": self.state.power_w,
            "efficiency_j_per_th": self.state.efficiency_j_per_th,
            "chains": self.layout.chains,
            "chips_per_chain": self.layout.chips_per_chain,
            "address_interval": self.layout.address_interval,
            "big_cores": self.layout.big_cores,
            "versions_per_core": self.versions_per_core,
            "backend": self.backend,
            "threads": self.threads,
            "seed": self.seed,
            "job_id": self.job_id,
            "hashes": self.hashes,
            "hash_seconds": self.hash_seconds,
            "wall_seconds": self.wall_seconds,
            "cpu_hashrate_hs": self.cpu_hashrate_hs,
            "asic_seconds": self.asic_seconds,
            "difficulty": self.difficulty,
            "shares_expected": self.expected_shares,
            "shares_found": self.shares_found,
            "p_value": self.p_value,
            "share_hashrate_ths": self.share_hashrate_ths,
            "ticket_difficulty": self.ticket_difficulty,
            "chip_ticket_difficulty": self.chip_ticket_difficulty,
            "ticket_scaled": self.ticket_scaled,
            "tickets_expected": self.ticket_test.expected,
            "tickets_found": self.tickets_found,
            "chips_sampled": self.chips_sampled,
            "chips_total": self.layout.chips_total,
            "chip_hashrate_ghs": self.chip_hashrate_hs / 1e9,
            "scale_factor": self.scale_factor,
            "scale_factor_per_thread": self.scale_factor_per_thread,
            "scale": self.scale_text,
        }

    def to_dict(self) -> dict:
        """JSON-ready dict: the summary, per-chip counts and every share."""
        out = self.summary()
        out["hashes_per_chip"] = list(self.hashes_per_chip)
        out["shares_per_chip"] = list(self.shares_per_chip)
        out["tickets_per_chip"] = list(self.tickets_per_chip)
        out["tickets_per_core"] = [list(t) for t in self.tickets_per_core]
        out["shares"] = [
            {
                "job_id": s.job_id,
                "extranonce2": s.extranonce2,
                "ntime": f"{s.ntime:08x}",
                "version": f"{s.version:08x}",
                "version_bits": f"{s.version_bits:08x}",
                "nonce": f"{s.nonce:08x}",
                "chain": s.chain,
                "chip": s.chip,
                "core": s.core,
                "small_core": s.small_core,
                "difficulty": s.difficulty,
                "hash": s.hash_hex,
                "ticket": s.is_ticket,
            }
            for s in self.shares
        ]
        return out


# ------------------------------------------------------------------------ helpers


def _extract_bits(value: int, mask: int) -> int:
    """Software PEXT: gather the bits of ``value`` at the set bits of ``mask`` (inverse of deposit)."""
    out = 0
    bit = 0
    while mask:
        low = mask & -mask
        if value & low:
            out |= 1 << bit
        bit += 1
        mask ^= low
    return out


def _pow2_floor(x: float) -> int:
    return 1 << max(0, int(math.floor(math.log2(x)))) if x >= 1 else 1


def _auto_difficulty(expected_hashes: float) -> float:
    """A power of two near ``hashes / (AUTO_DIFFICULTY_SHARES × 2^32)`` (may be far below 1)."""
    raw = expected_hashes / (AUTO_DIFFICULTY_SHARES * 2**32)
    return 2.0 ** math.floor(math.log2(raw)) if raw > 0 else 2.0**-32


class _Scanner:
    """Calls the public scan API for one backend; the only place hashing happens."""

    def __init__(self, engine, threads: int, mask: int, versions: int):
        from ..scanning import scan, scan_versions

        self.engine = engine
        self.threads = threads
        self.mask = mask
        self.versions = versions
        self._scan = scan
        self._scan_versions = scan_versions

    def __call__(self, header76: bytes, target: int, roll_start: int, nonce_start: int, count: int):
        """Return ``(pairs, seconds)`` for ``versions`` rolled versions from ``roll_start``."""
        if self.mask:
            r = self._scan_versions(
                header76, target, self.mask, range(roll_start, roll_start + self.versions), nonce_start, count,
                backend=self.engine, threads=self.threads,
            )
            return r.pairs, r.seconds
        r = self._scan(header76, target, nonce_start, count, backend=self.engine, threads=self.threads)
        version = int.from_bytes(header76[:4], "little")
        return [(version, n) for n in r.nonces], r.seconds

    def rate(self, budget_s: float) -> float:
        """Measured hashes per second on a throwaway header (after a warm-up call, e.g. for a JIT)."""
        throwaway = bytes(range(76))
        self(throwaway, 0, 0, 0, 64)
        count = 1 << 10
        while True:
            t0 = time.perf_counter()
            _, seconds = self(throwaway, 0, 0, 0, count)
            seconds = max(seconds, time.perf_counter() - t0, 1e-9)
            if seconds >= budget_s or count >= 1 << 22:
                return count * self.versions / seconds
            count <<= 1


# ------------------------------------------------------------------------ emulate


def emulate(
    model,
    seconds: float = 1.0,
    difficulty: float | None = None,
    profile: str = "normal",
    clock_mhz: float | None = None,
    ambient_c: float = 25.0,
    failed_boards: int = 0,
    backend=None,
    seed: int = 0,
    job: StratumJob | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    hashes: int | None = None,
    threads: int | None = None,
    window_nonces: int | None = None,
    ticket_difficulty: float | None = None,
) -> EmulationResult:
    """Emulate a miner by hashing a seeded sample of its real work on this CPU.

    Parameters
    ----------
    model : str or MinerModel — catalog name (forgiving lookup) or model record
    seconds : float — wall-clock hashing budget [s]: finite, > 0 and at most :data:`MAX_SECONDS`
        (86400, one day); ignored when ``hashes`` is given
    difficulty : float or None — pool share difficulty, finite and > 0; None picks a power of two
        that should give about 200 shares in the budget (fractional difficulties are allowed:
        a CPU is ~10^5 times slower than one chip)
    profile, clock_mhz, ambient_c [°C], failed_boards — operating point, passed to
        :meth:`ChipLevelModel.operating_point` (``ambient_c`` must be finite)
    backend : name, Backend or None (best available, ``MINECORE_BACKEND`` honoured)
    seed : int — picks the synthetic job, extranonce2, core order and window offsets
        (any integer with ``|seed| <= 2**64 - 1``)
    job : StratumJob or None — hash this pool job instead of a synthetic one
    progress : callable or None — called with increments: milliseconds of budget when
        ``seconds`` bounds the run, hashes when ``hashes`` does
    hashes : int or None — hash this many headers, >= 1 (rounded up to whole version blocks;
        reproducible), instead of ``seconds``
    threads : int or None — backend threads (None: every core)
    window_nonces : int or None — nonces per chip per round, >= 1 (one backend call each); None
        sizes calls to 40–250 ms (with ``hashes`` given: from ``hashes`` alone, so the run is
        reproducible: 8 to 64 calls of at least 2^20 hashes where the budget allows). Small
        windows sample more chips but pay the backend's per-call cost more often
    ticket_difficulty : float or None — the chips' ticket difficulty, finite and > 0; None takes the chip
        family's (256 on BM13xx), scaled to ``difficulty / CPU_TICKET_RATIO`` when the pool difficulty is below
        it (a CPU-scale run).  Chips report only tickets; a share is a ticket that meets the pool difficulty

    Numbers must be real numbers (never numeric strings or bools) and never NaN or ±inf; integral
    floats (``1024.0``) are accepted where an integer is expected.

    Returns
    -------
    EmulationResult

    Raises
    ------
    EmulatorError
        a bad budget, difficulty, ambient, seed, window or job; the hardware layer's typed errors
        (unknown model, no chip data, bad profile, clock or failed boards) pass through
    """
    from ..backends.registry import resolve
    from ..scanning import resolve_threads

    t_start = time.perf_counter()
    if hashes is None:
        seconds = V.positive("seconds", seconds, hi=MAX_SECONDS, err=EmulatorError)
    else:
        hashes = V.count("hashes", hashes, minimum=1, err=EmulatorError)
    if difficulty is not None:
        difficulty = V.positive("difficulty", difficulty, err=EmulatorError)
    ambient_c = V.finite("ambient_c", ambient_c, err=EmulatorError)
    seed = V.count("seed", seed, minimum=-MAX_SEED, maximum=MAX_SEED, err=EmulatorError)
    if window_nonces is not None:
        window_nonces = V.count("window_nonces", window_nonces, minimum=1, err=EmulatorError)
    if ticket_difficulty is not None:
        ticket_difficulty = V.positive("ticket_difficulty", ticket_difficulty, err=EmulatorError)
    if job is not None and not isinstance(job, StratumJob):
        raise EmulatorError(f"job must be a minecore.stratum.StratumJob, not {type(job).__name__}")

    machine = resolve_machine(
        model, profile=profile, clock_mhz=clock_mhz, ambient_c=ambient_c, failed_boards=failed_boards
    )
    layout = machine.layout
    engine = resolve(backend)
    threads = resolve_threads(threads)
    job = job if job is not None else synthetic_job(seed)

    mask = job.version_mask
    version_space = 1 << bin(mask).count("1")
    versions = min(layout.small_cores_per_core, version_space)
    scanner = _Scanner(engine, threads, mask, versions)

    # ---- sizing: window and difficulty
    core_span = layout.core_span_nonces
    if hashes is not None:
        expected_hashes = float(hashes)
        if window_nonces is None:
            # up to MAX_CALLS calls (so up to 64 chips are sampled), but no call below MIN_CALL_HASHES
            # unless that would leave fewer than MIN_CALLS calls; depends on ``hashes`` alone
            per_call = max(
                hashes / max(1, min(layout.chips_total, MAX_CALLS)),
                min(MIN_CALL_HASHES, hashes / MIN_CALLS),
            )
            window_nonces = _pow2_floor(max(MIN_WINDOW_NONCES, per_call / versions))
    else:
        rate = None
        if window_nonces is None or difficulty is None:
            rate = scanner.rate(min(0.05, seconds / 10))
        expected_hashes = (rate or 0.0) * seconds
        if window_nonces is None:
            call_s = min(CALL_SECONDS_MAX, max(CALL_SECONDS_MIN, seconds / 20))
            window_nonces = _pow2_floor(max(MIN_WINDOW_NONCES, rate * call_s / versions))
    window_nonces = min(window_nonces, core_span)
    if difficulty is None:
        difficulty = _auto_difficulty(expected_hashes)
    chip_ticket = layout.ticket_difficulty
    ticket_scaled = False
    if ticket_difficulty is None:
        ticket_difficulty = chip_ticket
        if difficulty < chip_ticket:  # CPU scale: keep the chip's filter in front of the pool's
            ticket_difficulty = difficulty / CPU_TICKET_RATIO
            ticket_scaled = True
    share_target = difficulty_to_target(difficulty)
    ticket_target = difficulty_to_target(ticket_difficulty)
    # the chip reports tickets only; the firmware passes on the tickets that meet the pool difficulty
    scan_target = ticket_target
    share_target = min(share_target, ticket_target)

    # ---- the seeded work plan
    rng = random.Random(f"minecore-emulate:{seed}")
    core_order = list(range(layout.core_slots))
    rng.shuffle(core_order)
    windows_per_core = -(-core_span // window_nonces)
    window_offset = rng.randrange(windows_per_core)
    blocks = version_space // versions
    block_offset = rng.randrange(blocks)
    extranonce2_space = 1 << (8 * job.extranonce2_size)
    extranonce2_base = rng.randrange(extranonce2_space) if extranonce2_space > 1 else 0

    chains, per_chain = layout.chains, layout.chips_per_chain
    hashes_per_chip = [0] * layout.chips_total
    shares_per_chip = [0] * layout.chips_total
    tickets_per_chip = [0] * layout.chips_total
    tickets_per_core: dict[tuple[int, int], int] = {}
    shares: list[EmulatedShare] = []
    tickets_found = 0
    done = 0
    hash_seconds = 0.0
    calls = rounds = 0
    headers: dict[int, tuple[bytes, bytes, bytes]] = {}  # extranonce2 -> (bytes, root, header76)

    def work_for(extranonce2: int):
        if extranonce2 not in headers:
            if len(headers) > 64:
                headers.clear()
            e2 = extranonce2.to_bytes(job.extranonce2_size, "little") if job.extranonce2_size else b""
            root = job.merkle_root(e2)  # hashlib: coinbase txid folded through the branches
            header = BlockHeader(job.version, job.prev_block, root, job.ntime, job.nbits, 0)
            headers[extranonce2] = (e2, root, header.to_bytes()[:76])
        return headers[extranonce2]

    stop = machine.state.shutdown
    loop_start = time.perf_counter()
    budget_ms_reported = 0
    while not stop:
        core = core_order[rounds % len(core_order)]
        step = rounds // len(core_order)
        window = (window_offset + step) % windows_per_core
        block = (block_offset + step // windows_per_core) % blocks
        generation = step // (windows_per_core * blocks)
        roll_start = block * versions
        rounds += 1
        for chain in range(chains):
            extranonce2 = (extranonce2_base + generation * chains + chain) % max(1, extranonce2_space)
            e2, root, header76 = work_for(extranonce2)
            for chip_on_chain in range(per_chain):
                start, span = layout.core_range(chip_on_chain, core)
                offset = window * window_nonces
                count = min(window_nonces, span - offset)
                if hashes is not None:
                    count = min(count, -(-(hashes - done) // versions))
                pairs, secs = scanner(header76, scan_target, roll_start, start + offset, count)
                calls += 1
                hash_seconds += secs
                n_hashed = count * versions
                done += n_hashed
                chip = chain * per_chain + chip_on_chain
                hashes_per_chip[chip] += n_hashed
                for version, nonce in pairs:
                    share = _verify(job, e2, header76, version, nonce, chain, layout, mask, roll_start,
                                    scan_target, share_target, ticket_target)
                    if share.chip_on_chain != chip_on_chain or share.core != core:
                        raise VerificationError(
                            f"nonce {nonce:08x} decodes to chip {share.chip_on_chain} core {share.core}, "
                            f"but chip {chip_on_chain} core {core} owns the range scanned"
                        )
                    if share.is_ticket:
                        tickets_found += 1
                        tickets_per_chip[chip] += 1
                        key = (chip, share.core)
                        tickets_per_core[key] = tickets_per_core.get(key, 0) + 1
                    if share.is_share:
                        shares_per_chip[chip] += 1
                        shares.append(share)
                if hashes is not None:
                    if progress is not None:
                        progress(n_hashed)
                    if done >= hashes:
                        stop = True
                        break
                else:
                    elapsed_ms = int((time.perf_counter() - loop_start) * 1000)
                    if progress is not None and elapsed_ms > budget_ms_reported:
                        step_ms = min(elapsed_ms, int(seconds * 1000)) - budget_ms_reported
                        if step_ms > 0:
                            progress(step_ms)
                            budget_ms_reported += step_ms
                    if elapsed_ms >= seconds * 1000:
                        stop = True
                        break
            if stop:
                break

    state = machine.state
    hashrate_hs = state.hashrate_ths * 1e12
    p_share = hit_probability(max(difficulty, ticket_difficulty))  # a share is a ticket at pool difficulty
    p_ticket = hit_probability(ticket_difficulty)
    return EmulationResult(
        model_key=machine.key,
        model_name=machine.name,
        chip=layout.chip_name,
        layout=layout,
        state=state,
        backend=engine.name,
        threads=threads,
        seed=seed,
        job_id=job.job_id,
        difficulty=float(difficulty),
        ticket_difficulty=ticket_difficulty,
        window_nonces=window_nonces,
        versions_per_core=versions,
        rounds=rounds,
        calls=calls,
        hashes=done,
        hash_seconds=hash_seconds,
        wall_seconds=time.perf_counter() - t_start,
        asic_seconds=done / hashrate_hs if hashrate_hs > 0 else 0.0,
        shares=tuple(shares),
        tickets_found=tickets_found,
        share_test=poisson_test(len(shares), done * p_share),
        ticket_test=poisson_test(tickets_found, done * p_ticket),
        hashes_per_chip=tuple(hashes_per_chip),
        shares_per_chip=tuple(shares_per_chip),
        tickets_per_chip=tuple(tickets_per_chip),
        tickets_per_core=tuple((c, k, n) for (c, k), n in sorted(tickets_per_core.items())),
        chip_hashrate_hs=machine.chip_hashrate_hs,
        chip_ticket_difficulty=chip_ticket,
        ticket_scaled=ticket_scaled,
    )


def _verify(job, e2, header76, version, nonce, chain, layout: ChipLayout, mask, roll_start,
            scan_target, share_target, ticket_target) -> EmulatedShare:
    """Rebuild the header from (job, extranonce2, version, nonce), hash it with hashlib, attribute it.

    ``header76`` is the chain's header prefix built in Python from the job and extranonce2
    (hashlib merkle root); the version and nonce the backend returned are packed into it.
    """
    header = _U32.pack(version) + header76[4:] + _U32.pack(nonce)
    digest = sha256d(header)
    value = int.from_bytes(digest, "little")
    if value > scan_target:
        raise VerificationError(
            f"backend result version {version:08x} nonce {nonce:08x} does not meet the target (hashlib disagrees)"
        )
    where = layout.attribute(nonce)
    if where is None:
        raise VerificationError(f"nonce {nonce:08x} lies outside every chip's range")
    small_core = _extract_bits(version & mask, mask) - roll_start if mask else 0
    return EmulatedShare(
        job_id=job.job_id,
        extranonce2=e2.hex(),
        ntime=job.ntime,
        version=version,
        version_bits=version & mask,
        nonce=nonce,
        chain=chain,
        chip=chain * layout.chips_per_chain + where.chip,
        chip_on_chain=where.chip,
        core=where.core,
        small_core=small_core,
        difficulty=float("inf") if value == 0 else DIFF1_TARGET / value,
        hash_hex=digest[::-1].hex(),
        is_share=value <= share_target,
        is_ticket=value <= ticket_target,
    )


__all__ = ["EmulatedShare", "EmulationResult", "VerificationError", "emulate"]
