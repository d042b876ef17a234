"""ASIC emulator: work split, hashlib-verified shares, Poisson accounting, determinism, fleet mode.

Shares come from real hashing, so every count below is a deterministic function of
(seed, hashes, difficulty): the same for every correct backend.  Runs use
``hashes=`` budgets of a few 10^4 headers at CPU-scale difficulties (2^-24: one
share per ~256 hashes) so each takes well under a second on the hashlib backend.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import minecore.emulator.engine as engine_module
from minecore.backends import available
from minecore.errors import InvalidInputError, MinecoreError, UnknownModelError
from minecore.header import DIFF1_TARGET, rolled_version
from minecore.emulator import (
    ChipLayout,
    EmulatorError,
    FleetMember,
    LayoutError,
    emulate,
    poisson_test,
    resolve_machine,
    simulate_fleet,
    synthetic_job,
)
from minecore.emulator.stats import hit_probability, poisson_cdf, poisson_sf
from minecore.stratum import StratumJob

D_CPU = 2.0**-24  # one share per ~256 hashes
S21 = ChipLayout("BM1368", chains=3, chips_per_chain=108, big_cores=80, small_cores=1276)


def _run(model="S21", hashes=1 << 15, seed=7, backend="hashlib", **kw):
    kw.setdefault("difficulty", D_CPU)
    return emulate(model, hashes=hashes, seed=seed, backend=backend, threads=1, **kw)


@pytest.fixture(scope="module")
def s21_run():
    return _run()


# ------------------------------------------------------------------ layout and attribution


@pytest.mark.parametrize("chips, interval", [(1, 256), (2, 128), (6, 42), (65, 3), (108, 2), (256, 1)])
def test_address_interval_is_256_over_chips(chips, interval):
    """ESP-Miner: address_interval = 256 / chip_count (integer division)."""
    assert ChipLayout("BM1370", 1, chips, 128, 2040).address_interval == interval


def test_small_cores_per_big_core_rounds_to_the_published_ratio():
    """BM1397 672/168 = 4, BM1366 894/112 ≈ 8, BM1368 1276/80 ≈ 16, BM1370 2040/128 ≈ 16."""
    ratios = [ChipLayout("x", 1, 1, big, small).small_cores_per_core
              for big, small in ((168, 672), (112, 894), (80, 1276), (128, 2040))]
    assert ratios == [4, 8, 16, 16]


def test_worked_attribution_example():
    """Nonce 0x0A060000: bits 25-31 = 5 (core), bits 17-24 = 3 (address) -> S21 chip 3 // 2 = 1."""
    where = S21.attribute(0x0A060000)
    assert (where.chip, where.core, where.address) == (1, 5, 3)
    assert S21.core_range(1, 5) == (0x0A040000, 2 << 17)


@given(st.integers(0, 107), st.integers(0, 79), st.integers(0, (2 << 17) - 1))
def test_every_nonce_of_a_core_range_decodes_to_its_chip_and_core(chip, core, offset):
    start, span = S21.core_range(chip, core)
    where = S21.attribute(start + offset)
    assert (where.chip, where.core) == (chip, core)


@given(st.integers(0, 2**32 - 1))
def test_nonces_decode_to_owned_ranges_or_nobody(nonce):
    where = S21.attribute(nonce)
    owner_exists = ((nonce >> 17) & 0xFF) < 216 and (nonce >> 25) < 80
    assert (where is not None) == owner_exists
    if where is not None:
        start, span = S21.core_range(where.chip, where.core)
        assert start <= nonce < start + span


def test_a_cores_ranges_across_one_chain_are_contiguous():
    ends = [sum(S21.core_range(c, 9)) for c in range(107)]
    starts = [S21.core_range(c, 9)[0] for c in range(1, 108)]
    assert ends == starts and S21.chain_core_span_nonces == 108 * (2 << 17)


def test_bad_layouts_raise_typed_errors():
    with pytest.raises(LayoutError, match="8 nonce bits"):
        ChipLayout("x", 1, 257, 128, 2040)
    with pytest.raises(LayoutError, match="chains"):
        ChipLayout("x", 0, 1, 128, 2040)
    with pytest.raises(LayoutError, match="chip must be"):
        S21.core_range(108, 0)
    with pytest.raises(LayoutError, match="core must be"):
        S21.core_range(0, -1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"chains": "3"}, "chains must be an integer, got '3'"),
        ({"chips_per_chain": 1.5}, "chips_per_chain must be an integer"),
        ({"big_cores": True}, "big_cores must be an integer"),
        ({"small_cores": 0}, "small_cores must be >= 1"),
        ({"ticket_difficulty": float("nan")}, "ticket_difficulty must be finite"),
        ({"ticket_difficulty": float("inf")}, "ticket_difficulty must be finite"),
        ({"ticket_difficulty": 0}, "ticket_difficulty must be > 0"),
        ({"ticket_difficulty": "256"}, "ticket_difficulty must be a number"),
    ],
)
def test_bad_layout_fields(kwargs, message):
    args = {"chip_name": "BM1368", "chains": 3, "chips_per_chain": 108, "big_cores": 80, "small_cores": 1276,
            **kwargs}
    with pytest.raises(LayoutError, match=message):
        ChipLayout(**args)


