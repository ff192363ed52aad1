"""docs/walkthrough.md runs as written: every ``sh`` block, in order, on a fresh SQLite database.

The blocks are read as the small part of the shell they use, and each command
runs in process: ``cartrial ...`` through typer's CliRunner, ``curl ...``
through FastAPI's TestClient on the same database (``cartrial serve`` starts
it), ``jq -r FILTER [FILE]`` with the paths the page uses (``.a.b``,
``.items[0].c``). Understood: ``NAME=value``, ``NAME=$(command)``, ``\\``
continuations, ``| jq ...`` pipes, ``> FILE`` (kept in memory), ``<<EOF``
here-documents (variables expanded, as bash does), ``&`` and ``sleep``. A
command line ending ``# => VALUE`` must print VALUE. Any other command, a
command that fails (exit code not 0, HTTP status 400 or above), an unset
variable or a capture that prints nothing fails the test, naming the line.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from cartrial.cli.main import app as cli
from cartrial.store import make_engine, make_sessionmaker
from cartrial.store.models import AuditEntry, Infusion, Subject
from cartrial.web.api import create_app

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "walkthrough.md"


@dataclass
class Step:
    """One command line of the page, its here-document and the output it states."""

    number: int
    line: str
    stdin: str | None = None
    expected: str | None = None


def steps(markdown: str) -> list[Step]:
    """The command lines of every ``sh`` block, in order."""
    found: list[Step] = []
    for block in re.findall(r"^```sh\n(.*?)^```", markdown, flags=re.S | re.M):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            i += 1
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            while line.endswith("\\"):
                line = line[:-1].rstrip() + " " + lines[i].strip()
                i += 1
            step = Step(len(found) + 1, line)
            if (said := re.search(r"\s+# => (.*)$", line)) is not None:
                step.expected, step.line = said.group(1), line[: said.start()]
            if "<<EOF" in step.line:
                end = lines.index("EOF", i)
                step.stdin, i = "\n".join(lines[i:end]) + "\n", end + 1
                if re.match(r"\w+=\$\(", step.line):  # the capture closes after the document
                    assert lines[i] == ")", f"expected ')' after the here-document of {line!r}"
                    step.line, i = step.line + ")", i + 1
            found.append(step)
    return found


def jq(filter_: str, text: str, *, raw: bool) -> str:
    """The jq paths the page uses: ``.``, ``.a``, ``.a.b``, ``.a[0].b``."""
    value: Any = json.loads(text)
    assert re.fullmatch(r"\.|(\.\w+|\[\d+\])+", filter_), f"jq filter {filter_!r} not understood"
    for name, index in re.findall(r"\.(\w+)|\[(\d+)\]", filter_):
        value = value[name] if name else value[int(index)]
    if raw and isinstance(value, str):
        return value + "\n"
    return json.dumps(value, indent=None if raw else 2) + "\n"


@dataclass
class Shell:
    url: str
    variables: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    client: TestClient | None = None
    runner: CliRunner = field(default_factory=CliRunner)

    def expand(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            assert name in self.variables, f"${name} is not set"
            return self.variables[name]

        return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, text)

    def run(self, step: Step) -> None:
        line = step.line
        stdin = self.expand(step.stdin) if step.stdin is not None else None  # <<EOF expands
        if (capture := re.fullmatch(r"(\w+)=\$\((.*)\)", line)) is not None:
            out = self.command(capture.group(2), stdin).strip()
            assert out not in ("", "null"), f"line {step.number} captured nothing: {line}"
            self.variables[capture.group(1)] = out
            return
        if (assignment := re.fullmatch(r"(?:export )?(\w+)=(\S+)", line)) is not None:
            self.variables[assignment.group(1)] = self.expand(shlex.split(assignment.group(2))[0])
            return
        out = self.command(line, stdin)
        if step.expected is not None:
            assert out.strip() == step.expected, f"line {step.number}: {line}"

    def command(self, text: str, stdin: str | None) -> str:
        words = shlex.split(self.expand(text))
        words = [w for w in words if w not in ("<<EOF", "&")]
        into = None
        if len(words) > 2 and words[-2] == ">":
            into, words = words[-1], words[:-2]
        out: str | None = None
        piped = stdin
        while words:
            cut = words.index("|") if "|" in words else len(words)
            out = self.program(words[:cut], piped)
            piped, words = out, words[cut + 1 :]
        assert out is not None
        if into is not None:
            self.files[into] = out
            return ""
        return out

    def program(self, words: list[str], stdin: str | None) -> str:
        name, args = words[0], words[1:]
        if name == "sleep":
            return ""
        if name == "jq":
            raw = args[:1] == ["-r"]
            args = args[1:] if raw else args
            text = self.files[args[1]] if len(args) > 1 else stdin
            assert text is not None, f"jq without input: {words}"
            return jq(args[0], text, raw=raw)
        if name == "cartrial":
            return self.cartrial(args)
        if name == "curl":
            return self.curl(args, stdin)
        raise AssertionError(f"command not understood by this test: {words}")

    def cartrial(self, args: list[str]) -> str:
        if args[0] == "serve":
            self.client = TestClient(create_app(make_sessionmaker(make_engine(self.url))))
            return ""
        result = self.runner.invoke(cli, args, env={"CARTRIAL_DATABASE_URL": self.url})
        assert result.exit_code == 0, f"cartrial {' '.join(args)}: {result.output}"
        return result.stdout

    def curl(self, args: list[str], stdin: str | None) -> str:
        assert self.client is not None, "curl before `cartrial serve`"
        method, data, headers, url = None, None, {}, None
        words = iter(args)
        for word in words:
            if word in ("-s", "-sS", "-S", "-f", "-sf"):
                continue
            if word == "-X":
                method = next(words)
            elif word == "-H":
                key, _, value = next(words).partition(":")
                headers[key.strip()] = value.strip()
            elif word in ("-d", "--data", "--data-binary"):
                data = next(words)
            elif word.startswith("http"):
                url = word
            else:
                raise AssertionError(f"curl option not understood by this test: {word}")
        assert url is not None, f"curl without a URL: {args}"
        if data == "@-":
            data = stdin
        elif data is not None and data.startswith("@"):
            data = (ROOT / data[1:]).read_text(encoding="utf-8")
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        reply = self.client.request(
            method or ("POST" if data is not None else "GET"),
            path,
            content=data.encode("utf-8") if data is not None else None,
            headers=headers,
        )
        assert reply.status_code < 400, f"{method or ''} {path}: {reply.status_code} {reply.text}"
        return reply.text


def test_the_walkthrough_runs_from_an_empty_database_to_an_infused_patient(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # the page's paths are relative to a checkout
    url = f"sqlite:///{tmp_path / 'walkthrough.db'}"
    shell = Shell(url)
    doc_steps = steps(DOC.read_text(encoding="utf-8"))
    for step in doc_steps:
        shell.run(step)
    # Hand-derived: one subject, infused once, with the lot and dose the page gives.
    sessions = make_sessionmaker(make_engine(url))
    with sessions() as s:
        subject = s.scalars(select(Subject)).one()
        infusion = s.scalars(select(Infusion)).one()
        assert (subject.code, subject.status, subject.dose_level) == ("S-001", "infused", 1)
        assert (infusion.cells_infused, infusion.dose_level) == (7_000_000, 1)
        assert s.scalar(select(func.count()).select_from(AuditEntry)) > 0
    checked = [s.expected for s in doc_steps if s.expected is not None]
    assert checked[-1] == "infused" and "fail" in checked and "pass" in checked


def test_the_reader_fails_a_line_whose_stated_output_differs(tmp_path: Path) -> None:
    shell = Shell(f"sqlite:///{tmp_path / 'x.db'}")
    shell.files["a.json"] = '{"verdict": "fail"}'
    [step] = steps("```sh\njq -r .verdict a.json  # => pass\n```\n")
    with pytest.raises(AssertionError, match="line 1"):
        shell.run(step)


def test_the_reader_refuses_a_command_it_does_not_know(tmp_path: Path) -> None:
    shell = Shell(f"sqlite:///{tmp_path / 'x.db'}")
    [step] = steps("```sh\nrm -rf /tmp/nothing\n```\n")
    with pytest.raises(AssertionError, match="not understood"):
        shell.run(step)


def test_steps_join_continuations_and_read_here_documents() -> None:
    text = '```sh\nX=$(curl -s "$API/a" \\\n  -d @- <<EOF | jq -r .id\n{"a": "$B"}\nEOF\n)\n```\n'
    assert steps(text) == [
        Step(1, 'X=$(curl -s "$API/a" -d @- <<EOF | jq -r .id)', stdin='{"a": "$B"}\n')
    ]
