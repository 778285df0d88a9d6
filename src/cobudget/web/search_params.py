"""The search box and filters of a network's challenges, as the page's address carries them
(`?q=…&statut=…&enveloppe=…&lieu=…&territoire=…&licence=…&page=…`): read and bounded here,
so a wrong value is a clear message before anything is searched, and written back into the
links of the result pages so that every filter stays."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from cobudget.domain.challenges import Licence
from cobudget.domain.errors import InvalidInput
from cobudget.domain.search import MAX_QUERY_LENGTH, ChallengeStatus
from cobudget.services.search import MAX_PAGE, ChallengeQuery
from cobudget.web.forms import page_number, whole_number

FIELDS = ("q", "statut", "enveloppe", "lieu", "territoire", "licence")
MAX_TERRITORY_LENGTH = 120  # as the lieu's column


def asked(params: Mapping[str, str]) -> dict[str, str]:
    """The search's fields that have a value (the page number apart)."""
    return {name: params[name].strip() for name in FIELDS if params.get(name, "").strip()}


def challenge_query(params: Mapping[str, str]) -> ChallengeQuery:
    """The search the address asks for; InvalidInput naming each wrong field."""
    values = asked(params)
    errors: dict[str, str] = {}
    status: ChallengeStatus | None = None
    if "statut" in values:
        try:
            status = ChallengeStatus(values["statut"])
        except ValueError:
            errors["statut"] = "invalid_choice"
    if values.get("licence", "") not in {"", *(code.value for code in Licence)}:
        errors["licence"] = "invalid_choice"
    ids = {}
    for name in ("enveloppe", "lieu"):
        ids[name] = whole_number(values.get(name)) or 0
        if name in values and not ids[name]:
            errors[name] = "invalid_choice"
    if len(values.get("q", "")) > MAX_QUERY_LENGTH:
        errors["q"] = f"too_long:{MAX_QUERY_LENGTH}"
    if len(values.get("territoire", "")) > MAX_TERRITORY_LENGTH:
        errors["territoire"] = f"too_long:{MAX_TERRITORY_LENGTH}"
    page = page_number(params, errors, maximum=MAX_PAGE)
    if errors:
        raise InvalidInput(errors)
    return ChallengeQuery(
        words=values.get("q", ""),
        status=status,
        envelope_id=ids["enveloppe"],
        lieu_id=ids["lieu"],
        territory=values.get("territoire", ""),
        licence=values.get("licence", ""),
        page=page,
    )


def page_link(path: str, values: Mapping[str, str], page: int) -> str:
    """The address of another page of the same search, every filter kept."""
    return f"{path}?{urlencode({**values, 'page': page})}#defis"
