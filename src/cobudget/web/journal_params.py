"""The journal's filters as its address carries them (`?quoi=…&qui=…&du=…&au=…&page=…`): read
and checked here, so a wrong value is a clear message next to its field before anything is
read, and written back into the links to the other pages so that every filter stays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import urlencode

from cobudget.domain.errors import InvalidInput
from cobudget.rendering import PARIS
from cobudget.services.queries.journal import MAX_PAGE, JournalQuery
from cobudget.web import journal
from cobudget.web.forms import page_number, whole_number

FIELDS = ("quoi", "qui", "du", "au")


def asked(params: Mapping[str, str]) -> dict[str, str]:
    """The filters that have a value (the page number apart)."""
    return {name: params[name].strip() for name in FIELDS if params.get(name, "").strip()}


def _day(text: str) -> dt.date | None:
    """A day as a date field sends it (`2026-12-06`), or None (also for a year no log holds,
    so that the day after is still a date)."""
    if len(text) != 10:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if 1900 <= day.year <= 9000 else None


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of that day in Paris, where the networks are, in UTC as the log keeps time."""
    return dt.datetime.combine(day, dt.time(), tzinfo=PARIS).astimezone(dt.UTC)


def journal_query(params: Mapping[str, str]) -> JournalQuery:
    """The page of the journal the address asks for; InvalidInput naming each wrong field."""
    values = asked(params)
    errors: dict[str, str] = {}
    family = values.get("quoi", "")
    if family and family not in journal.families():
        errors["quoi"] = "invalid_choice"
    user_id = whole_number(values.get("qui"))
    if "qui" in values and not user_id:
        errors["qui"] = "invalid_choice"
    days = {}
    for name in ("du", "au"):
        days[name] = _day(values.get(name, ""))
        if name in values and days[name] is None:
            errors[name] = "invalid_date"
    since, until = days["du"], days["au"]
    if since and until and since > until:
        errors["au"] = "dates_reversed"
    page = page_number(params, errors, maximum=MAX_PAGE)
    if errors:
        raise InvalidInput(errors)
    return JournalQuery(
        kinds=tuple(journal.kinds_of(family)) if family else (),
        user_id=user_id,
        since=_start_of(since) if since else None,
        until=_start_of(until + dt.timedelta(days=1)) if until else None,
        page=page,
    )


def page_link(path: str, values: Mapping[str, str], page: int) -> str:
    """The address of another page of the journal, every filter kept."""
    return f"{path}?{urlencode({**values, 'page': page})}"
