"""What waits for a person, group by group (issue 16): the items of a lieu, an organisation
and a coordinated network, built from what `queries/my_space.py` read, with the pure rules
(`domain.consent`, `domain.lifecycle`, `domain.reports`). An item belongs to one group: a
challenge that several of the person's lieux propose is listed under one of them only
(`Found.owner`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec

from cobudget.domain import consent, lifecycle
from cobudget.domain import reports as report_rules
from cobudget.domain.pledges import drawing_rights_allowed
from cobudget.services.queries import my_space_reads as reads
from cobudget.services.queries.latest_rounds import Judged
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


class Found(msgspec.Struct):
    """Everything read for a home, for the group builders."""

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


def _sorted(items: Iterable[Item]) -> tuple[Item, ...]:
    """Each item once, the nearest deadline first, those without one last."""
    unique = {(item.kind, item.link, item.detail): item for item in items}
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return tuple(
        sorted(unique.values(), key=lambda item: (item.deadline or far, item.kind, item.link))
    )


def _challenge_link(challenge_id: int) -> str:
    return f"/defis/{challenge_id}#tour"


def lieu_group(scope: Scope, found: Found, lieu_id: int, moment: dt.datetime) -> Group:
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


def _reports_due(found: Found, lieu_id: int) -> list[Item]:
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
    found: Found, envelope_id: int, *, lieu: int | None = None, org: int | None = None
) -> tuple[PledgeLine, ...]:
    return tuple(
        PledgeLine(p.challenge, found.titles.get(p.challenge, ""), p.source, p.amount_cents)
        for p in found.pledges
        if p.envelope == envelope_id and (p.lieu == lieu if lieu else p.org == org)
    )


def _lieu_envelopes(scope: Scope, found: Found, lieu_id: int) -> list[EnvelopeLine]:
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


def _line(
    dated: Dated,
    *,
    rights_cents: int | None = None,
    left_cents: int | None = None,
    pledges: tuple[PledgeLine, ...] = (),
) -> EnvelopeLine:
    return EnvelopeLine(
        id=dated.row.id,
        title=dated.row.title,
        phase=dated.phase.value,
        ends_at=dated.ends_at,
        amount_cents=dated.row.amount_cents,
        rights_cents=rights_cents,
        left_cents=left_cents,
        pledges=pledges,
    )


def org_group(scope: Scope, found: Found, org_id: int) -> Group:
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


def network_group(scope: Scope, found: Found, network_id: int, moment: dt.datetime) -> Group:
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