def test_layout_counts_are_stored_as_ints():
    layout = ChipLayout("BM1368", 3.0, 108, 80, 1276, ticket_difficulty=256)
    assert layout == S21 and isinstance(layout.chains, int) and isinstance(layout.ticket_difficulty, float)


def test_machine_layout_from_the_catalog():
    machine = resolve_machine("S21 Pro")
    assert (machine.layout.chip_name, machine.layout.chains, machine.layout.chips_per_chain) == ("BM1370", 3, 65)
    assert machine.chip_hashrate_hs == pytest.approx(machine.state.clock_mhz * 1e6 * 2040)
    # 3 boards × 65 chips × 2040 small cores at the implied clock reproduce the 234 TH/s nameplate
    assert machine.state.hashrate_ths == pytest.approx(234.0, rel=0.05)


# ------------------------------------------------------------------ shares


def test_every_share_verifies_with_hashlib_from_the_job(s21_run):
    """Rebuild each share's header from (job, extranonce2, ntime, version_bits, nonce) like a pool would."""
    job = synthetic_job(7)
    assert s21_run.shares, "difficulty 2^-24 over 32768 hashes must give shares"
    for share in s21_run.shares:
        submitted = job.check_submit(share.extranonce2, share.ntime, share.nonce, share.version_bits)
        assert submitted.header.version == share.version
        assert submitted.hash_hex == share.hash_hex
        assert submitted.difficulty >= s21_run.difficulty
        assert submitted.difficulty == pytest.approx(share.difficulty, rel=1e-12)


def test_shares_are_attributed_by_nonce_bits(s21_run):
    versions = s21_run.versions_per_core
    for share in s21_run.shares:
        assert share.chip_on_chain == ((share.nonce >> 17) & 0xFF) // 2
        assert share.core == share.nonce >> 25 and share.core < 80
        assert share.chip == share.chain * 108 + share.chip_on_chain
        assert 0 <= share.small_core < versions
    assert sum(s21_run.shares_per_chip) == s21_run.shares_found
    assert sum(s21_run.hashes_per_chip) == s21_run.hashes == 1 << 15
    for chip, n in enumerate(s21_run.shares_per_chip):
        assert n == sum(1 for s in s21_run.shares if s.chip == chip)
        if n:
            assert s21_run.hashes_per_chip[chip] > 0


def test_seeded_poisson_check(s21_run):
    """Fixed seed 7, 32768 hashes at D = 2^-24: P(hit) = (0xFFFF·2^232 + 1) / 2^256 ≈ 1/256.0039,
    so 127.998 shares are expected.  The count is deterministic (same for every correct backend);
    tolerance: within 4 σ (√128 ≈ 11.3) and a two-sided p-value above 10^-4."""
    assert s21_run.expected_shares == pytest.approx(32768 * (0xFFFF / 0x10000) / 256, rel=1e-9)
    assert abs(s21_run.shares_found - s21_run.expected_shares) <= 4 * math.sqrt(s21_run.expected_shares)
    assert s21_run.p_value > 1e-4
    assert s21_run.share_test == poisson_test(s21_run.shares_found, s21_run.expected_shares)


def test_poisson_across_seeds_is_consistent():
    """10 seeds × 16384 hashes: the total over ~640 expected shares stays within 4 σ."""
    found = expected = 0
    for seed in range(10):
        r = _run(hashes=1 << 14, seed=seed, model="S21 Pro")
        found += r.shares_found
        expected += r.expected_shares
    assert abs(found - expected) <= 4 * math.sqrt(expected)


def test_same_seed_same_shares_other_seed_other_shares(s21_run):
    again = _run()
    assert again.shares == s21_run.shares
    assert again.shares_per_chip == s21_run.shares_per_chip
    other = _run(seed=8)
    assert {(s.nonce, s.version) for s in other.shares} != {(s.nonce, s.version) for s in s21_run.shares}


@pytest.mark.parametrize("backend", available())
def test_every_backend_finds_the_same_shares(backend, s21_run):
    """The real kernel (whatever is built here) finds exactly the reference backend's shares."""
    r = _run(backend=backend)
    assert r.backend == backend
    assert [(s.nonce, s.version, s.extranonce2) for s in r.shares] == [
        (s.nonce, s.version, s.extranonce2) for s in s21_run.shares
    ]


