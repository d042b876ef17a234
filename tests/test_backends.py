"""Every backend, and every native implementation forced one at a time, agrees with hashlib bit for bit.

The ``hash_backend`` fixture (tests/conftest.py) runs each test over ``minecore.backends.available()`` plus
``native[<impl>]`` for each implementation this CPU can run.  Known answers come from tests/data (FIPS 180 vectors
and real Bitcoin block headers, sources inside the files); properties are checked against a plain hashlib loop.
"""

from __future__ import annotations

import hashlib
import struct
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import minecore
from minecore import BlockHeader, InvalidInputError, UnknownBackendError, UnknownImplementationError
from minecore.header import rolled_version

from conftest import sha256d_hashlib

SPACE = 1 << 32
ALL = (1 << 256) - 1
PROPS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def reference_scan(header76: bytes, target: int, start: int, count: int) -> list[int]:
    """The definition: every nonce whose little-endian sha256d integer is <= target."""
    return [
        n
        for n in range(start, start + count)
        if int.from_bytes(sha256d_hashlib(header76 + struct.pack("<I", n)), "little") <= target
    ]


def hash_int(header76: bytes, nonce: int) -> int:
    return int.from_bytes(sha256d_hashlib(header76 + struct.pack("<I", nonce)), "little")


# ---------------------------------------------------------------------------- known answers
def test_sha256_vectors(hash_backend, sha256_vectors):
    """FIPS 180 messages (abc, 448-bit, 896-bit, one million 'a', empty) give their published sha256d."""
    for vec in sha256_vectors:
        msg = b"a" * 1_000_000 if vec["msg_hex"] is None else bytes.fromhex(vec["msg_hex"])
        assert len(msg) == vec["msg_len_bytes"]
        assert hash_backend.sha256d(msg).hex() == vec["sha256d"], vec["name"]


def test_real_headers_hash_to_their_block_hash(hash_backend, block_headers):
    for block in block_headers:
        raw = bytes.fromhex(block["header_hex"])
        assert hash_backend.sha256d(raw)[::-1].hex() == block["block_hash"], block["height"]


def test_scan_window_around_real_nonce_finds_exactly_it(hash_backend, block_headers):
    """Scanning 1,500 nonces around each real block's nonce with its own target finds only that nonce
    (the window starts 701 below, off any lane boundary)."""
    for block in block_headers:
        header = BlockHeader.from_hex(block["header_hex"])
        start = max(0, block["nonce"] - 701)
        count = min(1500, SPACE - start)
        result = minecore.scan(header, header.target, start, count, backend=hash_backend, threads=2)
        assert result.nonces == (block["nonce"],), block["height"]
        assert result.hashes == count


def test_threaded_scan_of_a_big_window(hash_backend, block_headers):
    """Block 100000's nonce inside a 60,001-nonce window, split over 3 threads: exactly that nonce."""
    block = next(b for b in block_headers if b["height"] == 100000)
    header = BlockHeader.from_hex(block["header_hex"])
    result = minecore.scan(header, header.target, block["nonce"] - 33_333, 60_001, backend=hash_backend, threads=3)
    assert result.nonces == (block["nonce"],)


# ---------------------------------------------------------------------------- properties vs hashlib
@PROPS
@given(data=st.binary(min_size=0, max_size=300))
def test_sha256d_matches_hashlib(hash_backend, data):
    assert hash_backend.sha256d(data) == sha256d_hashlib(data)


def _target_for(kind: str, header76: bytes, start: int, count: int, pick: int, raw: int) -> int:
    if kind == "nothing":
        return 0
    if kind == "everything":
        return ALL
    if kind == "tie" and count:  # the hash of one nonce in range: it wins (<=), about a random share win
        return hash_int(header76, start + pick % count)
    return raw >> (4 + pick % 8)  # "a few": random target with some leading zero bits


ranges = st.one_of(
    st.tuples(st.integers(0, 40), st.integers(0, 120)),  # touches nonce 0
    st.integers(0, 120).flatmap(lambda c: st.tuples(st.integers(SPACE - c - 3, SPACE - c), st.just(c))),  # top
    st.tuples(st.integers(0, SPACE - 200), st.integers(0, 200)),
)


