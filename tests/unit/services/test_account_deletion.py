"""What takes a deleted person's place (issue 17): a placeholder that is never an address, and
the name « ancien membre » wherever what they wrote is shown."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.validation import EMAIL_PATTERN, Checker
from cobudget.services.account_deletion import placeholder_email
from cobudget.services.queries.person_names import FORMER_MEMBER, shown_name

IDS = st.integers(min_value=1, max_value=2**63 - 1)


@given(IDS, IDS)
def test_a_placeholder_is_never_an_address_and_never_another_persons(a: int, b: int) -> None:
    assert not EMAIL_PATTERN.match(placeholder_email(a))
    checker = Checker()
    checker.email("email", placeholder_email(a))
    assert checker.errors == {"email": "invalid_email"}  # nobody can log in or be invited with it
    assert len(placeholder_email(a)) <= 254
    assert (placeholder_email(a) == placeholder_email(b)) == (a == b)


@given(st.text(max_size=120), st.datetimes(timezones=st.just(dt.UTC)) | st.none())
def test_a_deleted_person_is_shown_as_ancien_membre_whatever_name_is_left(
    name: str, deleted_at: dt.datetime | None
) -> None:
    shown = shown_name(name, deleted_at)
    assert shown == (FORMER_MEMBER if deleted_at is not None else name)
