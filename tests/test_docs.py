"""The docs run: every ``$ minecore ...`` line of a ```console block and every ```python block.

* ``docs/*.md``: each file is one test. Its blocks run in document order in a fresh temporary directory (so files a
  python block writes are there for the commands after it, and files the commands write land there); its python
  blocks share one namespace, as if the file were one script.
* ``README.md``: only the console commands of the Economics section (from ``## Economics:`` to the next ``## ``
  heading); the other sections belong to other layers and are checked by their own tests.

A command line is split with ``shlex`` (``comments=True``: a trailing ``# comment`` is a shell comment; a line ending
in ``\\`` continues on the next line) and run in-process through ``minecore.cli.main.main``. It must exit 0, unless
its comment says ``# exits N`` (a documented error: it must exit N). A python block whose first line starts with
``# fragment:`` (saying what it needs) shows part of a larger program and is not run. A comment ``# slow: not run by tests`` skips
the line; :func:`test_slow_commands_are_listed` pins which lines those are.

``docs/glossary.md`` is also checked against the code: every name in its table's first column occurs in
``src/minecore``.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]  # the README runs like a manual
README = ROOT / "README.md"
SLOW = "# slow: not run by tests"
#: first line of a python block that shows a fragment of a larger program (names from elsewhere): not run
FRAGMENT = "# fragment:"
#: slow lines the docs may carry ("file:line" of each); none at present
SLOW_ALLOWED: set[str] = set()

FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
EXITS = re.compile(r"#\s*exits\s+(\d+)\b")


def blocks(text: str, first_line: int = 1) -> list[tuple[str, str, int]]:
    """``(language, body, line of the body's first line)`` of every fenced block, in order."""
    out = []
    for m in FENCE.finditer(text):
        line = first_line + text.count("\n", 0, m.start(2))
        out.append((m.group(1).lower(), m.group(2), line))
    return out


def comment_of(line: str) -> str:
    """The shell comment of ``line`` (from the first unquoted ``#`` that starts a word), or ''."""
    quote, i = None, 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and quote != "'":
            i += 2  # an escaped character, quoted or not
            continue
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[i:]
        i += 1
    return ""


def commands(body: str, first_line: int) -> list[tuple[int, str]]:
    """``(line number, command line)`` of each ``$ minecore ...`` line in a console block (continuations joined)."""
    lines = body.splitlines()
    out, i = [], 0
    while i < len(lines):
        start, text = first_line + i, lines[i]
        while text.endswith("\\") and i + 1 < len(lines):
            i += 1
            text = text[:-1] + " " + lines[i].strip()
        if text.startswith("$ minecore "):
            out.append((start, text[2:]))
        i += 1
    return out


def _native_missing() -> bool:
    from minecore.backends.native import probe

    return probe() is not None


def run_command(where: str, line: str, capsys) -> None:
    from minecore.cli.main import main

    comment = comment_of(line)
    if SLOW in comment:
        pytest.skip(f"{where}: marked slow")
    argv = shlex.split(line, comments=True)
    assert argv[0] == "minecore", where
    m = EXITS.search(comment)
    expected = int(m.group(1)) if m else 0
    capsys.readouterr()
    status = main(argv[1:])
    out, err = capsys.readouterr()
    assert status == expected, (f"{where}: `{line}` exited {status}, expected {expected}\n"
                                f"stderr: {err.strip()[-2000:]}\nstdout: {out.strip()[-2000:]}")


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(ROOT / "examples", tmp_path / "examples")  # the manuals refer to examples/ as in a checkout
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "120")
    return tmp_path


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_doc_runs(path: Path, in_tmp, capsys) -> None:
    """Run the doc's python blocks (one namespace) and console commands, in document order."""
    namespace: dict = {"__name__": f"docs_{path.stem}"}
    ran = 0
    for lang, body, line in blocks(path.read_text()):
        if lang == "python":
            if body.lstrip().startswith(FRAGMENT):
                continue
            if body.lstrip().startswith(">>>"):  # a doctest: run it and check what it prints
                import doctest

                if "NativeBackend" in body and _native_missing():
                    continue  # the native extension is not built (MINECORE_PUREPYTHON=1): nothing to show

                test = doctest.DocTestParser().get_doctest(body, namespace, f"{path.name}:{line}", str(path), line)
                runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
                runner.run(test, out=lambda text: pytest.fail(text, pytrace=False))
                ran += 1
                continue
            code = compile("\n" * (line - 1) + body, str(path), "exec")  # tracebacks point at the doc's lines
            exec(code, namespace)
            ran += 1
        elif lang == "console":
            for n, cmd in commands(body, line):
                if SLOW in comment_of(cmd):
                    continue
                if _native_missing() and ("native" in cmd or "--impl" in cmd):
                    continue  # a native-path example, and this build has no native extension
                run_command(f"{path.name}:{n}", cmd, capsys)
                ran += 1
    if path.name == "economics.md":
        assert ran > 10, "the economics manual lost its examples"