def _fake_ticket_machine(monkeypatch, ticket_difficulty):
    real = engine_module.resolve_machine

    def patched(*args, **kwargs):
        m = real(*args, **kwargs)
        return dataclasses.replace(m, layout=dataclasses.replace(m.layout, ticket_difficulty=ticket_difficulty))

    monkeypatch.setattr(engine_module, "resolve_machine", patched)


def test_tickets_are_the_chip_filter_and_shares_the_controller_filter():
    """Ticket 2^-22: with the pool at 2^-24 every share is a ticket (the chip reports nothing easier: shares
    = tickets); with the pool at 2^-20 the shares are the tickets of difficulty >= 2^-20."""
    low = _run(difficulty=2.0**-24, ticket_difficulty=2.0**-22)
    assert not low.ticket_scaled and low.ticket_difficulty == 2.0**-22
    assert low.shares_found == low.tickets_found > 0
    assert all(s.is_ticket and s.difficulty >= 2.0**-22 for s in low.shares)
    assert low.tickets_found == sum(low.tickets_per_chip) == sum(n for _, _, n in low.tickets_per_core)
    assert low.ticket_test.expected == pytest.approx(low.hashes * hit_probability(2.0**-22))
    assert low.share_test.expected == pytest.approx(low.hashes * hit_probability(2.0**-22))  # max(pool, ticket)
    high = _run(difficulty=2.0**-20, ticket_difficulty=2.0**-22)
    assert all(s.is_ticket for s in high.shares)
    assert {s.nonce for s in high.shares} == {s.nonce for s in low.shares if s.difficulty >= 2.0**-20}
    assert high.tickets_found == low.tickets_found


def test_no_share_is_ever_below_the_ticket_difficulty():
    """The issue's S21 Pro run reported 385 shares and 0 tickets (and at 44 °C 261 of 261 shares below the
    ticket): shares were searched at the easier of the two difficulties.  Now a share is always a ticket."""
    for pool, ticket in [(2.0**-24, 2.0**-21), (2.0**-21, 2.0**-24), (2.0**-23, 2.0**-23)]:
        for kw in ({}, {"ambient_c": 44.0}):
            r = _run(model="S21 Pro", hashes=1 << 14, difficulty=pool, ticket_difficulty=ticket, **kw)
            assert r.shares, (pool, ticket, kw)
            assert all(s.is_ticket and s.difficulty >= ticket and s.difficulty >= pool for s in r.shares)
            assert r.tickets_found >= r.shares_found
            assert r.share_test.expected == pytest.approx(r.hashes * hit_probability(max(pool, ticket)))


def test_the_chip_ticket_of_256_filters_cpu_scale_shares():
    """With the real ticket (256) given explicitly a CPU-scale run finds no share: a BM13xx chip cannot report
    a share at difficulty 2^-24, and the expected count says so."""
    r = _run(ticket_difficulty=256)
    assert r.ticket_difficulty == 256 and not r.ticket_scaled
    assert r.shares == () and r.tickets_found == 0
    assert r.expected_shares == pytest.approx(r.hashes * hit_probability(256))


def test_chip_ticket_scales_with_a_cpu_scale_pool_difficulty(monkeypatch, s21_run):
    """No ticket given and the pool below the chip's 256: the ticket is scaled to D / CPU_TICKET_RATIO (16),
    so tickets outnumber shares ~16 to 1 as a real chip's do; at or above the chip ticket it is the chip's."""
    assert s21_run.chip_ticket_difficulty == 256 and s21_run.ticket_scaled
    assert s21_run.ticket_difficulty == D_CPU / engine_module.CPU_TICKET_RATIO
    assert s21_run.tickets_found > 8 * s21_run.shares_found
    assert abs(s21_run.tickets_found - s21_run.ticket_test.expected) <= 4 * math.sqrt(s21_run.ticket_test.expected)
    _fake_ticket_machine(monkeypatch, 2.0**-22)  # a chip family whose ticket is 2^-22
    above = _run(difficulty=2.0**-20)
    assert above.ticket_difficulty == 2.0**-22 and not above.ticket_scaled
    below = _run(difficulty=2.0**-24)
    assert below.ticket_scaled and below.ticket_difficulty == 2.0**-28


