"""Stratum v1 work: real captured jobs from ``tests/data/stratum_jobs.json`` and malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minecore.errors import InvalidInputError
from minecore.header import DIFF1_TARGET, rolled_version
from minecore.stratum import (
    DEFAULT_VERSION_MASK,
    StratumError,
    StratumJob,
    apply_version_bits,
    build_header,
    merkle_root,
    prevhash_from_stratum,
    prevhash_to_stratum,
    sha256d,
    share_difficulty,
    version_mask_from_configure,
)

DATA = json.loads((Path(__file__).parent / "data" / "stratum_jobs.json").read_text())
EXAMPLES = DATA["examples"]
FULL = [e for e in EXAMPLES if "mining_notify" in e]
ROOT_ONLY = [e for e in EXAMPLES if "mining_notify" not in e]


def _job(example) -> StratumJob:
    return StratumJob.from_notify(
        example["mining_notify"],
        example["extranonce1"],
        example["extranonce2_size"],
        int(example["version_mask"], 16),
    )


def test_vector_file_has_both_kinds_of_example():
    assert FULL and ROOT_ONLY


@pytest.mark.parametrize("example", FULL, ids=lambda e: e["name"][:40])
def test_notify_to_coinbase_merkle_header_and_difficulty(example):
    """Bitaxe Gamma share (pool accepted it): every intermediate value matches the capture."""
    job = _job(example)
    _, job_id, extranonce2, ntime, nonce, version_bits = example["mining_submit"]["params"]
    assert job.job_id == job_id
    assert job.coinbase(extranonce2).hex() == example["coinbase_tx_hex"]
    assert job.coinbase_txid(extranonce2)[::-1].hex() == example["coinbase_txid_display"]
    assert job.merkle_root(extranonce2).hex() == example["merkle_root_internal_hex"]
    assert f"{job.rolled_version(int(version_bits, 16)):08x}" == example["rolled_version_hex"]

    share = job.check_submit(extranonce2, ntime, nonce, version_bits)
    assert share.header.to_bytes().hex() == example["header_hex"]
    assert share.hash_hex == example["hash_display"]
    assert share.difficulty == pytest.approx(example["share_difficulty"], rel=1e-12)
    assert share.meets(example["pool_share_difficulty"])
    assert share.meets_network is example["meets_network_target"]
    # the header built through the job API is the same bytes
    header = job.header(extranonce2, int(nonce, 16), ntime=ntime, version_bits=int(version_bits, 16))
    assert header.hex() == example["header_hex"]


@pytest.mark.parametrize("example", ROOT_ONLY, ids=lambda e: e["name"][:40])
def test_header_from_stratum_fields_and_difficulty(example):
    """ESP-Miner unit test: header from prevhash/root/version/ntime/nbits/nonce, share diff ≈ 18."""
    header = build_header(
        example["version"], example["prevhash_stratum"], example["merkle_root_hex"],
        example["ntime"], example["nbits"], example["nonce"],
    )
    assert header.hex() == example["header_hex"]
    digest = sha256d(header)
    assert digest[::-1].hex() == example["hash_display"]
    assert share_difficulty(digest) == pytest.approx(example["share_difficulty"], rel=1e-12)
    assert int(share_difficulty(digest)) == example["expected_int_difficulty"]


def test_prevhash_word_swap_worked_example():
    """Words 00010203 04050607 ... become 03020100 07060504 ... in the header."""
    stratum = "".join(f"{4 * i:02x}{4 * i + 1:02x}{4 * i + 2:02x}{4 * i + 3:02x}" for i in range(8))
    internal = prevhash_from_stratum(stratum)
    assert internal[:8].hex() == "0302010007060504"
    assert prevhash_to_stratum(internal) == stratum


@given(st.binary(min_size=32, max_size=32))
def test_prevhash_round_trip(raw):
    assert prevhash_from_stratum(prevhash_to_stratum(raw)) == raw


def test_notify_params_round_trip():
    job = _job(FULL[0])
    again = StratumJob.from_notify(job.to_notify_params(), job.extranonce1, job.extranonce2_size, job.version_mask)
    assert again == job


def test_merkle_root_without_branches_is_the_txid_and_one_level_is_sha256d_of_the_pair():
    a, b = bytes(range(32)), bytes(range(32, 64))
    assert merkle_root(a, []) == a
    assert merkle_root(a, [b]) == sha256d(a + b)


def test_version_rolling_matches_bip320_roll_index():
    """Rolling index i into the default mask gives the same version as submitting its bits."""
    base = 0x20000004
    for index in (0, 1, 0x5A2, 0xFFFF):
        rolled = rolled_version(base, DEFAULT_VERSION_MASK, index)
        assert apply_version_bits(base, rolled & DEFAULT_VERSION_MASK) == rolled


def test_version_bits_outside_mask_are_rejected():
    with pytest.raises(StratumError, match="outside the version mask"):
        apply_version_bits(0x20000000, 0x00001000)


def test_share_difficulty_of_diff1_target_is_one():
    assert share_difficulty(DIFF1_TARGET.to_bytes(32, "little")) == 1.0
    assert share_difficulty(bytes(32)) == float("inf")


def test_version_mask_from_configure():
    assert version_mask_from_configure({"result": {"version-rolling": True, "version-rolling.mask": "00fff000"}}) == 0x00FFF000
    assert version_mask_from_configure('{"id": 1, "result": {"version-rolling": true}}') == DEFAULT_VERSION_MASK
    with pytest.raises(StratumError, match="refused"):
        version_mask_from_configure({"result": {"version-rolling": False}})


def test_extranonce2_as_int_is_little_endian_and_sized():
    job = _job(FULL[0])
    assert job.extranonce2(0x17) == bytes.fromhex("17000000")
    with pytest.raises(StratumError, match="does not fit"):
        job.extranonce2(1 << 32)
    with pytest.raises(StratumError, match="4 bytes"):
        job.coinbase("1700")


def _params():
    return list(FULL[0]["mining_notify"]["params"])


@pytest.mark.parametrize(
    "index, value, message",
    [
        (0, 7, "job_id"),
        (1, "00" * 31, "prevhash must be 32 bytes"),
        (1, "zz" * 32, "prevhash must be hex"),
        (2, "abc", "coinbase1 must be hex"),
        (4, ["00" * 31], "merkle branch 0"),
        (4, "00" * 32, "merkle_branches"),
        (5, "200000", "version must be 4 bytes"),
        (6, "1d80ffff", "sign bit"),
        (7, None, "ntime"),
        (8, "yes", "clean_jobs"),
    ],
)
def test_malformed_notify_raises_typed_error(index, value, message):
    params = _params()
    params[index] = value
    with pytest.raises(StratumError, match=message) as info:
        StratumJob.from_notify(params, "4128064f", 4)
    assert isinstance(info.value, InvalidInputError)


@pytest.mark.parametrize(
    "notify, message",
    [
        ("{not json", "not JSON"),
        ({"method": "mining.set_difficulty", "params": [1]}, "expected a mining.notify"),
        (["j1", "00" * 32], "needs 9 params"),
        (42, "params must be a list"),
    ],
)
def test_malformed_message_raises_typed_error(notify, message):
    with pytest.raises(StratumError, match=message):
        StratumJob.from_notify(notify, "", 4)


def test_bad_extranonce_settings():
    with pytest.raises(StratumError, match="extranonce2_size"):
        StratumJob.from_notify(_params(), "4128064f", -1)
    with pytest.raises(StratumError, match="extranonce1"):
        StratumJob.from_notify(_params(), "41280", 4)
