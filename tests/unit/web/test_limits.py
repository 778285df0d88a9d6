"""The bounds of one request's work: JSON nesting measured without parsing, numbers read from
form fields without ever converting an unbounded text."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.errors import InvalidInput
from cobudget.web.forms import MAX_ID, numbered, row_numbers, whole_number
from cobudget.web.limits import MAX_JSON_DEPTH, json_depth

JSON = st.recursive(
    st.none() | st.integers() | st.text(alphabet='[]{}"\\ab,:'),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"ab'), inner, max_size=3)
    ),
    max_leaves=40,
)


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@given(JSON)
def test_the_depth_is_that_of_the_parsed_value_whatever_the_strings_hold(value: object) -> None:
    measured = json_depth(json.dumps(value).encode())
    assert measured == _depth(value) or (measured <= MAX_JSON_DEPTH >= _depth(value))


def test_a_deep_body_is_measured_without_recursion() -> None:
    assert json_depth(b"[" * 100_000 + b"]" * 100_000) == 100_000


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), (" 7 ", 7), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("9" * 5000, None)],
)
def test_a_whole_number_is_read_only_within_range(text: str, number: int | None) -> None:
    assert whole_number(text) == number


@pytest.mark.parametrize("text", ["", "-1", "1.5", "²", "١٢", "0x10", "1e3"])
def test_anything_but_ascii_digits_is_not_a_whole_number(text: str) -> None:
    assert whole_number(text) is None


def test_row_numbers_stop_at_the_rows_the_form_shows() -> None:
    assert row_numbers({"lines.0.label": "a", "lines.2.max": "1"}, "lines", rows=3, error="e") == [
        0,
        2,
    ]
    with pytest.raises(InvalidInput) as refused:
        row_numbers({"lines.3.label": "a"}, "lines", rows=3, error="too_many_lines:50")
    assert refused.value.fields == {"lines": "too_many_lines:50"}


def test_numbered_fields_are_bounded_in_id_and_in_count() -> None:
    assert numbered({"weight.3": "2", "title": "x"}, "weight") == {3: "2"}
    with pytest.raises(InvalidInput):
        numbered({"weight." + "9" * 30: "1"}, "weight")
    with pytest.raises(InvalidInput):
        numbered({f"carry.{i}": "on" for i in range(1, 502)}, "carry")