def test_cli_ticket_difficulty(capsys):
    from minecore.cli.main import main

    base = ["emulate", "S21", "--hashes", "8192", "--difficulty", str(D_CPU), "--seed", "7", "--backend", "hashlib",
            "--threads", "1", "--json"]
    assert main([*base, "--ticket-difficulty", "256"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ticket_difficulty"] == 256 and out["shares_found"] == 0 and not out["ticket_scaled"]
    assert main(base) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ticket_scaled"] and out["chip_ticket_difficulty"] == 256 and out["shares_found"] > 0
    assert all(s["ticket"] for s in out["shares"])
    assert main([*base, "--ticket-difficulty", "0"]) == 2


def test_real_ticket_difficulty_is_256_and_expected_tickets_are_tiny():
    r = _run(ticket_difficulty=256.0)
    assert r.ticket_difficulty == 256
    assert r.ticket_test.expected == pytest.approx(32768 / (256 * 2**32) * (0xFFFF / 0x10000), rel=1e-6)


def test_stratum_job_from_the_vectors_is_emulated():
    """The captured Bitaxe job: shares carry its job id and verify through check_submit."""
    data = json.loads((Path(__file__).parent / "data" / "stratum_jobs.json").read_text())
    ex = next(e for e in data["examples"] if "mining_notify" in e)
    job = StratumJob.from_notify(ex["mining_notify"], ex["extranonce1"], ex["extranonce2_size"])
    r = emulate("S21 XP", hashes=1 << 13, difficulty=D_CPU, job=job, seed=3, backend="hashlib", threads=1)
    assert r.job_id == "875b4b7" and r.shares
    for s in r.shares:
        assert job.check_submit(s.extranonce2, s.ntime, s.nonce, s.version_bits).difficulty >= D_CPU


@pytest.mark.parametrize("mask, versions", [(0, 1), (0x6000, 4), (0x1FFFE000, 16)])
def test_version_mask_limits_the_small_cores_rolled(mask, versions):
    """A pool granting only 2 rollable bits (0x6000) leaves 4 versions per big core; none leaves 1."""
    job = dataclasses.replace(synthetic_job(2), version_mask=mask)
    r = emulate("S21", hashes=1 << 13, difficulty=D_CPU, job=job, backend="hashlib", threads=1)
    assert r.versions_per_core == versions and r.shares
    for s in r.shares:
        assert s.version & ~mask == job.version and 0 <= s.small_core < versions
        assert job.check_submit(s.extranonce2, s.ntime, s.nonce, s.version_bits).difficulty >= D_CPU


# ------------------------------------------------------------------ scale and state


def test_asic_time_scale_factor_and_share_hashrate(s21_run):
    state = s21_run.state
    assert s21_run.asic_seconds == pytest.approx(s21_run.hashes / (state.hashrate_ths * 1e12))
    assert s21_run.chip_hashrate_hs == pytest.approx(state.clock_mhz * 1e6 * 1276)
    assert s21_run.scale_factor == pytest.approx(s21_run.chip_hashrate_hs / s21_run.cpu_hashrate_hs)
    assert "of one BM1368 at 490 MHz" in s21_run.scale_text  # the S21 clock measured in its test (2024-03-11)
    # a pool estimating hashrate from the shares sees the emulated machine
    assert s21_run.share_hashrate_ths == pytest.approx(
        state.hashrate_ths * s21_run.shares_found / s21_run.expected_shares * (0xFFFF / 0x10000), rel=1e-9
    )


def test_time_budget_and_progress():
    ticks = []
    r = emulate("S21", seconds=0.2, difficulty=D_CPU, backend="hashlib", threads=1, progress=ticks.append)
    assert r.hashes > 0 and r.hash_seconds <= r.wall_seconds
    assert sum(ticks) <= 200 and all(t > 0 for t in ticks)
    assert all(share.difficulty >= D_CPU for share in r.shares)


def test_auto_difficulty_is_a_power_of_two_aiming_at_200_shares():
    r = _run(difficulty=None, hashes=1 << 14)
    assert math.log2(r.difficulty) == int(math.log2(r.difficulty))
    assert 100 <= r.expected_shares <= 400


def test_failed_board_and_heat():
    r = _run(failed_boards=1, hashes=1 << 12)
    assert r.layout.chains == 2 and len(r.hashes_per_chip) == 216
    assert r.emulated_hashrate_ths == pytest.approx(_run(hashes=1 << 12).emulated_hashrate_ths * 2 / 3)
    hot = _run(ambient_c=44.0, hashes=1 << 12)
    assert hot.state.throttled and hot.state.clock_mhz < 484
    off = _run(ambient_c=50.0)
    assert off.shutdown and off.hashes == 0 and off.shares == () and off.emulated_hashrate_ths == 0


def test_json_ready_dict(s21_run):
    out = json.loads(json.dumps(s21_run.to_dict(), allow_nan=False, default=str))
    assert out["shares_found"] == len(out["shares"]) == s21_run.shares_found
    assert out["model"] == "Antminer S21"


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"seconds": 0}, EmulatorError, "seconds"),
        ({"seconds": float("nan")}, EmulatorError, "seconds must be finite"),
        ({"seconds": float("inf")}, EmulatorError, "seconds must be finite"),
        ({"seconds": -float("inf")}, EmulatorError, "seconds must be finite"),
        ({"seconds": "1.0"}, EmulatorError, "seconds must be a number, got '1.0'"),
        ({"seconds": 86400.5}, EmulatorError, "seconds must be <= 86400"),
        ({"seconds": True}, EmulatorError, "seconds must be a number"),
        ({"hashes": "1024"}, EmulatorError, "hashes must be an integer, got '1024'"),
        ({"hashes": 1024.5}, EmulatorError, "hashes must be an integer"),
        ({"hashes": 1024, "difficulty": float("nan")}, EmulatorError, "difficulty must be finite"),
        ({"hashes": 1024, "difficulty": float("inf")}, EmulatorError, "difficulty must be finite"),
        ({"hashes": 1024, "difficulty": "0.001"}, EmulatorError, "difficulty must be a number"),
        ({"hashes": 1024, "ambient_c": float("nan")}, EmulatorError, "ambient_c must be finite"),
        ({"hashes": 1024, "ticket_difficulty": 0}, EmulatorError, "ticket_difficulty must be > 0"),
        ({"hashes": 1024, "ticket_difficulty": float("nan")}, EmulatorError, "ticket_difficulty must be finite"),
        ({"hashes": 1024, "ambient_c": -float("inf")}, EmulatorError, "ambient_c must be finite"),
        ({"hashes": 1024, "ambient_c": "25"}, EmulatorError, "ambient_c must be a number"),
        ({"hashes": 1024, "seed": 2**64}, EmulatorError, "seed"),
        ({"hashes": 1024, "seed": 1.5}, EmulatorError, "seed"),
        ({"hashes": 1024, "window_nonces": "256"}, EmulatorError, "window_nonces"),
        ({"hashes": 1024, "clock_mhz": float("nan")}, InvalidInputError, "clock_mhz must be finite"),
        ({"hashes": 1024, "clock_mhz": "500"}, InvalidInputError, "clock_mhz must be a number"),
        ({"hashes": 1024, "failed_boards": "1"}, InvalidInputError, "failed_boards"),
        ({"hashes": 1024, "failed_boards": 0.5}, InvalidInputError, "failed_boards"),
        ({"hashes": 0}, EmulatorError, "hashes"),
        ({"hashes": 1024, "difficulty": -1.0}, EmulatorError, "difficulty"),
        ({"hashes": 1024, "seed": "x"}, EmulatorError, "seed"),
        ({"hashes": 1024, "job": "875b4b7"}, EmulatorError, "StratumJob"),
        ({"hashes": 1024, "window_nonces": 0}, EmulatorError, "window_nonces"),
        ({"hashes": 1024, "profile": "ludicrous"}, InvalidInputError, "profile"),
        ({"hashes": 1024, "clock_mhz": 5000}, InvalidInputError, "clock"),
        ({"hashes": 1024, "failed_boards": 4}, InvalidInputError, "failed_boards"),
        ({"hashes": 1024, "backend": "gpu"}, InvalidInputError, "backend"),
    ],
)
def test_bad_arguments_raise_typed_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        emulate("S21", **{"backend": "hashlib", **kwargs})


