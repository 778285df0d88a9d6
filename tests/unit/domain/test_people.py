"""A lieu keeps an admin, a network a coordinator (issue 17): the pure rules, by example and
for every sequence of changes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.errors import InvalidInput
from cobudget.domain.people import admins_after, check_change, check_coordinator_removal


def test_the_last_admin_is_neither_demoted_nor_removed() -> None:
    lieu = {1: True, 2: False}
    for change in (False, None):
        with pytest.raises(InvalidInput) as error:
            check_change(lieu, 1, change)
        assert error.value.fields == {"person": "last_admin"}
    check_change(lieu, 2, None)  # a member leaves
    check_change(lieu, 2, True)  # a member is promoted
    check_change({1: True, 2: True}, 1, None)  # one of two admins leaves


def test_someone_outside_the_lieu_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        check_change({1: True}, 9, True)
    assert error.value.fields == {"person": "not_a_member"}


def test_a_lieu_without_admin_is_not_blocked_by_the_rule() -> None:
    """Lieux made before the rule may have no admin: their members may still leave."""
    check_change({1: False, 2: False}, 1, None)


def test_the_last_coordinator_stays() -> None:
    with pytest.raises(InvalidInput) as error:
        check_coordinator_removal(frozenset({4}), 4)
    assert error.value.fields == {"coordinator": "last_coordinator"}
    with pytest.raises(InvalidInput) as error:
        check_coordinator_removal(frozenset({4, 5}), 6)
    assert error.value.fields == {"coordinator": "not_a_coordinator"}
    check_coordinator_removal(frozenset({4, 5}), 4)


changes = st.lists(st.tuples(st.integers(1, 5), st.sampled_from([True, False, None])), max_size=30)


@given(st.dictionaries(st.integers(1, 5), st.booleans(), min_size=1), changes)
def test_a_lieu_with_an_admin_keeps_one_whatever_is_asked_in_whatever_order(
    lieu: dict[int, bool], asked: list[tuple[int, bool | None]]
) -> None:
    had_admin = any(lieu.values())
    for user_id, becomes_admin in asked:
        try:
            check_change(lieu, user_id, becomes_admin)
        except InvalidInput:
            continue
        count = admins_after(lieu, user_id, becomes_admin)
        if becomes_admin is None:
            lieu.pop(user_id)
        else:
            lieu[user_id] = becomes_admin
        assert count == sum(lieu.values())
        if had_admin:
            assert count >= 1
