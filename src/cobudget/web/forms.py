"""The explicit parameter markers the page controllers use (Litestar wants them declared), and
the readers of numbered form fields, bounded so that no posted number makes a request's work
grow: a row number stops at the form's documented maximum, an id at what the database holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter

from cobudget.domain.errors import InvalidInput
from cobudget.domain.permissions import Actor
from cobudget.settings import Settings

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
# The most ticked boxes or numbered fields of one kind a form may carry (lieux, criteria…).
MAX_CHOICES = 500

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
ActorDep = NamedDependency[Actor]
SettingsDep = NamedDependency[Settings]
# An id in a page's path: out of range, the page answers « not found » as for an unknown id.
PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


def whole_number(value: str | None, *, maximum: int = MAX_ID) -> int | None:
    """The whole number typed in a field (ASCII digits only), or None when it is not one or is
    above `maximum` (by default the largest id: nothing bigger ever reaches a query)."""
    text = (value or "").strip()
    if not text or len(text) > len(str(maximum)) or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= maximum else None


def page_number(params: Mapping[str, str], errors: dict[str, str], *, maximum: int) -> int:
    """The `page` of a paged list's address (1 when absent); out of 1…maximum, the error goes
    into `errors` under `page` (the caller raises them together with its other fields')."""
    page = whole_number(params.get("page") or "1", maximum=maximum)
    if not page:
        errors["page"] = f"out_of_range:1:{maximum}"
    return page or 1


def row_numbers(data: Mapping[str, str], prefix: str, *, rows: int, error: str) -> list[int]:
    """The row numbers N of the fields `{prefix}.N.…` of a form that shows at most `rows` rows,
    in order. A number outside 0…rows-1 is refused (InvalidInput `{prefix: error}`) before
    anything is read or rendered for it."""
    found: set[int] = set()
    for key in data:
        if key.startswith(prefix + "."):
            number = whole_number(key[len(prefix) + 1 :].partition(".")[0], maximum=rows - 1)
            if number is None:
                raise InvalidInput({prefix: error})
            found.add(number)
    return sorted(found)


def numbered(data: Mapping[str, str], prefix: str, *, field: str = "") -> dict[int, str]:
    """The fields `{prefix}.<id>` by id (a lieu's weight, a line's spending, a ticked box…).
    An id out of range, or more than MAX_CHOICES of them, is refused (InvalidInput on
    `field`, by default the prefix: where the form shows that group's message)."""
    field = field or prefix
    found: dict[int, str] = {}
    for key, value in data.items():
        if key.startswith(prefix + "."):
            number = whole_number(key[len(prefix) + 1 :])
            if number is None:
                raise InvalidInput({field: "invalid_choice"})
            found[number] = value
    if len(found) > MAX_CHOICES:
        raise InvalidInput({field: f"too_many:{MAX_CHOICES}"})
    return found


def form_id(value: str | None) -> int:
    """An id chosen in a field (`lieu=`, `challenge=`), 0 when it is missing or not an id:
    the use case then refuses it as it refuses an unknown one."""
    return whole_number(value) or 0
