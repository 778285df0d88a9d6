"""A person's home as a to-do list (issue 16): for each lieu, co-funding organisation and
network they act for, what waits for them, each item with the place to act and its deadline.

- a lieu: positions to take in open rounds; questions and objections on its challenges
  waiting for an answer; co-proposals to accept; reports to write, publish or amend; the open
  envelopes it takes part in, with its drawing rights left and its pledges;
- a co-funding organisation: the envelopes open to it, with its pledges;
- a coordinated network: rounds decided without quorum or awaiting a round on a new version,
  reports to review, envelopes whose phase ends within a week or that wait to be settled,
  invitations not accepted yet, and every envelope of the network.

Everything is read by `my_space_reads` in a fixed number of queries; this module only applies
the rules to what was read. An item belongs to one group: a challenge that several of the
person's lieux propose is listed under one of them only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec

from cobudget.domain import consent, lifecycle
from cobudget.domain import reports as report_rules
from cobudget.domain.permissions import Actor
from cobudget.domain.pledges import drawing_rights_allowed
from cobudget.services.clock import now
from cobudget.services.queries import my_space_reads as reads
from cobudget.services.queries.latest_rounds import Judged, LatestRounds, latest_rounds
from cobudget.services.queries.my_space_reads import Dated, Scope

# An envelope's phase "ends soon", for its coordinators, within this time (issue 16).
SOON = dt.timedelta(days=7)


class Item(msgspec.Struct, frozen=True):
    """One thing waiting for the person. `kind` names it (the template words it), `subject`
    is what it is about (a challenge's or an envelope's title, an address), `link` where to
    act; `deadline` when there is one."""

    kind: str
    subject: str
    link: str
    deadline: dt.datetime | None = None
    detail: str = ""  # the phase that ends, a question's text, an invitation's kind
    number: int = 0  # a report's period


class PledgeLine(msgspec.Struct, frozen=True):
    challenge_id: int
    challenge_title: str
    source: str
    amount_cents: int


class EnvelopeLine(msgspec.Struct, frozen=True):
    """An envelope as a home lists it; for a lieu, its drawing rights and what is left of
    them (None when the rule takes no drawing-right pledges), and the unit's pledges."""

    id: int
    title: str
    phase: str
    ends_at: dt.datetime | None
    amount_cents: int
    rights_cents: int | None = None
    left_cents: int | None = None
    pledges: tuple[PledgeLine, ...] = ()


class Group(msgspec.Struct, frozen=True):
    """A lieu (`lieu`), co-funding organisation (`org`) or coordinated network (`network`)."""

    kind: str
    id: int
    name: str
    slug: str
    is_admin: bool = False
    network_name: str = ""
    items: tuple[Item, ...] = ()
    envelopes: tuple[EnvelopeLine, ...] = ()


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
    moment = now()
    person, scope = await reads.read_scope(actor)
    found = await _read(scope, moment)
    groups = [
        *(_lieu_group(scope, found, lieu_id, moment) for lieu_id in scope.lieux),
        *(_org_group(scope, found, org_id) for org_id in scope.orgs),
        *(
            _network_group(scope, found, network_id, moment)
            for network_id in sorted(scope.coordinated, key=lambda n: scope.networks[n].name)
        ),
    ]
    return MySpace(
        name=person.name,
        email=person.slug,
        is_site_admin=person.flag,
        groups=tuple(groups),
    )


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
    return _network_group(scope, found, network_id, moment)


class _Found(msgspec.Struct):
    envelopes: list[Dated]
    rights: dict[int, dict[int, int]]  # envelope → lieu → drawing rights
    pledges: list[reads.PledgeRow]
    judged: tuple[Judged, ...]
    pending_co_proposals: tuple[tuple[int, int], ...]
    owner: dict[int, int]  # challenge of the person's lieux → the lieu that lists it
    questions: tuple[reads.QuestionRow, ...]
    reports: tuple[reads.ReportRow, ...]
    funded: frozenset[tuple[int, int]]
    invitations: list[reads.InvitationRow]
    titles: dict[int, str]


