"""A person's home as a to-do list (issue 16): for each lieu, co-funding organisation and
network they act for, what waits for them, each item with the place to act and its deadline.

- a lieu: positions to take in open rounds; questions and objections on its challenges
  waiting for an answer; co-proposals to accept; reports to write, publish or amend; the open
  envelopes it takes part in, with its drawing rights left and its pledges;
- a co-funding organisation: the envelopes open to it, with its pledges;
- a coordinated network: rounds decided without quorum or awaiting a round on a new version,
  reports to review, envelopes whose phase ends within a week or that wait to be settled,
  invitations not accepted yet, and every envelope of the network.

This module reads, in a fixed number of queries whatever the data: what depends on the reader
through `my_space_reads`, what every reader of the same networks sees alike through the kept
reads (`latest_rounds`, and the questions, reports, funded challenges and drawing rights of
`my_space_reads`). `my_space_groups` builds each group's items from what was read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec

from cobudget.domain import lifecycle
from cobudget.domain.permissions import Actor
from cobudget.services.clock import now
from cobudget.services.queries import my_space_reads as reads
from cobudget.services.queries.latest_rounds import Judged, LatestRounds, latest_rounds
from cobudget.services.queries.my_space_groups import (
    Found,
    Group,
    lieu_group,
    network_group,
    org_group,
)
from cobudget.services.queries.my_space_reads import Scope


class MySpace(msgspec.Struct, frozen=True):
    name: str
    email: str
    is_site_admin: bool
    groups: tuple[Group, ...]

    @property
    def waiting(self) -> int:
        """How many items wait, over every group."""
        return sum(len(group.items) for group in self.groups)


async def my_space(actor: Actor) -> MySpace:
    """The person's home: one group per lieu, organisation and coordinated network."""
    space, _networks = await my_space_in(actor)
    return space


async def my_space_in(actor: Actor) -> tuple[MySpace, tuple[int, ...]]:
    """`my_space`, with the networks the person acts in: the page shows the status of the
    challenges it pledged to from theirs (issue 18), the API does not."""
    moment = now()
    person, scope = await reads.read_scope(actor)
    found = await _read(scope, moment)
    groups = [
        *(lieu_group(scope, found, lieu_id, moment) for lieu_id in scope.lieux),
        *(org_group(scope, found, org_id) for org_id in scope.orgs),
        *(
            network_group(scope, found, network_id, moment)
            for network_id in sorted(scope.coordinated, key=lambda n: scope.networks[n].name)
        ),
    ]
    space = MySpace(
        name=person.name,
        email=person.slug,
        is_site_admin=person.flag,
        groups=tuple(groups),
    )
    return space, tuple(sorted(scope.networks))


async def network_desk(network_id: int) -> Group:
    """What waits for a network's coordinators, and its envelopes, for its « Gérer » page
    (which checked the right to manage). Invitations are listed by that page itself."""
    moment = now()
    scope = Scope(
        lieux={},
        orgs={},
        networks={network_id: reads.Named(network_id, "", "")},
        member_networks=frozenset(),
        coordinated=frozenset({network_id}),
    )
    found = await _read(scope, moment, invitations=False)
    return network_group(scope, found, network_id, moment)


async def _read(scope: Scope, moment: dt.datetime, *, invitations: bool = True) -> Found:
    """Every read, each skipped when no role of the person needs it (never for lack of data,
    so a role's count of queries is the same whatever the data)."""
    envelopes = await reads.envelopes(scope.networks, moment) if scope.networks else []
    funding = [e for e in envelopes if e.phase is lifecycle.Phase.FUNDING]
    member_networks = scope.member_networks
    rights = (
        await reads.rights([e.row.id for e in funding if e.row.network in member_networks])
        if scope.lieux
        else {}
    )
    pledges = (
        await reads.pledges([e.row.id for e in funding], scope) if scope.lieux or scope.orgs else []
    )
    networks = member_networks | scope.coordinated | _org_networks(scope)
    diagnosis = await latest_rounds(networks) if networks else LatestRounds((), (), {})
    owner = _owners(scope, diagnosis.rounds)
    # Questions and funded challenges concern proposers; reports, proposers and coordinators.
    mine = member_networks | scope.coordinated
    questions = await reads.questions(member_networks) if scope.lieux else ()
    report_rows = await reads.reports(mine) if mine else ()
    funded = await reads.funded(member_networks) if scope.lieux else frozenset()
    invited = (
        await reads.invitations(scope.coordinated, moment)
        if invitations and scope.coordinated
        else []
    )
    return Found(
        envelopes,
        rights,
        pledges,
        diagnosis.rounds,
        diagnosis.pending_co_proposals,
        owner,
        questions,
        report_rows,
        funded,
        invited,
        diagnosis.titles,
    )


def _org_networks(scope: Scope) -> frozenset[int]:
    """The networks of the person's organisations: their pledges' challenges have titles."""
    return frozenset(network for _name, network in scope.orgs.values())


def _owners(scope: Scope, judged: Iterable[Judged]) -> dict[int, int]:
    """Each challenge the person's lieux propose → the one lieu whose group lists what waits
    on it: the proposing lieu when it is theirs, else the first co-proposer (by name)."""
    owner = {}
    for j in judged:
        mine = [lieu for lieu in scope.lieux if lieu in j.proposers]
        if mine:
            owner[j.row.challenge] = (
                j.row.proposer_id if j.row.proposer_id in scope.lieux else mine[0]
            )
    return owner
