"""How a person is named where what they wrote is shown: a deleted account (issue 17) signs
« ancien membre » — in French in the API (its source language), translated on the pages, which
read `former_member` (the `person` macro of templates/components/people.html)."""

from __future__ import annotations

import datetime as dt

FORMER_MEMBER = "ancien membre"


def shown_name(name: str | None, deleted_at: dt.datetime | None) -> str:
    return FORMER_MEMBER if deleted_at is not None else (name or "")