def test_integral_floats_count_as_integers_and_negative_seeds_still_work():
    a = _run(hashes=4096.0, seed=-3, window_nonces=512.0, failed_boards=1.0)
    b = _run(hashes=4096, seed=-3, window_nonces=512, failed_boards=1)
    assert (a.hashes, a.seed, a.window_nonces, a.state.failed_boards) == (4096, -3, 512, 1)
    assert [(s.version, s.nonce) for s in a.shares] == [(s.version, s.nonce) for s in b.shares]
    assert isinstance(a.seed, int) and isinstance(a.state.failed_boards, int)


def test_model_of_the_wrong_type_is_a_typed_error():
    with pytest.raises(EmulatorError, match="model must be a catalog name or MinerModel"):
        emulate(21, hashes=1024, backend="hashlib")


def test_unknown_model_and_model_without_a_nameplate():
    with pytest.raises(UnknownModelError):
        emulate("S99 Ultra", hashes=1024)
    with pytest.raises(MinecoreError, match="no twin: nameplate hashrate_ths and power_w not in the sources"):
        emulate("Proto Rig", hashes=1024, backend="hashlib")


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("Whatsminer M60S", ["its chip is unknown", "set chip, chips_per_board and boards", "--catalog"]),
        ("Antminer S9", ["its BM1387", "cannot add a chip"]),
        ("Antminer S21 XP Hyd", ["chips_per_board and boards of its BM1370 are not in the sources", "--catalog"]),
    ],
)
def test_models_without_chip_data_emulate_on_a_nameplate_twin(name, says):
    """Every model with a nameplate can be emulated (issue 13); without chip data it runs on a stand-in die at its
    nameplate hashrate, and says why."""
    from minecore.hardware import get_model, twin_for

    r = emulate(name, hashes=1 << 12, backend="hashlib", threads=1, difficulty=D_CPU)
    assert r.state.twin == "nameplate" and r.emulated_hashrate_ths == pytest.approx(get_model(name).hashrate_ths)
    note = twin_for(get_model(name)).notes[0]
    assert all(s in note for s in says), note


