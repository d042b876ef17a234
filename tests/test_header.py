"""Block headers, compact bits, targets and difficulty against real blocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from minecore import BlockHeader, InvalidInputError, bits_to_target, difficulty_to_target, target_to_bits
from minecore.header import (
    BIP320_VERSION_MASK,
    DIFF1_TARGET,
    hash_difficulty,
    rolled_version,
    target_to_difficulty,
)

DATA = Path(__file__).parent / "data"
BLOCKS = json.loads((DATA / "block_headers.json").read_text())


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: f"height{b['height']}")
def test_real_header_fields_and_hash(block):
    header = BlockHeader.from_hex(block["header_hex"])
    assert header.version == block["version"]
    assert header.prev_block[::-1].hex() == block["prev_block"]
    assert header.merkle_root[::-1].hex() == block["merkle_root"]
    assert header.time == block["time"]
    assert f"{header.bits:08x}" == block["bits"]
    assert header.nonce == block["nonce"]
    assert header.hash_hex == block["block_hash"]
    assert header.target == int(block["target_hex"], 16)
    assert header.meets_target()
    assert header.to_bytes().hex() == block["header_hex"]


def test_genesis_difficulty_is_one():
    genesis = BlockHeader.from_hex(BLOCKS[0]["header_hex"])
    assert genesis.difficulty == 1.0
    assert genesis.target == DIFF1_TARGET


def test_difficulty_of_a_modern_block_matches_its_bits():
    """Difficulty from bits: DIFF1 / target, checked on every block against the target_hex field."""
    for block in BLOCKS:
        header = BlockHeader.from_hex(block["header_hex"])
        assert header.difficulty == pytest.approx(DIFF1_TARGET / int(block["target_hex"], 16), rel=1e-12)


def test_from_bytes_accepts_76_bytes_with_nonce_zero():
    raw = bytes.fromhex(BLOCKS[1]["header_hex"])
    assert BlockHeader.from_bytes(raw[:76]).nonce == 0
    assert BlockHeader.from_bytes(raw[:76]).prefix() == raw[:76]


@pytest.mark.parametrize("bad", [b"", b"\x00" * 79, b"\x00" * 81, "00" * 80, 12])
def test_from_bytes_rejects_wrong_length_or_type(bad):
    with pytest.raises(InvalidInputError):
        BlockHeader.from_bytes(bad)


def test_from_hex_rejects_non_hex():
    with pytest.raises(InvalidInputError):
        BlockHeader.from_hex("zz" * 80)


@pytest.mark.parametrize("bits", [0x1D80FFFF, 0x04923456, 0xFF123456, 0x22000100])
def test_bits_sign_or_overflow_rejected(bits):
    with pytest.raises(InvalidInputError):
        bits_to_target(bits)


# Bitcoin Core's SetCompact cases (src/test/arith_uint256_tests.cpp): a zero mantissa (after the right shift of
# exponents <= 3) is target 0, and the sign bit then does not make it negative; minecore rejects target 0.
@pytest.mark.parametrize(
    "bits",
    [0x00000000, 0x00123456, 0x01003456, 0x02000056, 0x03000000, 0x04000000, 0x00923456, 0x01803456, 0x02800056,
     0x03800000, 0x04800000, 0x1D000000, 0x1D800000],
)
def test_zero_mantissa_is_its_own_error_even_with_the_sign_bit(bits):
    with pytest.raises(InvalidInputError, match="zero mantissa") as info:
        bits_to_target(bits)
    assert "negative" not in str(info.value) and f"0x{bits:08x}" in str(info.value)


@pytest.mark.parametrize(
    ("bits", "outcome"),
    [
        (0x01123456, 0x12),
        (0x01FEDCBA, "negative"),  # Core: 0x7e with fNegative
        (0x02123456, 0x1234),
        (0x03123456, 0x123456),
        (0x04123456, 0x12345600),
        (0x04923456, "negative"),
        (0x05009234, 0x92340000),
        (0x20123456, 0x123456 << 232),
        (0xFF123456, "overflow"),
        (0x21010000, "overflow"),  # 0x0100 << 240 = 2^256
        (0x2100FFFF, 0xFFFF << 240),
    ],
)
def test_bits_to_target_matches_bitcoin_core_set_compact(bits, outcome):
    if isinstance(outcome, str):
        with pytest.raises(InvalidInputError, match=outcome):
            bits_to_target(bits)
    else:
        assert bits_to_target(bits) == outcome


def test_a_header_with_zero_mantissa_bits_has_no_target():
    genesis = BlockHeader.from_hex(BLOCKS[0]["header_hex"])
    for bits in (0x1D000000, 0x1D800000):
        header = BlockHeader(genesis.version, genesis.prev_block, genesis.merkle_root, genesis.time, bits, 0)
        with pytest.raises(InvalidInputError, match="zero mantissa"):
            header.target
        with pytest.raises(InvalidInputError, match="zero mantissa"):
            header.meets_target()


def test_target_zero_has_no_compact_form():
    with pytest.raises(InvalidInputError, match="target 0"):
        target_to_bits(0)


@pytest.mark.parametrize(
    "bits, target",
    [
        (0x1D00FFFF, 0xFFFF << 208),
        (0x1B0404CB, 0x0404CB << 192),  # Bitcoin wiki example
        (0x03123456, 0x123456),
        (0x02123456, 0x1234),
        (0x01123456, 0x12),
    ],
)
def test_bits_to_target_known_values(bits, target):
    assert bits_to_target(bits) == target


@given(st.integers(min_value=1, max_value=(1 << 255) - 1))
def test_target_to_bits_roundtrip_rounds_down(target):
    compact = target_to_bits(target)
    expanded = bits_to_target(compact)
    assert expanded <= target
    # compact keeps 23 bits of mantissa: the loss is below one unit of the mantissa's last byte
    assert target - expanded < (1 << max(0, target.bit_length() - 15))
    assert target_to_bits(expanded) == compact


def test_difficulty_target_roundtrip():
    assert difficulty_to_target(1) == DIFF1_TARGET
    assert difficulty_to_target(256) == DIFF1_TARGET // 256
    assert target_to_difficulty(difficulty_to_target(101.65e12)) == pytest.approx(101.65e12, rel=1e-12)
    assert difficulty_to_target(1e-30) == (1 << 256) - 1


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "1", True, -(10**400)])
def test_difficulty_to_target_rejects(bad):
    with pytest.raises(InvalidInputError):
        difficulty_to_target(bad)


@pytest.mark.parametrize("huge", [10**400, DIFF1_TARGET + 1, 2**224, 3e67, 1e300])
def test_difficulty_beyond_the_representable_range_is_an_error(huge):
    """DIFF1_TARGET / difficulty rounds down to 0 above DIFF1_TARGET: no hash could meet it."""
    with pytest.raises(InvalidInputError, match="beyond the representable range: its target would be 0"):
        difficulty_to_target(huge)


def test_largest_difficulty_has_target_one():
    assert difficulty_to_target(DIFF1_TARGET) == 1
    assert difficulty_to_target(DIFF1_TARGET // 2) == 2


def test_hash_difficulty_of_a_real_block_exceeds_network_difficulty():
    header = BlockHeader.from_hex(BLOCKS[-1]["header_hex"])
    assert hash_difficulty(header.hash) >= header.difficulty


def test_rolled_version_bip320():
    assert rolled_version(0x20000000, BIP320_VERSION_MASK, 0) == 0x20000000
    assert rolled_version(0x20000000, BIP320_VERSION_MASK, 1) == 0x20002000
    assert rolled_version(0x2FFFE000, BIP320_VERSION_MASK, 0) == 0x20000000
    assert rolled_version(0x20000000, BIP320_VERSION_MASK, 0xFFFF) == 0x3FFFE000
    # a non-contiguous mask deposits bits in order from the lowest set bit
    assert rolled_version(0, 0b1010_0001, 0b111) == 0b1010_0001
    assert rolled_version(0, 0b1010_0001, 0b010) == 0b0000_0001 << 5


@given(st.integers(0, 0xFFFF))
def test_rolled_version_stays_in_mask(index):
    v = rolled_version(0x20000000, BIP320_VERSION_MASK, index)
    assert v & ~BIP320_VERSION_MASK == 0x20000000
    assert (v & BIP320_VERSION_MASK) >> 13 == index
