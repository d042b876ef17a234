"""The error tree (minecore/errors.py): integrity faults are not bad input, the CLI maps each branch to its exit
status, and every exception class minecore defines lives in minecore/errors.py."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import minecore
from minecore import errors
from minecore.cli.main import ExitStatus, main
from minecore.errors import (
    ImplementationSelfTestError,
    IntegrityError,
    InvalidInputError,
    MinecoreError,
    VerificationError,
)

SRC = Path(minecore.__file__).resolve().parent
GENESIS = (
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3"
    "888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)

# ------------------------------------------------------------------ (a) integrity faults are not bad input


@pytest.mark.parametrize("cls", [VerificationError, ImplementationSelfTestError])
def test_integrity_faults_are_integrity_errors_not_bad_input(cls):
    assert issubclass(cls, IntegrityError) and issubclass(cls, MinecoreError)
    assert not issubclass(cls, InvalidInputError)
    assert not issubclass(cls, ValueError)  # an ``except ValueError`` meant for bad input must not swallow them
    exc = cls("x")
    assert isinstance(exc, IntegrityError) and not isinstance(exc, InvalidInputError)


def test_integrity_errors_keep_their_old_import_paths():
    from minecore.backends import native
    from minecore.emulator import VerificationError as from_package
    from minecore.emulator.engine import VerificationError as from_engine

    assert from_package is from_engine is VerificationError
    assert native.ImplementationSelfTestError is ImplementationSelfTestError


def test_no_integrity_error_is_also_an_input_error():
    """Walk the whole tree: nothing under IntegrityError may also be an InvalidInputError (exit 1 vs 2)."""
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, BaseException)]
    both = [c.__name__ for c in classes if issubclass(c, IntegrityError) and issubclass(c, InvalidInputError)]
    assert both == []
    assert {VerificationError, ImplementationSelfTestError} <= {c for c in classes if issubclass(c, IntegrityError)}


# ------------------------------------------------------------------ (b) the CLI boundary


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _hashlib_sha256d_raises(monkeypatch, exc):
    from minecore.backends.reference import HashlibBackend

    def broken(self, data):
        raise exc

    monkeypatch.setattr(HashlibBackend, "sha256d", broken)


@pytest.mark.parametrize(
    "exc", [VerificationError("backend hash disagrees with hashlib"), ImplementationSelfTestError("self-test failed")]
)
def test_cli_hash_integrity_error_exits_1_and_asks_for_a_report(capsys, monkeypatch, exc):
    _hashlib_sha256d_raises(monkeypatch, exc)
    code, out, err = _run(capsys, "hash", GENESIS, "--backend", "hashlib")
    assert code == ExitStatus.ERROR == 1
    assert re.search(r"internal error: .*please report", err), err
    assert str(exc) in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "error: " + str(exc) not in err.replace("internal error: ", "")  # not printed as bad input


def test_cli_hash_input_error_exits_2(capsys, monkeypatch):
    _hashlib_sha256d_raises(monkeypatch, InvalidInputError("header is malformed"))
    code, _, err = _run(capsys, "hash", GENESIS, "--backend", "hashlib")
    assert code == ExitStatus.BAD_INPUT == 2
    assert err.strip() == "minecore: error: header is malformed"
    assert "internal error" not in err and "please report" not in err


def test_cli_emulate_wrong_hash_is_an_internal_error(capsys, monkeypatch):
    """A backend result that hashlib does not confirm: the emulator's own check raises VerificationError."""
    import minecore.emulator.engine as engine

    monkeypatch.setattr(engine, "sha256d", lambda data: b"\xff" * 32)  # the re-hash disagrees with the backend
    code, _, err = _run(capsys, "emulate", "S21", "--hashes", "4096", "--difficulty", str(2.0**-24),
                        "--backend", "hashlib", "--threads", "1", "--json")
    assert code == 1
    assert "internal error" in err and "hashlib disagrees" in err and "please report" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_integrity_error_with_traceback_flag(capsys, monkeypatch):
    _hashlib_sha256d_raises(monkeypatch, VerificationError("boom"))
    code, _, err = _run(capsys, "--traceback", "hash", GENESIS, "--backend", "hashlib")
    assert code == 1 and "Traceback (most recent call last)" in err and "VerificationError" in err
    assert "please report" in err


def test_cli_emulate_bad_input_exits_2(capsys):
    code, _, err = _run(capsys, "emulate", "S21", "--hashes", "4096", "--ambient", "nan", "--backend", "hashlib")
    assert code == 2 and "internal error" not in err and len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------ (c) every exception class lives in errors.py


def _is_exception_class(node: ast.ClassDef) -> bool:
    def name(expr: ast.expr) -> str:
        if isinstance(expr, ast.Attribute):
            return expr.attr
        if isinstance(expr, ast.Name):
            return expr.id
        if isinstance(expr, ast.Call):  # e.g. a class factory; judge by what it is called
            return name(expr.func)
        if isinstance(expr, ast.Subscript):
            return name(expr.value)
        return ""

    bases = [name(b) for b in node.bases]
    return (
        node.name.endswith(("Error", "Exception"))
        or any(b.endswith(("Error", "Exception", "Warning", "Interrupt", "Exit")) for b in bases)
    )


