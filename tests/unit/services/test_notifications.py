"""The pure parts of notifications: the unsubscribe token names one person and one kind and
cannot be altered; a digest gathers what came before the last 7:00 in Paris."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.errors import NotFound
from cobudget.services.notifications import (
    DIGEST,
    PARIS,
    Kind,
    digest_cutoff,
    read_token,
    unsubscribe_token,
)
from cobudget.settings import Settings

SETTINGS = Settings(database_url="sqlite:///:memory:", secret_key="k" * 32, var_dir=Path("."))
OTHER_SECRET = Settings(database_url="sqlite:///:memory:", secret_key="x" * 32, var_dir=Path("."))
KINDS = st.sampled_from([*(kind.value for kind in Kind), DIGEST])
USERS = st.integers(min_value=1, max_value=2**31 - 1)


@given(USERS, KINDS)
def test_a_token_reads_back_as_its_person_and_kind(user_id: int, kind: str) -> None:
    assert read_token(SETTINGS, unsubscribe_token(SETTINGS, user_id, kind)) == (user_id, kind)


@given(USERS, KINDS, st.data())
def test_any_change_to_a_token_is_refused(user_id: int, kind: str, data: st.DataObject) -> None:
    token = unsubscribe_token(SETTINGS, user_id, kind)
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    replacement = data.draw(st.characters(codec="ascii").filter(lambda c: c != token[position]))
    altered = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(NotFound):
        read_token(SETTINGS, altered)


@given(USERS, KINDS, USERS, KINDS)
def test_a_token_cannot_be_turned_to_another_person_or_kind(
    user_id: int, kind: str, other_user: int, other_kind: str
) -> None:
    signature = unsubscribe_token(SETTINGS, user_id, kind).rsplit(".", 1)[1]
    if (other_user, other_kind) != (user_id, kind):
        with pytest.raises(NotFound):
            read_token(SETTINGS, f"{other_user}.{other_kind}.{signature}")
    with pytest.raises(NotFound):  # nor made with another install's secret
        read_token(SETTINGS, unsubscribe_token(OTHER_SECRET, user_id, kind))


@given(st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2040, 1, 1)))
def test_a_digest_gathers_what_came_before_the_last_seven_oclock_in_paris(
    naive: dt.datetime,
) -> None:
    moment = naive.replace(tzinfo=dt.UTC)
    cutoff = digest_cutoff(moment)
    assert cutoff <= moment
    assert moment - cutoff < dt.timedelta(days=1, hours=1)  # a day, give or take a DST change
    local = cutoff.astimezone(PARIS)
    assert (local.hour, local.minute, local.second) == (7, 0, 0)
