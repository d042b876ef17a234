"""Stratum v1 pieces without a network: framing, URLs, txids without witness, templates, jobs, vardiff,
hashrate intervals, the share log.  Every hash is hashlib's, on real data from tests/data."""

from __future__ import annotations

import doctest
import hashlib
import importlib
import json
import math
from pathlib import Path

import pytest

from minecore.errors import StratumError
from minecore.stratum import protocol as P
from minecore.stratum import StratumJob, coinbase_txid, is_segwit_serialised, strip_witness, txid
from minecore.stratum.sharelog import ShareLog, read_share_log
from minecore.stratum.stats import WorkerStats, estimate_hashrate, poisson_interval
from minecore.stratum.templates import BITAXE_JOB, BlockTemplate, JobBook
from minecore.stratum.vardiff import VarDiff

DATA = Path(__file__).parent / "data"
VECTORS = json.loads((DATA / "stratum_jobs.json").read_text())
BITAXE = next(e for e in VECTORS["examples"] if "mining_notify" in e)
SEGWIT = json.loads((DATA / "segwit_coinbase.json").read_text())


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


@pytest.mark.parametrize("module", ["work", "protocol", "templates", "stats", "vardiff", "__init__"])
def test_doctests(module):
    name = "minecore.stratum" if module == "__init__" else f"minecore.stratum.{module}"
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0


# ------------------------------------------------------------------ txid without witness (issue item 5)


def test_a_real_segwit_coinbase_is_hashed_without_its_witness():
    """Mainnet block 676,486: bitcoind reports txid f68394a5... and wtxid (hash) 2972ad73....  Hashing the
    segwit serialisation as it is gives the wtxid, not the txid; stripping marker, flag and witness gives
    the txid."""
    raw = bytes.fromhex(SEGWIT["coinbase_tx_hex"])
    assert is_segwit_serialised(raw)
    assert _sha256d(raw)[::-1].hex() == SEGWIT["wtxid_display"]  # the bug: what hashing it whole gives
    stripped = strip_witness(raw)
    assert len(stripped) == SEGWIT["size"] - 2 - 34  # marker, flag; one witness item of 32 bytes + 2 counts
    assert coinbase_txid(raw)[::-1].hex() == txid(SEGWIT["coinbase_tx_hex"])[::-1].hex() == SEGWIT["txid_display"]
    assert _sha256d(stripped)[::-1].hex() == SEGWIT["txid_display"]


def test_a_job_built_from_a_segwit_coinbase_uses_the_txid():
    """Split the block's coinbase around 8 bytes of its scriptSig as a pool would, keep the witness in
    coinbase2: the job's coinbase_txid (and merkle root with no branch) is the block's txid."""
    raw = bytes.fromhex(SEGWIT["coinbase_tx_hex"])
    cut = raw.index(bytes.fromhex("0386520a")) + 4 + 4  # after the height push and 4 bytes of tag
    job = StratumJob("j", bytes(32), raw[:cut], raw[cut + 8:], [], 0x20000000, 0x1d00ffff, 0, False,
                     extranonce1=raw[cut:cut + 4], extranonce2_size=4)
    e2 = raw[cut + 4:cut + 8]
    assert job.coinbase(e2) == raw
    assert job.coinbase_txid(e2)[::-1].hex() == SEGWIT["txid_display"]
    assert job.merkle_root(e2)[::-1].hex() == SEGWIT["txid_display"]


def test_a_pool_coinbase_is_already_non_witness():
    """The captured Bitaxe coinbase (coinb1 ‖ en1 ‖ en2 ‖ coinb2) has no marker: hashed as it is."""
    raw = bytes.fromhex(BITAXE["coinbase_tx_hex"])
    assert not is_segwit_serialised(raw) and strip_witness(raw) == raw
    assert coinbase_txid(raw)[::-1].hex() == BITAXE["coinbase_txid_display"]


@pytest.mark.parametrize("cut", [7, 40, 120, 190])
def test_a_truncated_segwit_transaction_is_an_error(cut):
    raw = bytes.fromhex(SEGWIT["coinbase_tx_hex"])
    with pytest.raises(StratumError, match="transaction|segwit"):
        strip_witness(raw[:cut])


# ------------------------------------------------------------------ framing and URLs


def test_encode_decode_round_trip_and_shapes():
    msg = P.request(7, "mining.submit", ["w", "j", "00000000", "685468d7", "7552034c", "00b44000"])
    line = P.encode(msg)
    assert line.endswith(b"\n") and line.count(b"\n") == 1 and P.decode(line) == msg
    assert P.notification("mining.notify", [])["id"] is None
    assert P.response(3, True) == {"id": 3, "result": True, "error": None}
    assert P.error(P.ErrorCode.DUPLICATE) == [22, "Duplicate share", None]
    assert [c.value for c in P.ErrorCode] == [20, 21, 22, 23, 24, 25]
    assert P.error_reason([23, "Low difficulty share", None]) == "low_difficulty"
    assert P.error_reason({"code": 21}) == "job_not_found"
    assert P.error_reason("nope") == "other" and P.error_reason([99, "x"]) == "code_99"


