"""Text as a reader sees it: the no-break spaces of French typography (cobudget.typography)
read as ordinary spaces, as a browser's text matching does, so tests assert words, not spaces."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def plain(value: T) -> T:
    """`value` with U+00A0 and U+202F turned into spaces: a string, or the strings of a dict or
    list (an API's errors); anything else as it is."""
    if isinstance(value, str):
        return value.replace("\u202f", " ").replace("\xa0", " ")  # type: ignore[return-value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [plain(item) for item in value]  # type: ignore[return-value]
    return value