@PROPS
@given(
    header76=st.binary(min_size=76, max_size=76),
    rng=ranges,
    kind=st.sampled_from(["nothing", "everything", "tie", "few"]),
    pick=st.integers(0, 1 << 16),
    raw=st.integers(0, ALL),
)
def test_scan_matches_hashlib(hash_backend, header76, rng, kind, pick, raw):
    start, count = rng
    target = _target_for(kind, header76, start, count, pick, raw)
    got = hash_backend.scan_nonces(header76, target, start, count, 1)
    assert got == reference_scan(header76, target, start, count)


@PROPS
@given(
    header76=st.binary(min_size=76, max_size=76),
    roll_start=st.integers(0, (1 << 16) - 4),
    roll_count=st.integers(1, 3),
    start=st.integers(0, SPACE - 30),
    count=st.integers(1, 30),
    shift=st.integers(1, 3),
)
def test_scan_versions_matches_hashlib(hash_backend, header76, roll_start, roll_count, start, count, shift):
    mask = 0x1FFFE000
    target = ALL >> shift
    base = int.from_bytes(header76[:4], "little")
    want = []
    for i in range(roll_count):
        version = rolled_version(base, mask, roll_start + i)
        prefix = struct.pack("<I", version) + header76[4:]
        want += [(version, n) for n in reference_scan(prefix, target, start, count)]
    got = hash_backend.scan_versions(header76, target, mask, roll_start, roll_count, start, count, 2)
    assert [tuple(p) for p in got] == want


def test_scan_every_nonce_wins_across_threads(hash_backend):
    """Target 2^256-1: all 20,011 nonces win, in order, across thread boundaries (and past any buffer size)."""
    header76 = bytes(range(76))
    start = SPACE - 20_011
    assert hash_backend.scan_nonces(header76, ALL, start, 20_011, 3) == list(range(start, SPACE))


def test_scan_result_is_independent_of_thread_count(hash_backend):
    header76 = hashlib.sha256(b"threads").digest() * 2 + bytes(12)
    target = ALL >> 6  # about 1 in 64 wins
    want = reference_scan(header76, target, 123_457, 40_000)
    assert len(want) > 100
    for threads in (1, 2, 5):
        assert hash_backend.scan_nonces(header76, target, 123_457, 40_000, threads) == want


def test_several_python_threads_scan_at_once(hash_backend):
    """Four Python threads, each scanning its own header at the same time, each get the right answer."""
    jobs = []
    for k in range(4):
        header76 = hashlib.sha256(bytes([k])).digest() * 2 + bytes(range(12))
        start = 1_000 + 7_919 * k
        jobs.append((header76, ALL >> 7, start, 20_000 + k))
    want = [reference_scan(*job) for job in jobs]
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait()
        return hash_backend.scan_nonces(*job, 2)

    with ThreadPoolExecutor(len(jobs)) as pool:
        got = list(pool.map(run, jobs))
    assert got == want


# ---------------------------------------------------------------------------- bad input
def test_bad_input_gives_typed_errors(hash_backend):
    genesis = bytes(80)
    with pytest.raises(InvalidInputError):
        minecore.scan(genesis[:79], ALL, 0, 10, backend=hash_backend)
    with pytest.raises(InvalidInputError):
        minecore.scan(genesis, ALL, 0, SPACE + 1, backend=hash_backend)
    with pytest.raises(InvalidInputError):
        minecore.scan(genesis, ALL, 1, SPACE, backend=hash_backend)
    with pytest.raises(InvalidInputError):
        minecore.scan(genesis, ALL, -1, 10, backend=hash_backend)
    with pytest.raises(InvalidInputError):
        minecore.scan(genesis, -5, 0, 10, backend=hash_backend)
    with pytest.raises(InvalidInputError):
        minecore.scan(genesis, ALL, 0, -10, backend=hash_backend)
    with pytest.raises(InvalidInputError):
        minecore.scan("00" * 80, ALL, 0, 10, backend=hash_backend)
    with pytest.raises(InvalidInputError):
        minecore.scan(genesis, ALL, 0, 10, backend=hash_backend, threads=0)
    with pytest.raises(InvalidInputError):
        minecore.scan_versions(genesis, ALL, versions=range(0, 1 << 17), count=1, backend=hash_backend)


def test_unknown_backend_and_implementation():
    with pytest.raises(UnknownBackendError):
        minecore.scan(bytes(80), ALL, 0, 1, backend="no-such-backend")
    with pytest.raises(UnknownBackendError):
        minecore.backends.get(42)
    if "native" in minecore.backends.available():
        from minecore.backends.native import NativeBackend

        with pytest.raises(UnknownImplementationError):
            NativeBackend(impl="no-such-impl")