@pytest.mark.parametrize("line", [
    b"not json\n", b"[1,2,3]\n", b'"text"\n', b"\xff\xfe\n", b'{"a": NaN}\n', b'{"a": Infinity}\n',
    b"[" * 100_000 + b"\n", b"{}}\n", b"",
])
def test_decode_rejects_anything_but_a_json_object(line):
    with pytest.raises(StratumError):
        P.decode(line)


def test_encode_refuses_nan():
    with pytest.raises(StratumError):
        P.encode({"id": 1, "result": float("nan")})


@pytest.mark.parametrize("url, expected", [
    ("stratum+tcp://127.0.0.1:3333", ("127.0.0.1", 3333)),
    ("tcp://pool.example:1", ("pool.example", 1)),
    ("127.0.0.1:3333", ("127.0.0.1", 3333)),
    ("stratum+tcp://[::1]:3333/", ("::1", 3333)),
])
def test_parse_url(url, expected):
    assert P.parse_url(url) == expected


@pytest.mark.parametrize("url", ["stratum+ssl://h:1", "http://h:80", "h", "h:0", "h:70000", "", "stratum+tcp://:3",
                                 "stratum2+tcp://h:1"])
def test_bad_urls(url):
    with pytest.raises(StratumError):
        P.parse_url(url)


def test_bind_allows_port_zero():
    assert P.parse_bind("127.0.0.1:0") == ("127.0.0.1", 0)
    assert P.format_url("::1", 5) == "stratum+tcp://[::1]:5"


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), "1", True, None])
def test_difficulty_from_the_wire(value):
    with pytest.raises(StratumError):
        P.difficulty_value(value)


def test_fractional_difficulties_are_fine():
    assert P.difficulty_value(0.001) == 0.001 and P.difficulty_value(65536) == 65536.0


# ------------------------------------------------------------------ templates and jobs


def test_builtin_template_is_the_captured_job_and_reproduces_its_share():
    """The pool's built-in template, given the captured extranonce1, rebuilds the accepted Bitaxe share."""
    template = BlockTemplate.builtin()
    assert BITAXE_JOB["mining_notify"] == BITAXE["mining_notify"]
    assert template.extranonce_size == 8 and len(template.merkle_branches) == 12
    job = template.job("x", extranonce1=bytes.fromhex(BITAXE["extranonce1"]), version_mask=0x1FFFE000)
    sub = BITAXE["mining_submit"]["params"]
    share = job.check_submit(sub[2], sub[3], sub[4], sub[5])
    assert share.hash_hex == BITAXE["hash_display"]
    assert share.header.to_bytes().hex() == BITAXE["header_hex"]
    assert share.difficulty == pytest.approx(BITAXE["share_difficulty"])


def test_template_files(tmp_path):
    vectors = BlockTemplate.load(DATA / "stratum_jobs.json")
    assert vectors.coinbase1 == BlockTemplate.builtin().coinbase1
    job_file = tmp_path / "job.json"
    job_file.write_text(json.dumps(BITAXE_JOB))
    assert BlockTemplate.load(job_file).prev_block == vectors.prev_block
    for bad, message in [("{", "not JSON"), ("[]", "expected a job"), ('{"examples": []}', "no example")]:
        (tmp_path / "bad.json").write_text(bad)
        with pytest.raises(StratumError, match=message):
            BlockTemplate.load(tmp_path / "bad.json")
    with pytest.raises(StratumError, match="No such file"):
        BlockTemplate.load(tmp_path / "missing.json")


def test_job_book_refresh_new_block_and_staleness():
    t = [1000.0]
    book = JobBook(BlockTemplate.builtin(), seed=1, keep=3, clock=lambda: t[0])
    first = book.current
    assert first.job.ntime == 0x685468D7 and first.job.clean_jobs and book.extranonce2_size == 4
    t[0] += 42
    second = book.refresh()
    assert second.job.ntime == 0x685468D7 + 42 and not second.job.clean_jobs
    assert book.get(first.job_id) is not None  # still valid: clean_jobs was false
    third = book.new_block()
    assert third.job.clean_jobs and third.job.prev_block == _sha256d(first.job.prev_block)
    assert book.get(first.job_id) is None and book.is_stale(first.job_id) and book.is_stale(second.job_id)
    for _ in range(5):
        book.refresh()
    assert len(book) == 3 and book.is_stale(third.job_id)
    assert not book.is_stale("deadbeef")
    ids = {first.job_id, second.job_id, third.job_id}
    assert len(ids) == 3 and all(len(i) == 8 for i in ids)