def _exception_classes() -> dict[str, list[str]]:
    """``{relative path: [class names]}`` of every exception class defined in a .py module of minecore."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and _is_exception_class(n)]
        if names:
            found[path.relative_to(SRC).as_posix()] = names
    return found


def test_the_scan_sees_the_tree():
    """Guard the guard: the walk finds every class of errors.py."""
    defined = {n for n, v in vars(errors).items() if isinstance(v, type) and v.__module__ == errors.__name__}
    assert set(_exception_classes()["errors.py"]) == defined
    assert {"MinecoreError", "InvalidInputError", "IntegrityError", "VerificationError"} <= defined


def test_every_exception_class_is_defined_in_errors_py():
    elsewhere = {path: names for path, names in _exception_classes().items() if path != "errors.py"}
    assert elsewhere == {}, f"exception classes outside minecore/errors.py: {elsewhere}"


def test_every_minecore_error_derives_from_minecore_error():
    for name, value in vars(errors).items():
        if isinstance(value, type) and value.__module__ == errors.__name__:
            assert issubclass(value, MinecoreError), name


def test_the_only_cython_exception_is_the_internal_native_call_error():
    """The .pyx cannot be parsed by ast: find its classes by pattern.  NativeCallError is internal: it must
    never reach a user (see test_native_call_errors_become_typed_errors)."""
    classes = {}
    for path in SRC.rglob("*.pyx"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"^\s*(?:cdef\s+)?class\s+(\w+)\s*(?:\(([^)]*)\))?\s*:", text, re.M):
            classes[match.group(1)] = match.group(2) or ""
    exceptions = {n for n, bases in classes.items() if n.endswith("Error") or re.search(r"Error|Exception", bases)}
    assert exceptions == {"NativeCallError"}
    # and the one module that calls into the extension catches it
    native_src = (SRC / "backends" / "native.py").read_text(encoding="utf-8")
    assert "except self._ext.NativeCallError" in native_src


def test_re_exported_errors_are_the_errors_py_classes():
    """Modules that re-export an error for old imports hand out the very class from errors.py."""
    modules = ["minecore.emulator", "minecore.emulator.engine", "minecore.emulator.machine", "minecore.emulator.layout",
               "minecore.hardware", "minecore.hardware.chips", "minecore.hardware.chip_model", "minecore.stratum",
               "minecore.backends.native", "minecore.backends.registry"]
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, BaseException) and name in vars(errors):
                assert value is getattr(errors, name), f"{module_name}.{name}"


def _native_backend():
    try:
        from minecore.backends.native import NativeBackend

        return NativeBackend()
    except MinecoreError as exc:
        pytest.skip(f"native backend not available: {exc}")


@pytest.mark.parametrize(
    "code_name, expected",
    [("ERR_SELFTEST", ImplementationSelfTestError), ("ERR_INVALID_ARG", InvalidInputError),
     ("ERR_CANCELLED", errors.BackendUnavailableError), ("ERR_UNKNOWN_IMPL", errors.UnknownImplementationError)],
)
def test_native_call_errors_become_typed_errors(monkeypatch, code_name, expected):
    """Whatever status the C kernel reports through NativeCallError, the user sees a minecore error."""
    backend = _native_backend()
    ext = backend._ext

    class FailingExt:
        def __getattr__(self, name):
            return getattr(ext, name)

        def scan(self, *args, **kwargs):
            raise ext.NativeCallError(getattr(ext, code_name))

    monkeypatch.setattr(backend, "_ext", FailingExt())
    with pytest.raises(MinecoreError) as info:
        backend.scan_nonces(bytes(76), 1 << 255, 0, 1024, 1)
    assert isinstance(info.value, expected)
    assert not isinstance(info.value, ext.NativeCallError)
    if expected is ImplementationSelfTestError:
        assert isinstance(info.value, IntegrityError) and not isinstance(info.value, InvalidInputError)


def test_native_empty_range_at_the_top_of_the_nonce_space_is_empty_not_an_overflow():
    """start + count <= 2^32 allows (2^32, 0); the extension takes a uint32 start, so this once escaped as a bare
    OverflowError (found by tests/test_backends.py::test_scan_matches_hashlib[native], now and then)."""
    backend = _native_backend()
    assert backend.scan_nonces(bytes(76), (1 << 256) - 1, 1 << 32, 0, 1) == []
    assert backend.scan_versions(bytes(76), (1 << 256) - 1, 0x1FFFE000, 1 << 32, 0, 5, 3, 1) == []
    assert backend.scan_versions(bytes(76), (1 << 256) - 1, 0x1FFFE000, 0, 1, 1 << 32, 0, 1) == []
    with pytest.raises(InvalidInputError):
        backend.scan_nonces(bytes(76), 0, 1 << 32, 1, 1)


# ------------------------------------------------------------------ typed errors for bad numbers (stratum)


def test_stratum_numbers_are_validated():
    from minecore.stratum import StratumError, StratumJob

    params = ["j1", "00" * 32, "01000000", "ffffffff", [], "20000000", "1d00ffff", "5f5e1000", True]
    for bad in ("4", 4.5, 33, -1, True):
        with pytest.raises(StratumError, match="extranonce2_size"):
            StratumJob.from_notify(params, "aabbccdd", bad)
    assert StratumJob.from_notify(params, "aabbccdd", 4.0).extranonce2_size == 4
    share = StratumJob.from_notify(params, "aabbccdd", 4).check_submit(0, "5f5e1000", 0)
    for bad in (float("nan"), float("inf"), "1", 0):
        with pytest.raises(StratumError, match="difficulty"):
            share.meets(bad)
    assert share.meets(1e-30)
