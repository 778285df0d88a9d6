"""`cobudget pabulib import` / `export` on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cobudget.cli import main
from cobudget.engine import decode_input, encode_input

PB = """META
key;value
num_projects;2
num_votes;2
budget;100.5
vote_type;approval
PROJECTS
project_id;cost
a;60
b;40.25
VOTES
voter_id;vote
1;a,b
2;b
"""


def test_import_prints_the_inputs_and_export_gives_them_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in.pb").write_text(PB)
    assert main(["pabulib", "import", str(tmp_path / "in.pb")]) == 0
    printed = capsys.readouterr().out
    inputs = decode_input(printed.strip().encode())
    assert inputs.amount_cents == 10050
    assert [c.requested_cents for c in inputs.challenges] == [6000, 4025]
    (tmp_path / "in.json").write_text(printed)
    assert main(["pabulib", "export", str(tmp_path / "in.json")]) == 0
    (tmp_path / "back.pb").write_text(capsys.readouterr().out)
    assert main(["pabulib", "import", str(tmp_path / "back.pb")]) == 0
    assert encode_input(decode_input(capsys.readouterr().out.strip().encode())) == encode_input(
        inputs
    )


def test_a_file_with_an_inexact_amount_is_refused_with_exit_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.pb").write_text(PB.replace("budget;100.5", "budget;100.505"))
    assert main(["pabulib", "import", str(tmp_path / "bad.pb")]) == 2
    assert "not a whole number of cents" in capsys.readouterr().err