def test_pool_job_for_a_session_fills_the_extranonce():
    book = JobBook(BlockTemplate.builtin(), seed=2)
    job = book.current.for_session(bytes.fromhex("4128064f"), 0x1FFFE000)
    assert job.extranonce2_size == 4 and job.coinbase(bytes.fromhex("17000000")).hex() == BITAXE["coinbase_tx_hex"]


# ------------------------------------------------------------------ vardiff and statistics


def test_vardiff_moves_toward_the_target_interval():
    v = VarDiff(target_seconds=10, retarget_seconds=30, minimum=1e-6, maximum=1e9)
    v.start(0.0)
    for i in range(30):  # 30 shares of difficulty 1 in 15 s: 2 per s, wants 20 (x4 limit: 4)
        v.record(1.0, now=0.5 * (i + 1))
    assert v.retarget(1.0, now=15.0) == 4.0
    v.record(4.0, now=20.0)
    assert v.retarget(4.0, now=46.0) is None or True  # within the deadband or a step; never raises
    w = VarDiff(target_seconds=10, retarget_seconds=30, minimum=0.5, maximum=1e9)
    w.start(0.0)
    assert w.retarget(1.0, now=30.0) is None  # quiet for one period: wait
    assert w.retarget(1.0, now=60.0) == 0.5  # quiet for two: halve, clamped at the minimum


#: Garwood bounds [chi2.ppf(0.025, 2n) / 2, chi2.ppf(0.975, 2n + 2) / 2], computed with scipy.stats
GARWOOD_95 = {0: (0.0, 3.6888794541139354), 1: (0.025317807984289876, 5.571643390938898),
              10: (4.7953886961324335, 18.39035604201778), 100: (81.36399125092314, 121.62679379242638),
              1000: (938.9730184076952, 1063.952136016302)}


@pytest.mark.parametrize("n", sorted(GARWOOD_95))
def test_poisson_interval_matches_the_exact_garwood_values(n):
    lo, hi = poisson_interval(n)
    assert lo == pytest.approx(GARWOOD_95[n][0], rel=1e-9, abs=1e-12)
    assert hi == pytest.approx(GARWOOD_95[n][1], rel=1e-9)


def test_hashrate_estimate_from_accepted_difficulty():
    est = estimate_hashrate(100, 100 * 65536.0, 600.0)
    assert est.hashrate_hs == pytest.approx(100 * 65536 * 2**32 / 600)
    assert est.low_hs < est.hashrate_hs < est.high_hs
    assert est.plus_minus_hs / est.hashrate_hs == pytest.approx(0.2, abs=0.03)  # ~1.96/sqrt(100)
    none = estimate_hashrate(0, 0.0, 10.0, difficulty_now=1.0)
    assert none.hashrate_hs == 0 and none.high_hs == pytest.approx(3.6889 * 2**32 / 10, rel=1e-3)


def test_worker_online_time_counts_only_connected_time():
    w = WorkerStats("rig", first_seen=0.0)
    w.attach(10.0)
    w.detach(20.0)
    w.attach(100.0)
    assert w.online_seconds(105.0) == pytest.approx(15.0)
    w.accept(1.0, 2.0, now=101.0)
    assert w.hashrate(105.0).hashrate_hs == pytest.approx(2**32 / 15.0)


# ------------------------------------------------------------------ share log


def test_share_log_lines_and_a_torn_last_line(tmp_path):
    path = tmp_path / "shares.jsonl"
    with ShareLog(path) as log:
        log.write({"worker": "a", "result": "accepted"})
        log.write({"worker": "b", "result": "rejected", "reason": "duplicate", "code": 22})
    with open(path, "ab") as fh:
        fh.write(b'{"worker": "c", "resu')  # a crash mid-write
    records = read_share_log(path)
    assert [r["worker"] for r in records] == ["a", "b"] and records[1]["code"] == 22
    assert set(records[0]) >= {"time", "job_id", "extranonce2", "ntime", "nonce", "version_bits", "hash",
                               "difficulty", "result"}
    with pytest.raises(StratumError, match="share log"):
        ShareLog(tmp_path / "no" / "such" / "dir.jsonl")


def test_share_log_without_a_path_is_a_no_op():
    log = ShareLog(None)
    log.write({"worker": "x"})
    assert log.lines == 0
    log.close()


def test_segwit_vector_file_names_its_source():
    assert "676" in SEGWIT["source"] and math.isfinite(SEGWIT["height"])