def test_slow_commands_are_listed() -> None:
    """Exactly the lines in SLOW_ALLOWED skip; a new slow mark must be added here, with a reason."""
    found = set()
    for path in DOCS:
        for lang, body, line in blocks(path.read_text()):
            if lang == "console":
                found |= {f"{path.name}:{n}" for n, cmd in commands(body, line) if SLOW in comment_of(cmd)}
    assert found == SLOW_ALLOWED


def test_parser() -> None:
    """The block and command parsing the tests above rely on."""
    text = ("x\n```console\n$ minecore a 'b # c' # exits 2\nout\n$ minecore d \\\n   --e f\n$ pytest\n```\n"
            "```python\nprint(1)\n```\n")
    (lang, body, line), (lang2, body2, line2) = blocks(text)
    assert (lang, line, lang2, line2) == ("console", 3, "python", 10)
    cmds = commands(body, line)
    assert cmds == [(3, "minecore a 'b # c' # exits 2"), (5, "minecore d  --e f")]
    assert shlex.split(cmds[0][1], comments=True) == ["minecore", "a", "b # c"]
    assert comment_of(cmds[0][1]) == "# exits 2" and comment_of(cmds[1][1]) == ""


def _glossary_names() -> list[str]:
    path = ROOT / "docs" / "glossary.md"
    if not path.exists():
        return []
    names = []
    for row in path.read_text().splitlines():
        m = re.match(r"\|\s*(`[^|]+)\|", row)
        if m:
            names += re.findall(r"`([A-Za-z_][A-Za-z0-9_.]*)`", m.group(1))
    return names


def test_glossary_names_exist_in_code() -> None:
    names = _glossary_names()
    assert len(names) > 50, "docs/glossary.md lost its table"
    src = "\n".join(p.read_text() for p in (ROOT / "src" / "minecore").rglob("*.py"))
    src += "\n".join(p.read_text() for p in (ROOT / "src" / "minecore").rglob("*.json"))
    missing = [n for n in names if not re.search(rf"\b{re.escape(n)}\b", src)]
    assert not missing, f"docs/glossary.md names not found in src/minecore: {missing}"


def test_docs_are_linked_from_readme_and_every_link_resolves() -> None:
    """Every manual in docs/ is linked from the README, and every relative link of the README and the manuals
    points at a file that exists; the README stays short (the manuals live in docs/)."""
    text = README.read_text()
    assert len(text.splitlines()) <= 250, "the README grew past ~250 lines: move the detail to docs/"
    for doc in (ROOT / "docs").glob("*.md"):
        assert f"docs/{doc.name}" in text, f"docs/{doc.name} is not linked from the README"
    for path in [README, *(ROOT / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text()):
            assert (path.parent / target).exists(), f"{path.name}: broken link {target}"
