"""`cobudget settle` and `cobudget verify` through `cobudget.cli.main` (SPEC §4: verify offline)."""

from __future__ import annotations

import json

from cobudget.cli import main
from cobudget.engine import encode_input

from .builders import challenge, envelope, lieu_pledge

INPUTS = envelope(
    "cofunding",
    90_000,
    challenges=[challenge(10, [1], 20_000, 40_000)],
    pledges=[lieu_pledge(1, 10, 2, 12_000), lieu_pledge(2, 10, 3, 9_000)],
)


def _write_inputs(tmp_path):
    path = tmp_path / "input.json"
    path.write_bytes(encode_input(INPUTS))
    return path


def test_settle_prints_the_settlement_json(tmp_path, capsys):
    assert main(["settle", str(_write_inputs(tmp_path))]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rule"] == "cofunding"
    assert out["leftover_cents"] == 69_000


def test_verify_says_identical_for_the_settlement_it_printed(tmp_path, capsys):
    inputs = _write_inputs(tmp_path)
    main(["settle", str(inputs)])
    published = tmp_path / "settlement.json"
    published.write_text(capsys.readouterr().out)
    assert main(["verify", str(inputs), str(published)]) == 0
    assert "identical" in capsys.readouterr().out


def test_verify_says_different_when_one_cent_moved(tmp_path, capsys):
    inputs = _write_inputs(tmp_path)
    main(["settle", str(inputs)])
    published = tmp_path / "settlement.json"
    published.write_text(capsys.readouterr().out.replace("69000", "69001"))
    assert main(["verify", str(inputs), str(published)]) == 1
    assert "different" in capsys.readouterr().out


def test_invalid_input_exits_with_status_2_and_names_the_item(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    doc = json.loads(encode_input(INPUTS))
    doc["pledges"][0]["amount_cents"] = 12.5
    bad.write_text(json.dumps(doc))
    assert main(["verify", str(bad), str(bad)]) == 2
    assert "pledge 1" in capsys.readouterr().err
    assert main(["settle", str(bad)]) == 2