async def _read(scope: Scope, moment: dt.datetime, *, invitations: bool = True) -> _Found:
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
    return _Found(
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


def _sorted(items: Iterable[Item]) -> tuple[Item, ...]:
    """Each item once, the nearest deadline first, those without one last."""
    unique = {(item.kind, item.link, item.detail): item for item in items}
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return tuple(
        sorted(unique.values(), key=lambda item: (item.deadline or far, item.kind, item.link))
    )


def _challenge_link(challenge_id: int) -> str:
    return f"/defis/{challenge_id}#tour"


def _lieu_group(scope: Scope, found: _Found, lieu_id: int, moment: dt.datetime) -> Group:
    name, slug, is_admin = scope.lieux[lieu_id]
    titles = found.titles
    items: list[Item] = []
    for j in found.judged:
        title = titles.get(j.row.challenge, "")
        if (
            lieu_id not in j.standing
            and consent.may_take_position(j.round, lieu_id, moment).allowed
        ):
            items.append(Item("position", title, _challenge_link(j.row.challenge), j.row.deadline))
        if found.owner.get(j.row.challenge) != lieu_id:
            continue
        if j.outcome is consent.Outcome.OPEN:
            items += [
                Item("objection", title, _challenge_link(j.row.challenge), j.row.deadline, text)
                for text in j.objections
            ]
        elif j.outcome is consent.Outcome.TO_AMEND and j.row.version == j.row.current_version:
            items.append(Item("amend", title, f"/defis/{j.row.challenge}/modifier"))
    for question in found.questions:
        if found.owner.get(question.challenge) == lieu_id:
            # The round's deadline while it runs; an answer is still welcome after it.
            deadline = question.deadline if question.deadline > moment else None
            items.append(
                Item(
                    "question",
                    titles.get(question.challenge, ""),
                    _challenge_link(question.challenge),
                    deadline,
                    detail=question.text,
                )
            )
    items += [
        Item("co_proposal", titles.get(challenge, ""), f"/defis/{challenge}")
        for challenge, lieu in found.pending_co_proposals
        if lieu == lieu_id
    ]
    items += _reports_due(found, lieu_id)
    return Group(
        kind="lieu",
        id=lieu_id,
        name=name,
        slug=slug,
        is_admin=is_admin,
        items=_sorted(items),
        envelopes=tuple(_lieu_envelopes(scope, found, lieu_id)),
    )


def _reports_due(found: _Found, lieu_id: int) -> list[Item]:
    """For each challenge of the lieu an envelope funded: the report of the current period to
    write, to finish (a draft) or to amend (changes requested); nothing while one awaits its
    review (`domain.reports.current_period`)."""
    by_pair: dict[tuple[int, int], list[reads.ReportRow]] = {}
    for report in found.reports:
        by_pair.setdefault((report.envelope, report.challenge), []).append(report)
    titles = {e.row.id: e.row.title for e in found.envelopes}
    items = []
    for envelope_id, challenge_id in sorted(found.funded):
        if found.owner.get(challenge_id) != lieu_id:
            continue
        rows = by_pair.get((envelope_id, challenge_id), [])
        period = report_rules.current_period((r.id, r.period, r.status) for r in rows)
        subject = found.titles.get(challenge_id, "")
        detail = titles.get(envelope_id, "")
        if period.report_id is None:
            link = f"/enveloppes/{envelope_id}/defis/{challenge_id}/rapports/nouveau"
            items.append(Item("report_due", subject, link, detail=detail, number=period.number))
        elif period.status == report_rules.Status.DRAFT:
            link = f"/rapports/{period.report_id}/modifier"
            items.append(Item("report_draft", subject, link, detail=detail, number=period.number))
        elif period.status == report_rules.Status.CHANGES_REQUESTED:
            link = f"/rapports/{period.report_id}/modifier"
            items.append(Item("report_changes", subject, link, detail=detail, number=period.number))
    return items


def _pledge_lines(
    found: _Found, envelope_id: int, *, lieu: int | None = None, org: int | None = None
) -> tuple[PledgeLine, ...]:
    return tuple(
        PledgeLine(p.challenge, found.titles.get(p.challenge, ""), p.source, p.amount_cents)
        for p in found.pledges
        if p.envelope == envelope_id and (p.lieu == lieu if lieu else p.org == org)
    )


def _lieu_envelopes(scope: Scope, found: _Found, lieu_id: int) -> list[EnvelopeLine]:
    """The envelopes in funding the lieu takes part in, with its drawing rights (the engine's
    split of the amount by every lieu's weight) less its drawing-right pledges."""
    lines = []
    for dated in found.envelopes:
        shares = found.rights.get(dated.row.id, {})
        if dated.phase is not lifecycle.Phase.FUNDING or lieu_id not in shares:
            continue
        pledges = _pledge_lines(found, dated.row.id, lieu=lieu_id)
        rights = left = None
        if drawing_rights_allowed(dated.row.rule, dated.row.support):
            rights = shares[lieu_id]
            left = rights - sum(p.amount_cents for p in pledges if p.source == "drawing_rights")
        lines.append(_line(dated, rights_cents=rights, left_cents=left, pledges=pledges))
    return lines


def _line(dated: Dated, **extra: object) -> EnvelopeLine:
    return EnvelopeLine(
        id=dated.row.id,
        title=dated.row.title,
        phase=dated.phase.value,
        ends_at=dated.ends_at,
        amount_cents=dated.row.amount_cents,
        **extra,  # type: ignore[arg-type]
    )


def _org_group(scope: Scope, found: _Found, org_id: int) -> Group:
    name, network_id = scope.orgs[org_id]
    return Group(
        kind="org",
        id=org_id,
        name=name,
        slug="",
        network_name=scope.networks[network_id].name if network_id in scope.networks else "",
        envelopes=tuple(
            _line(dated, pledges=_pledge_lines(found, dated.row.id, org=org_id))
            for dated in found.envelopes
            if dated.row.network == network_id and dated.phase is lifecycle.Phase.FUNDING
        ),
    )


def _network_group(scope: Scope, found: _Found, network_id: int, moment: dt.datetime) -> Group:
    network = scope.networks[network_id]
    items: list[Item] = []
    for j in found.judged:
        if j.row.network_id != network_id:
            continue
        title = found.titles.get(j.row.challenge, "")
        link = _challenge_link(j.row.challenge)
        if j.outcome is consent.Outcome.NO_QUORUM and j.row.version == j.row.current_version:
            items.append(Item("no_quorum", title, link, j.round.closes_at))
        elif j.outcome is not consent.Outcome.OPEN and j.row.current_version > j.row.version:
            items.append(Item("new_version", title, link))
    items += [
        Item(
            "review",
            found.titles.get(r.challenge, ""),
            f"/rapports/{r.id}",
            detail=r.envelope_title,
            number=r.period,
        )
        for r in found.reports
        if r.network == network_id and r.status == report_rules.Status.PUBLISHED
    ]
    envelopes = [dated for dated in found.envelopes if dated.row.network == network_id]
    for dated in envelopes:
        link = f"/enveloppes/{dated.row.id}"
        if dated.ends_at is not None and dated.ends_at - moment <= SOON:
            items.append(
                Item("phase_ends", dated.row.title, link, dated.ends_at, detail=dated.phase.value)
            )
        elif dated.phase is lifecycle.Phase.CLOSED:
            items.append(Item("settle", dated.row.title, link))
    items += [
        Item(
            "invitation",
            invitation.lieu_name or invitation.org_name or invitation.email,
            f"/reseaux/{network.slug}/gerer#invitations",
            invitation.expires_at,
            detail=invitation.kind,
        )
        for invitation in found.invitations
        if invitation.network == network_id
    ]
    return Group(
        kind="network",
        id=network_id,
        name=network.name,
        slug=network.slug,
        items=_sorted(items),
        envelopes=tuple(_line(dated) for dated in envelopes),
    )