def test_machine_chip_spread_dead_chips_and_host_midstates():
    base = resolve_machine("S21")
    spread = resolve_machine("S21", chip_clock_spread=0.02, dead_chips=3, seed=4)
    again = resolve_machine("S21", chip_clock_spread=0.02, dead_chips=3, seed=4)
    other = resolve_machine("S21", chip_clock_spread=0.02, dead_chips=3, seed=5)
    assert spread.chip_clocks_mhz == again.chip_clocks_mhz and spread.dead_chip_indices == again.dead_chip_indices
    assert spread.dead_chip_indices != other.dead_chip_indices
    assert len(spread.chip_clocks_mhz) == 324 and len(spread.dead_chip_indices) == 3
    assert spread.state.dead_chips == 3 and spread.state.power_w == base.state.power_w  # slow chips draw the same
    rates = spread.chip_hashrates_hs()
    assert sum(1 for x in rates if x == 0) == 3
    assert spread.state.hashrate_ths == pytest.approx(sum(rates) / 1e12)
    assert (resolve_machine("S17 Pro").version_rolling, resolve_machine("S17 Pro").host_midstates) == ("host_midstates", 4)
    assert resolve_machine("S21").host_midstates == 0
    hot = resolve_machine("S21 Hyd", ambient_c=39)
    assert hot.state.throttled and not resolve_machine("S21", ambient_c=39).state.throttled
    eco = resolve_machine("M60S", profile="3000W")
    assert eco.twin == "nameplate" and eco.state.power_w == pytest.approx(3000, rel=1e-6)
    with pytest.raises(EmulatorError, match="dead_chips"):
        resolve_machine("S21", dead_chips=10_000)


