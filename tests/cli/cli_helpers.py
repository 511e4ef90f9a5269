"""Helpers shared by the command-line tests."""

from dataclasses import dataclass

import pytest

from annotator.__main__ import main


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """Run ``annotator argv...`` in this process and capture what it printed."""
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def assert_clean_error(result: Result, *fragments: str) -> None:
    """Exit code 1 and one ``annotator: error:`` line per problem, never a traceback."""
    assert result.code == 1
    assert "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if line.startswith("annotator: error: ")]
    assert errors, result.err
    for fragment in fragments:
        assert any(fragment in line for line in errors), (fragment, result.err)
