"""A need's rules (SPEC §5): what it may say, and the grouping that makes shared needs stand
out (every need once; the themes shared by the most lieux first)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.errors import InvalidInput
from cobudget.domain.needs import (
    THEME_ORDER,
    NeedForm,
    Theme,
    check_need,
    group_by_theme,
    parse_horizon,
    parse_theme,
)


@dataclass(frozen=True)
class Item:
    id: int
    theme: str
    lieu_id: int
    joined_lieu_ids: Sequence[int] = ()


GOOD = NeedForm(
    title="Un atelier vélo",
    lacks="Pas d’outillage.",
    commons="Une méthode documentée.",
    min_euros="1 000",
    max_euros="2 500,50",
    theme="mobilite",
    horizon="2",
)


def test_a_need_reads_its_amounts_in_euros_as_cents() -> None:
    fields = check_need(GOOD)
    assert (fields.min_cents, fields.max_cents, fields.horizon_years) == (100_000, 250_050, 2)


def test_the_amounts_are_optional_each_on_its_own() -> None:
    fields = check_need(NeedForm(**{**GOOD.__dict__, "min_euros": "", "max_euros": "3 000"}))
    assert fields.min_cents is None and fields.max_cents == 300_000


def test_every_refused_field_gets_its_code() -> None:
    bad = NeedForm(
        title="", lacks="x" * 5_001, min_euros="-3", max_euros="1,234", theme="luxe", horizon="4"
    )
    with pytest.raises(InvalidInput) as refused:
        check_need(bad)
    assert refused.value.fields == {
        "title": "required",
        "lacks": "too_long:5000",
        "min": "negative",
        "max": "too_many_decimals",
        "theme": "invalid_choice",
        "horizon": "out_of_range:1:3",
    }


def test_a_range_upside_down_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_need(NeedForm(**{**GOOD.__dict__, "min_euros": "3 000", "max_euros": "1 000"}))
    assert refused.value.fields == {"max": "min_above_max"}


def test_filters_keep_only_known_values() -> None:
    assert parse_theme("energie") == "energie" and parse_theme("luxe") is None
    assert parse_theme(None) is None
    assert parse_horizon("3") == 3 and parse_horizon("4") is None and parse_horizon("") is None


def test_a_theme_shared_by_more_lieux_comes_first_and_joined_needs_lead_it() -> None:
    needs = [
        Item(1, "numerique", 1),
        Item(2, "alimentation", 2),
        Item(3, "alimentation", 3, (1,)),
        Item(4, "numerique", 1),
    ]
    groups = group_by_theme(needs)
    assert [(g.theme, g.lieu_count) for g in groups] == [("alimentation", 3), ("numerique", 1)]
    assert [n.id for n in groups[0].needs] == [3, 2]
    assert [n.id for n in groups[1].needs] == [1, 4]


themes = st.sampled_from([t.value for t in Theme])
items = st.lists(
    st.builds(
        Item,
        id=st.integers(1, 10_000),
        theme=themes,
        lieu_id=st.integers(1, 8),
        joined_lieu_ids=st.lists(st.integers(1, 8), max_size=4, unique=True),
    ),
    max_size=40,
    unique_by=lambda item: item.id,
)


@given(items)
def test_every_need_is_in_exactly_one_group_of_its_theme(needs: list[Item]) -> None:
    groups = group_by_theme(needs)
    placed = [need for group in groups for need in group.needs]
    assert sorted(n.id for n in placed) == sorted(n.id for n in needs)
    assert all(need.theme == group.theme for group in groups for need in group.needs)
    assert len({group.theme for group in groups}) == len(groups)


@given(items)
def test_groups_come_by_lieux_sharing_then_by_theme_order(needs: list[Item]) -> None:
    groups = group_by_theme(needs)
    keys = [(-g.lieu_count, THEME_ORDER[g.theme]) for g in groups]
    assert keys == sorted(keys)
    for group in groups:
        lieux = {n.lieu_id for n in group.needs} | {
            joined for n in group.needs for joined in n.joined_lieu_ids
        }
        assert group.lieu_count == len(lieux)
        order = [(-len(n.joined_lieu_ids), n.id) for n in group.needs]
        assert order == sorted(order)


@given(items, st.randoms(use_true_random=False))
def test_the_input_order_never_changes_the_groups(needs: list[Item], random) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(needs)
    random.shuffle(shuffled)
    assert group_by_theme(shuffled) == group_by_theme(needs)


def test_a_member_writes_their_lieus_needs_and_joins_only_another_lieus() -> None:
    from cobudget.domain.permissions import Action, Actor, Target, decide

    member = Actor(user_id=1, member_of=frozenset({10}))
    own = Target(network_id=1, lieu_id=10, lieu_network_ids=frozenset({1}))
    assert decide(member, Action.NEED_WRITE, own).allowed
    assert not decide(Actor(user_id=2), Action.NEED_WRITE, own).allowed
    joining = Target(
        network_id=1, lieu_id=10, lieu_network_ids=frozenset({1}), proposer_lieu_ids=frozenset({20})
    )
    assert decide(member, Action.NEED_JOIN, joining).allowed
    own_need = Target(
        network_id=1, lieu_id=10, lieu_network_ids=frozenset({1}), proposer_lieu_ids=frozenset({10})
    )
    assert decide(member, Action.NEED_JOIN, own_need).reason == "own_need"
    elsewhere = Target(network_id=2, lieu_id=10, lieu_network_ids=frozenset({1}))
    assert decide(member, Action.NEED_JOIN, elsewhere).reason == "member_only"