def test_cli_emulate_with_user_catalog(capsys, tmp_path):
    """A user model on a modelled chip (fictional: 2 boards x 10 BM1368, 2 x 10 x 1276 x 490 MHz = 12.5 TH/s)."""
    from minecore.cli.main import main

    cat = tmp_path / "rig.toml"
    cat.write_text('[[models]]\nname = "Rig 1"\nmaker = "ACME"\nhashrate_ths = 12.5\npower_w = 250\n'
                   'chip = "BM1368"\nchips_per_board = 10\nboards = 2\n')
    assert main(["emulate", "rig 1", "--catalog", str(cat), "--hashes", "4096", "--backend", "hashlib",
                 "--threads", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "Rig 1" and out["chips_per_chain"] == 10 and out["chains"] == 2
    assert out["hashes"] == 4096 and out["emulated_hashrate_ths"] == pytest.approx(12.5)


# ------------------------------------------------------------------ statistics


def test_poisson_p_values_match_scipy():
    stats = pytest.importorskip("scipy.stats")
    for mean in (0.01, 0.7, 3.0, 12.5, 128.0, 1e4, 1e6):
        for k in {0, 1, int(mean), int(mean + 3 * math.sqrt(mean)) + 1, max(0, int(mean - 3 * math.sqrt(mean)))}:
            ref = min(1.0, 2 * min(stats.poisson.cdf(k, mean), stats.poisson.sf(k - 1, mean)))
            assert poisson_test(k, mean).p_value == pytest.approx(ref, rel=1e-5, abs=1e-300)
            assert poisson_cdf(k, mean) == pytest.approx(stats.poisson.cdf(k, mean), rel=1e-6, abs=1e-300)
            assert poisson_sf(k, mean) == pytest.approx(stats.poisson.sf(k - 1, mean), rel=1e-6, abs=1e-300)


@pytest.mark.parametrize(
    "observed, expected, message",
    [(-1, 1.0, "observed"), ("3", 1.0, "observed"), (1.5, 1.0, "observed"), (True, 1.0, "observed"),
     (1, float("nan"), "expected must be finite"), (1, float("inf"), "expected must be finite"),
     (1, -1.0, "expected must be >= 0"), (1, "2.0", "expected must be a number")],
)
def test_poisson_test_bad_input_is_typed(observed, expected, message):
    with pytest.raises(EmulatorError, match=message) as info:
        poisson_test(observed, expected)
    assert isinstance(info.value, ValueError)  # what it raised before


def test_poisson_worked_examples():
    assert poisson_test(0, 5.0).p_value == pytest.approx(2 * math.exp(-5))
    assert poisson_test(0, 0.0).p_value == 1.0 and poisson_test(3, 0.0).p_value == 0.0
    assert hit_probability(1.0) == pytest.approx((DIFF1_TARGET + 1) / 2**256)


# ------------------------------------------------------------------ synthetic jobs


def test_synthetic_job_has_real_coinbase_structure():
    job = synthetic_job(11)
    cb = job.coinbase(bytes(4))
    assert cb[:4] == (2).to_bytes(4, "little") and cb[4] == 1 and cb[5:37] == bytes(32)
    script_len = cb[41]
    script = cb[42 : 42 + script_len]
    assert script[0] == 3  # BIP 34 height push
    assert job.extranonce1 + bytes(4) == script[-8:]
    assert cb.endswith(bytes(4)) and len(job.merkle_branches) == 12
    assert job.prev_block.endswith(bytes(8))  # displayed hash starts with zeros
    assert rolled_version(job.version, job.version_mask, 0) == job.version


# ------------------------------------------------------------------ fleet mode


def test_fleet_expected_counts_worked_example():
    """10 × 200 TH/s for a day at D=65536: 10·200e12·86400·P(hit) ≈ 613,900 shares;
    at network difficulty 101.65 T: ≈ 0.000396 blocks/day."""
    sim = simulate_fleet([FleetMember("s21", "S21", 10, 200.0)], days=30, network_difficulty=101.65e12, seed=3)
    assert sim.expected_shares_per_day[0] == pytest.approx(10 * 200e12 * 86400 * hit_probability(65536))
    assert sim.expected_shares_per_day[0] == pytest.approx(613_899.56, rel=1e-6)
    assert sim.expected_blocks_per_day[0] == pytest.approx(10 * 200e12 * 86400 / (101.65e12 * 2**32), rel=1e-4)
    assert sim.share_test.p_value > 1e-4  # seed 3: drawn totals consistent with the means
    assert sim.estimated_hashrate_ths_per_day.mean() == pytest.approx(2000.0, rel=1e-3)


def test_fleet_is_seeded_and_uses_the_catalog():
    a = simulate_fleet({"S21": 100, "S21 Pro": 50}, days=10, network_difficulty=[120e12] * 10, seed=5)
    b = simulate_fleet({"S21": 100, "S21 Pro": 50}, days=10, network_difficulty=120e12, seed=5)
    c = simulate_fleet({"S21": 100, "S21 Pro": 50}, days=10, network_difficulty=120e12, seed=6)
    assert (a.shares == b.shares).all() and (a.blocks == b.blocks).all()
    assert not (a.shares == c.shares).all()
    assert a.hashrate_ths == pytest.approx(100 * 200 + 50 * 234, rel=0.05)
    assert a.shares.shape == (2, 10)
    # a model without chip data falls back to its nameplate
    n = simulate_fleet({"Whatsminer M60S": 1}, days=1, network_difficulty=1e14, seed=0)
    assert n.members[0].hashrate_ths > 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"days": 0}, "days"),
        ({"seed": -1}, "seed"),
        ({"uptime": 1.5}, "uptime"),
        ({"network_difficulty": -1.0}, "network_difficulty"),
        ({"share_difficulty": 0}, "difficulty"),
        ({"fleet": {}}, "empty"),
        ({"fleet": [("S21", -2)]}, "units"),
        ({"fleet": [("S21", "2")]}, "units must be an integer, got '2'"),
        ({"fleet": {21: 1}}, "catalog name or MinerModel"),
        ({"days": "2"}, "days must be an integer"),
        ({"seed": 2**64}, "seed"),
        ({"seed": "1"}, "seed"),
        ({"uptime": float("nan")}, "uptime must be finite"),
        ({"uptime": "0.9"}, "uptime must be a number"),
        ({"share_difficulty": float("inf")}, "share_difficulty must be finite"),
        ({"share_difficulty": "65536"}, "share_difficulty must be a number"),
        ({"network_difficulty": float("nan")}, "network_difficulty must be finite"),
        ({"network_difficulty": "1e14"}, "network_difficulty must be a number, got '1e14'"),
        ({"network_difficulty": [1e14, float("inf")]}, r"network_difficulty\[1\] must be finite"),
        ({"network_difficulty": ["1e14", "1e14"]}, r"network_difficulty\[0\] must be a number"),
        ({"network_difficulty": [1e14, 1e14, 1e14]}, "one per day"),
        ({"network_difficulty": None}, "network_difficulty"),
        ({"ambient_c": float("nan")}, "ambient_c must be finite"),
        ({"clock_mhz": float("inf")}, "clock_mhz must be finite"),
        ({"failed_boards": -1}, "failed_boards must be >= 0"),
    ],
)
def test_fleet_bad_input(kwargs, message):
    args = {"fleet": {"S21": 1}, "days": 2, "network_difficulty": 1e14, "seed": 0, **kwargs}
    with pytest.raises(EmulatorError, match=message):
        simulate_fleet(args.pop("fleet"), args.pop("days"), **args)


