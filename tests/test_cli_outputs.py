"""Outputs are never half-written, and output errors end as one line and a documented exit status (docs/cli.md).

* ``--output`` goes through :func:`minecore.cli.files.write_atomic`: a temporary file in the same directory, renamed
  over the target only once complete, so a failed write (disk full, file size limit) keeps the previous file.
* Standard output to a full disk or a closed stdout: ``minecore: error: cannot write the output (...)``, exit 3,
  with rich tables and with plain JSON alike; never a traceback or "internal error".
* A broken pipe (``minecore report | head -1``) ends quietly with exit 0, with and without rich.

The real conditions (``RLIMIT_FSIZE``, ``/dev/full``, a closed fd 1, a closed pipe) need a child process; the
commands used are the cheap ones (``models``) except where the issue names ``report``.
"""

from __future__ import annotations

import errno
import io
import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from minecore.cli import files, output
from minecore.cli.main import ExitStatus, main
from minecore.errors import InvalidInputError, OutputError

MINECORE = [sys.executable, "-m", "minecore"]
OUTPUT_FAILED = 3  # documented in docs/cli.md; a literal, so that the test reads the same against older code


def _child(argv: list[str], *, fsize: int | None = None, close_stdout: bool = False,
           **kw) -> subprocess.CompletedProcess:
    def setup() -> None:
        if fsize is not None:
            _soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, hard))
        if close_stdout:
            os.close(1)

    kw.setdefault("stdout", subprocess.PIPE)
    if close_stdout:
        kw.pop("stdout")
    return subprocess.run(MINECORE + argv, stderr=subprocess.PIPE, text=True, timeout=180,
                          preexec_fn=setup if (fsize is not None or close_stdout) else None, **kw)


def _one_clean_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err and "Exception ignored" not in err, err
    return lines[0]


# ------------------------------------------------------------------------------------------ --output is atomic


def test_report_output_under_a_file_size_limit_keeps_the_previous_file(tmp_path):
    """The issue's case: a failed --output write used to truncate the target in place (exit 2), destroying the
    previous good report. Now: exit 3, one line, the previous file byte for byte, no temporary file left."""
    target = tmp_path / "report.json"
    target.write_text("the previous good report\n")
    proc = _child(["report", "--format", "json", "--paths", "0", "--output", str(target)], fsize=4096)
    assert proc.returncode == OUTPUT_FAILED, proc.stderr
    line = _one_clean_line(proc.stderr)
    assert "--output" in line and "File too large" in line and "left as it was" in line
    assert target.read_text() == "the previous good report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_write_atomic_writes_whole_files_with_ordinary_permissions(tmp_path):
    target = tmp_path / "r.json"
    assert files.write_atomic(target, "é\n") == 3
    assert target.read_text(encoding="utf-8") == "é\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    target.chmod(0o640)
    files.write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_write_atomic_failure_midway_keeps_the_old_file_and_removes_the_temporary(tmp_path, monkeypatch):
    target = tmp_path / "r.csv"
    target.write_text("old\n")
    real_write = os.write
    calls = []

    def full_after_first_chunk(fd, data):
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, bytes(data[:10]))

    monkeypatch.setattr(os, "write", full_after_first_chunk)
    with pytest.raises(OutputError, match=r"--output .*r\.csv: cannot write \(No space left on device\); .* left as"):
        files.write_atomic(target, "x" * 100)
    monkeypatch.undo()
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["r.csv"]


def test_write_atomic_follows_a_symlink_and_writes_a_device_in_place(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    files.write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    files.write_atomic(os.devnull, "discarded")  # not replaced by a regular file
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.parametrize("where, message", [
    ("missing/r.json", "no such directory"),
    (".", "is a directory"),
    ("x" * 256 + ".json", "file name too long: 261 bytes in one name, the limit is 255"),
    ("a/" * 2100 + "r.json", r"path too long: 4,[0-9]{3} bytes, the limit is 4,096"),
])
def test_output_path_is_checked_before_any_work(tmp_path, where, message):
    with pytest.raises(InvalidInputError, match=message):
        files.check_output_path("--output", str(tmp_path / where) if where != "." else str(tmp_path))


def test_report_output_path_errors_come_before_the_report_is_built(tmp_path, capsys, monkeypatch):
    import minecore.reports as reports

    monkeypatch.setattr(reports, "build_report", lambda *a, **k: pytest.fail("built the report first"))
    assert main(["report", "--output", str(tmp_path / ("y" * 300))]) == ExitStatus.BAD_INPUT
    assert "the limit is 255" in _one_clean_line(capsys.readouterr().err)


# ------------------------------------------------------------------------------------------ standard output


needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")


@needs_dev_full
@pytest.mark.parametrize("argv", [["models"], ["models", "--json"]], ids=["rich", "plain"])
def test_stdout_to_a_full_disk_is_an_output_error(argv):
    """Used to end as "internal error: OSError: [Errno 28]" with exit 1."""
    with open("/dev/full", "w") as full:
        proc = _child(argv, stdout=full)
    assert proc.returncode == OUTPUT_FAILED
    assert _one_clean_line(proc.stderr) == "minecore: error: cannot write the output (No space left on device)"


@pytest.mark.parametrize("argv", [["models"], ["models", "--json"]], ids=["rich", "plain"])
def test_closed_stdout_is_an_output_error(argv):
    """Used to exit 0 with the table silently lost (rich), or 1 with an internal error (plain)."""
    proc = _child(argv, close_stdout=True)
    assert proc.returncode == OUTPUT_FAILED
    assert _one_clean_line(proc.stderr) == "minecore: error: cannot write the output (standard output is closed)"


@pytest.mark.parametrize("argv", [["models"], ["models", "--json"], ["report", "--paths", "0"]],
                         ids=["rich", "plain", "report-table"])
def test_broken_pipe_exits_quietly(argv):
    """``minecore report | head -1``: the reader is gone before the table is written. Used to exit 1 without a
    word (rich's SystemExit) or to print "Exception ignored ... BrokenPipeError" at exit."""
    proc = subprocess.Popen(MINECORE + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader stops before the first byte
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=180) == 0 and err == ""


class _Failing(io.StringIO):
    def __init__(self, exc: OSError):
        super().__init__()
        self.exc = exc

    def write(self, text):
        raise self.exc


@pytest.mark.parametrize("argv", [["models"], ["models", "--json"]], ids=["rich", "plain"])
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG, errno.EIO])
def test_failed_stdout_write_in_process(argv, code, capsys, monkeypatch):
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdout", _Failing(OSError(code, os.strerror(code))))
    status = main(argv)
    monkeypatch.undo()
    assert status == ExitStatus.OUTPUT_FAILED == OUTPUT_FAILED
    assert _one_clean_line(capsys.readouterr().err) == f"minecore: error: cannot write the output ({os.strerror(code)})"


@pytest.mark.parametrize("argv", [["models"], ["models", "--json"]], ids=["rich", "plain"])
def test_broken_pipe_in_process_is_quiet(argv, capsys, monkeypatch):
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdout", _Failing(BrokenPipeError(errno.EPIPE, "Broken pipe")))
    status = main(argv)  # rich's own handler would raise SystemExit(1) here
    monkeypatch.undo()
    assert status == ExitStatus.OK and capsys.readouterr().err == ""


def test_a_json_report_on_stdout_is_still_whole(capsys):
    assert main(["models", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)  # the whole document, after the final flush in main()


def test_exit_statuses_are_documented():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text()
    for status in ExitStatus:
        assert f"| {int(status)} |" in doc, f"docs/cli.md does not list exit status {int(status)}"
