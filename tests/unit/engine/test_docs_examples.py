"""The worked examples of docs/allocation.md are settled and checked, so the docs cannot go stale.

Each fenced block whose info string is `json example` holds {"name", "input", "expect"}; every
figure of `expect` must be in the settlement: objects are compared key by key (keys absent from
`expect` are not checked), lists item by item and must have the same length.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from cobudget.engine import decode_input, encode_settlement, settle

DOC = Path(__file__).resolve().parents[3] / "docs" / "allocation.md"
BLOCK = re.compile(r"^```json example\n(.*?)^```", re.S | re.M)


def _examples() -> list[dict[str, Any]]:
    return [json.loads(block) for block in BLOCK.findall(DOC.read_text(encoding="utf-8"))]


def _check(expected: Any, actual: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing"
            _check(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _check(e, a, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: the doc says {expected!r}, the engine {actual!r}"


def test_the_doc_has_worked_examples_for_drawing_rights_cofunding_and_matching():
    names = " ".join(example["name"] for example in _examples())
    assert "drawing rights" in names and "cofunding" in names and "matching" in names


@pytest.mark.parametrize("example", _examples(), ids=lambda example: example["name"])
def test_the_worked_example_gives_the_figures_the_doc_shows(example):
    inputs = decode_input(json.dumps(example["input"]))
    settlement = msgspec.json.decode(encode_settlement(settle(inputs)))
    _check(example["expect"], settlement, "settlement")