# ------------------------------------------------------------------ CLI


def test_fleet_nan_ambient_is_rejected_even_for_a_nameplate_model():
    """A model without chip data falls back to its nameplate: the operating point must still be checked."""
    with pytest.raises(EmulatorError, match="ambient_c must be finite"):
        simulate_fleet({"Whatsminer M60S": 1}, days=1, network_difficulty=1e14, ambient_c=float("nan"))


def test_fleet_network_difficulty_forms():
    a = simulate_fleet({"S21": 1}, days=2, network_difficulty=1e14, seed=0)
    for same in ([1e14], [1e14, 1e14], (1e14, 1e14), __import__("numpy").array(1e14), 100_000_000_000_000):
        b = simulate_fleet({"S21": 1}, days=2, network_difficulty=same, seed=0)
        assert b.network_difficulty.tolist() == [1e14, 1e14] and b.shares.tolist() == a.shares.tolist()


@pytest.mark.parametrize(
    "kwargs, message",
    [({"units": -1}, "X: units must be >= 0"), ({"units": "3"}, "X: units must be an integer"),
     ({"hashrate_ths": float("nan")}, "X: hashrate_ths must be finite"),
     ({"hashrate_ths": float("inf")}, "X: hashrate_ths must be finite"),
     ({"hashrate_ths": "200"}, "X: hashrate_ths must be a number"),
     ({"power_w": float("nan")}, "X: power_w must be finite"), ({"power_w": -1.0}, "X: power_w must be >= 0")],
)
def test_fleet_member_bad_figures(kwargs, message):
    with pytest.raises(EmulatorError, match=message):
        FleetMember("x", "X", **{"units": 1, "hashrate_ths": 200.0, **kwargs})


def test_cli_emulate_json(capsys, tmp_path):
    from minecore.cli.main import main

    args = ["emulate", "S21", "--hashes", "8192", "--difficulty", str(D_CPU), "--seed", "7",
            "--backend", "hashlib", "--threads", "1", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    direct = _run(hashes=8192)
    assert out["shares_found"] == direct.shares_found and out["hashes"] == 8192
    assert [s["nonce"] for s in out["shares"]] == [f"{s.nonce:08x}" for s in direct.shares]


def test_cli_emulate_table_and_job_file(capsys, tmp_path):
    from minecore.cli.main import main

    data = json.loads((Path(__file__).parent / "data" / "stratum_jobs.json").read_text())
    job_file = tmp_path / "job.json"
    job_file.write_text(json.dumps(next(e for e in data["examples"] if "mining_notify" in e)))
    assert main(["emulate", "s21pro", "--hashes", "4096", "--backend", "hashlib", "--threads", "1",
                 "--job", str(job_file)]) == 0
    out = capsys.readouterr().out
    assert "Antminer S21 Pro" in out and "875b4b7" in out and "BM1370" in out


@pytest.mark.parametrize(
    "args",
    [
        ["S99 Ultra"],
        ["S21", "--seconds", "-1"],
        ["S21", "--seconds", "abc"],
        ["S21", "--hashes", "-5"],
        ["S21", "--clock", "5000"],
        ["S21", "--profile", "ludicrous"],
        ["S21", "--profile", "eco", "--clock", "450"],
        ["S21", "--ambient", "warm"],
        ["S21", "--failed-boards", "9"],
        ["S21", "--backend", "gpu"],
        ["S21", "--difficulty", "0"],
        ["S21", "--difficulty", "nan"],
        ["S21", "--seconds", "nan"],
        ["S21", "--seconds", "inf"],
        ["S21", "--seconds", "1e999"],
        ["S21", "--seconds", "100000"],
        ["S21", "--ambient", "nan"],
        ["S21", "--ambient", "-inf"],
        ["S21", "--clock", "nan"],
        ["S21", "--job", "/nonexistent/job.json"],
        ["Proto Rig"],
    ],
)
def test_cli_bad_input_exits_2_with_one_line(args, capsys):
    from minecore.cli.main import main

    assert main(["emulate", *args, "--backend", "hashlib"] if "--backend" not in args else ["emulate", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err and len(err.splitlines()) == 1
