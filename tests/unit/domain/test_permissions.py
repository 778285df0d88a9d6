"""The role table of SPEC §2 as a pure policy: table cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.errors import LoginRequired, NotAllowed
from cobudget.domain.permissions import VISITOR, Action, Actor, Target, decide, require

NETWORK, OTHER_NETWORK, LIEU, OTHER_LIEU, ORG = 1, 2, 10, 11, 20
NETWORK_TARGET = Target(network_id=NETWORK)
LIEU_TARGET = Target(lieu_id=LIEU, lieu_network_ids=frozenset({NETWORK}))
ACTING_LIEU = Target(network_id=NETWORK, lieu_id=LIEU, lieu_network_ids=frozenset({NETWORK}))

ROLES = {
    "visitor": VISITOR,
    "member": Actor(user_id=1, member_of=frozenset({LIEU})),
    "lieu_admin": Actor(user_id=2, member_of=frozenset({LIEU}), lieu_admin_of=frozenset({LIEU})),
    "cofunder": Actor(user_id=3, cofunder_of=frozenset({ORG})),
    "coordinator": Actor(user_id=4, coordinator_of=frozenset({NETWORK})),
    "site_admin": Actor(user_id=5, is_site_admin=True),
}

# action, target, roles allowed (SPEC §2)
TABLE = [
    (Action.NETWORK_READ, NETWORK_TARGET, set(ROLES)),
    (Action.NETWORK_CREATE, Target(), {"site_admin"}),
    (Action.COORDINATOR_APPOINT, NETWORK_TARGET, {"site_admin"}),
    (Action.COORDINATOR_REMOVE, NETWORK_TARGET, {"site_admin"}),
    (Action.SITE_ADMINISTER, Target(), {"site_admin"}),
    (Action.NETWORK_MANAGE, NETWORK_TARGET, {"coordinator"}),
    (Action.LIEU_INVITE, NETWORK_TARGET, {"coordinator"}),
    (Action.COFUNDER_INVITE, NETWORK_TARGET, {"coordinator"}),
    (Action.LIEU_SET_STATUS, LIEU_TARGET, {"coordinator"}),
    (Action.LIEU_EDIT_PROFILE, LIEU_TARGET, {"lieu_admin"}),
    (Action.PERSON_INVITE, LIEU_TARGET, {"lieu_admin"}),
    (Action.PERSON_MANAGE, LIEU_TARGET, {"lieu_admin"}),
    (Action.LIEU_LEAVE, LIEU_TARGET, {"member", "lieu_admin"}),
    (Action.CHALLENGE_PROPOSE, ACTING_LIEU, {"member", "lieu_admin"}),
    (Action.CO_PROPOSAL_ANSWER, ACTING_LIEU, {"member", "lieu_admin"}),
    (
        Action.CHALLENGE_EDIT,
        Target(network_id=NETWORK, proposer_lieu_ids=frozenset({LIEU})),
        {"member", "lieu_admin"},
    ),
    (Action.CHALLENGE_CONCERN, ACTING_LIEU, {"member", "lieu_admin"}),
    (Action.NETWORK_CONFIGURE, NETWORK_TARGET, {"coordinator"}),
    (Action.ENVELOPE_MANAGE, NETWORK_TARGET, {"coordinator"}),
    (Action.PLEDGE, ACTING_LIEU, {"member", "lieu_admin"}),
    # A lieu's own money commits the organisation: its admins only.
    (Action.PLEDGE_OWN_FUNDS, ACTING_LIEU, {"lieu_admin"}),
    (Action.ROUND_MANAGE, NETWORK_TARGET, {"coordinator"}),
    (Action.COMMENT_HIDE, NETWORK_TARGET, {"coordinator"}),
    (Action.ROUND_SPEAK, ACTING_LIEU, {"member", "lieu_admin"}),
    (
        Action.QUESTION_ANSWER,
        Target(network_id=NETWORK, proposer_lieu_ids=frozenset({LIEU})),
        {"member", "lieu_admin"},
    ),
    (
        Action.REPORT_WRITE,
        Target(network_id=NETWORK, proposer_lieu_ids=frozenset({LIEU})),
        {"member", "lieu_admin"},
    ),
    (Action.REPORT_REVIEW, NETWORK_TARGET, {"coordinator"}),
    (
        Action.COMMENT,
        Target(
            network_id=NETWORK,
            lieu_id=LIEU,
            lieu_network_ids=frozenset({NETWORK}),
            network_org_ids=frozenset({ORG}),
        ),
        {"member", "lieu_admin", "cofunder"},
    ),
    # A challenge's discussion (issue 16): for the acting lieu, for the acting organisation, or
    # in one's own name (the coordinators).
    (Action.DISCUSS, ACTING_LIEU, {"member", "lieu_admin"}),
    (
        Action.DISCUSS,
        Target(network_id=NETWORK, org_id=ORG, network_org_ids=frozenset({ORG})),
        {"cofunder"},
    ),
    (Action.DISCUSS, NETWORK_TARGET, {"coordinator"}),
    (
        Action.DISCUSSION_FLAG,
        Target(
            network_id=NETWORK,
            network_lieu_ids=frozenset({LIEU}),
            network_org_ids=frozenset({ORG}),
        ),
        {"member", "lieu_admin", "cofunder", "coordinator"},
    ),
    # A lieu's needs (issue 17): its members write them; another lieu's need is joined.
    (Action.NEED_WRITE, ACTING_LIEU, {"member", "lieu_admin"}),
    (
        Action.NEED_JOIN,
        Target(
            network_id=NETWORK,
            lieu_id=LIEU,
            lieu_network_ids=frozenset({NETWORK}),
            proposer_lieu_ids=frozenset({LIEU + 1}),
        ),
        {"member", "lieu_admin"},
    ),
]


@pytest.mark.parametrize(
    ("action", "target", "allowed"),
    TABLE,
    ids=[f"{a.value}-{i}" for i, (a, _, _) in enumerate(TABLE)],
)
def test_role_table_of_spec_section_2(action: Action, target: Target, allowed: set[str]) -> None:
    for role, actor in ROLES.items():
        decision = decide(actor, action, target)
        assert decision.allowed == (role in allowed), (role, action)
        if not decision.allowed and role == "visitor":
            assert decision.reason == "login_required"


def test_every_action_has_a_row_in_the_table() -> None:
    assert {action for action, _, _ in TABLE} == set(Action)


def test_a_cofunder_pledges_its_organisations_own_funds() -> None:
    for_org = Target(network_id=NETWORK, org_id=ORG, network_org_ids=frozenset({ORG}))
    allowed = {
        role
        for role, actor in ROLES.items()
        if decide(actor, Action.PLEDGE_OWN_FUNDS, for_org).allowed
    }
    assert allowed == {"cofunder"}


def test_a_coordinator_of_another_network_is_refused() -> None:
    elsewhere = Actor(user_id=9, coordinator_of=frozenset({OTHER_NETWORK}))
    assert not decide(elsewhere, Action.LIEU_INVITE, NETWORK_TARGET).allowed
    assert not decide(elsewhere, Action.LIEU_SET_STATUS, LIEU_TARGET).allowed


def test_the_admin_of_another_lieu_is_refused() -> None:
    other = Actor(
        user_id=9, member_of=frozenset({OTHER_LIEU}), lieu_admin_of=frozenset({OTHER_LIEU})
    )
    assert decide(other, Action.PERSON_INVITE, LIEU_TARGET).reason == "lieu_admin_only"


def test_a_private_network_is_read_only_by_its_coordinators_and_site_admins() -> None:
    private = Target(network_id=NETWORK, network_is_public=False)
    readers = {
        role for role, actor in ROLES.items() if decide(actor, Action.NETWORK_READ, private).allowed
    }
    assert readers == {"coordinator", "site_admin"}


def test_require_raises_login_required_for_visitors_and_not_allowed_for_others() -> None:
    with pytest.raises(LoginRequired):
        require(VISITOR, Action.LIEU_INVITE, NETWORK_TARGET)
    with pytest.raises(NotAllowed) as refused:
        require(ROLES["member"], Action.LIEU_INVITE, NETWORK_TARGET)
    assert refused.value.reason == "coordinator_only"
    assert not isinstance(refused.value, LoginRequired)


ids = st.frozensets(st.integers(min_value=1, max_value=4), max_size=3)
actors = st.builds(
    Actor,
    user_id=st.one_of(st.none(), st.integers(min_value=1, max_value=50)),
    is_site_admin=st.booleans(),
    coordinator_of=ids,
    member_of=ids,
    lieu_admin_of=ids,
    cofunder_of=ids,
)
targets = st.builds(
    Target,
    network_id=st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
    network_is_public=st.booleans(),
    lieu_id=st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
    lieu_network_ids=ids,
)


@given(actors, st.sampled_from(list(Action)), targets)
def test_a_visitor_may_do_nothing_but_read_public_networks(
    actor: Actor, action: Action, target: Target
) -> None:
    decision = decide(VISITOR, action, target)
    assert decision.allowed == (action == Action.NETWORK_READ and target.network_is_public)


@given(actors, actors, st.sampled_from(list(Action)), targets)
def test_more_roles_never_remove_a_permission(
    first: Actor, second: Actor, action: Action, target: Target
) -> None:
    """Roles add up: an actor with the roles of two actors may do what either may do."""
    if first.user_id is None:
        return
    union = Actor(
        user_id=first.user_id,
        is_site_admin=first.is_site_admin or second.is_site_admin,
        coordinator_of=first.coordinator_of | second.coordinator_of,
        member_of=first.member_of | second.member_of,
        lieu_admin_of=first.lieu_admin_of | second.lieu_admin_of,
        cofunder_of=first.cofunder_of | second.cofunder_of,
    )
    if decide(first, action, target).allowed:
        assert decide(union, action, target).allowed


@given(actors, st.sampled_from(list(Action)), targets)
def test_the_policy_is_a_function_of_its_inputs(
    actor: Actor, action: Action, target: Target
) -> None:
    assert decide(actor, action, target) == decide(actor, action, target)
    assert decide(actor, action, target).allowed or decide(actor, action, target).reason


def test_a_proposing_lieu_cannot_say_us_too_on_its_own_challenge() -> None:
    target = Target(
        network_id=NETWORK,
        lieu_id=LIEU,
        lieu_network_ids=frozenset({NETWORK}),
        proposer_lieu_ids=frozenset({LIEU}),
    )
    assert (
        decide(ROLES["member"], Action.CHALLENGE_CONCERN, target).reason
        == "proposer_cannot_concern"
    )


def test_a_lieu_outside_the_network_cannot_propose_there() -> None:
    target = Target(network_id=OTHER_NETWORK, lieu_id=LIEU, lieu_network_ids=frozenset({NETWORK}))
    assert decide(ROLES["member"], Action.CHALLENGE_PROPOSE, target).reason == "member_only"


def test_a_cofunder_pledges_only_for_its_own_organisation() -> None:
    mine = Target(network_id=NETWORK, org_id=ORG, network_org_ids=frozenset({ORG, 21}))
    assert decide(ROLES["cofunder"], Action.PLEDGE, mine).allowed
    other = Target(network_id=NETWORK, org_id=21, network_org_ids=frozenset({ORG, 21}))
    assert decide(ROLES["cofunder"], Action.PLEDGE, other).reason == "cofunder_only"
