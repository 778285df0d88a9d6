"""Reads behind the envelope pages: configuration, phase, and each lieu's drawing rights as the
engine computes them."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.db.rows import fetch
from cobudget.db.tables import ChallengeVersion, Envelope, EnvelopeLieu, Pledge
from cobudget.domain import lifecycle
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Action, Actor, Target, decide
from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.pabulib import pabulib_refusal
from cobudget.engine.types import Lieu as EngineLieu
from cobudget.services import envelope_inputs
from cobudget.services.clock import now
from cobudget.services.envelope_inputs import EnvelopeRecord
from cobudget.services.envelopes import calendar_of
from cobudget.services.kept_reads import kept
from cobudget.services.queries.networks import NetworkSummary, network_by_id, network_view


class EnvelopeLieuView(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    legal_form: str
    weight: int
    eligible: bool
    drawing_rights_cents: int


class EnvelopeView(msgspec.Struct, frozen=True):
    id: int
    network: NetworkSummary
    title: str
    amount_cents: int
    rule: str
    min_cofunders: int
    own_challenge_cap_pct: int
    support: str
    eligible_forms: list[str]
    quorum: int
    hide_pledges: bool
    phase: str
    proposals_from: dt.datetime
    diagnosis_from: dt.datetime
    funding_from: dt.datetime
    funding_until: dt.datetime
    diagnosis_during_funding: bool
    lieux: list[EnvelopeLieuView]
    can_manage: bool
    config_frozen: bool
    # Whether the pabulib export exists for it (`engine.pabulib.pabulib_refusal`): the link is
    # offered only then.
    pabulib_possible: bool

    @property
    def has_eligible_lieu(self) -> bool:
        """Whether a lieu of the envelope may receive its money: a draft without one is not
        opened, and its page says so (issue 17)."""
        return any(lieu.eligible for lieu in self.lieux)


class LieuChoice(msgspec.Struct, frozen=True):
    """A lieu the configuration form offers (issue 17): every lieu of the network, and a lieu of
    the envelope that has left it since; `weight` is its weight in the envelope, else in the
    network (what it would get if ticked)."""

    id: int
    name: str
    legal_form: str
    weight: int
    taking_part: bool


async def lieu_choices(network: NetworkSummary, view: EnvelopeView | None) -> list[LieuChoice]:
    """The lieux the configuration form offers, by name (no query of its own once the network
    and the envelope are read: both are kept)."""
    envelope_lieux = {lieu.id: lieu for lieu in view.lieux} if view is not None else {}
    network_lieux = (await network_view(network)).lieux
    choices = [
        LieuChoice(
            id=lieu.id,
            name=lieu.name,
            legal_form=lieu.legal_form,
            weight=envelope_lieux[lieu.id].weight if lieu.id in envelope_lieux else lieu.weight,
            taking_part=view is None or lieu.id in envelope_lieux,
        )
        for lieu in network_lieux
    ]
    known = {lieu.id for lieu in network_lieux}
    choices += [
        LieuChoice(lieu.id, lieu.name, lieu.legal_form, lieu.weight, taking_part=True)
        for lieu in envelope_lieux.values()
        if lieu.id not in known
    ]
    return sorted(choices, key=lambda choice: (choice.name, choice.id))


class EnvelopeSummary(msgspec.Struct, frozen=True):
    id: int
    title: str
    amount_cents: int
    rule: str
    phase: str


class _Link(msgspec.Struct, frozen=True):
    weight: int
    lieu_id: int = msgspec.field(name="lieu.id")
    slug: str = msgspec.field(name="lieu.slug")
    name: str = msgspec.field(name="lieu.name")
    legal_form: str = msgspec.field(name="lieu.legal_form")


async def envelope_page(actor: Actor, envelope_id: int) -> EnvelopeView:
    return await envelope_view(actor, await envelope_inputs.envelope(envelope_id))


async def envelope_view(actor: Actor, row: EnvelopeRecord) -> EnvelopeView:
    """The envelope as its pages show it to `actor`; NotFound for a draft to anyone but its
    coordinators."""
    network = await network_by_id(actor, row.network)
    can_manage = decide(actor, Action.ENVELOPE_MANAGE, Target(network_id=network.id)).allowed
    calendar = calendar_of(row)
    moment = now()
    phase = lifecycle.current_phase(calendar, moment)
    if phase is lifecycle.Phase.DRAFT and not can_manage:
        raise NotFound("envelope", row.id)  # a draft is its coordinators' only
    lieux, pabulib_possible = await kept(("envelope-lieux", row.id), lambda: _lieux(row))
    return EnvelopeView(
        id=row.id,
        network=network,
        title=row.title,
        amount_cents=row.amount_cents,
        rule=row.rule,
        min_cofunders=row.min_cofunders,
        own_challenge_cap_pct=row.own_challenge_cap_pct,
        support=row.support,
        eligible_forms=list(row.eligible_forms),
        quorum=row.quorum,
        hide_pledges=row.hide_pledges,
        phase=phase.value,
        proposals_from=calendar.proposals_from,
        diagnosis_from=calendar.diagnosis_from,
        funding_from=calendar.funding_from,
        funding_until=calendar.funding_until,
        diagnosis_during_funding=calendar.diagnosis_during_funding,
        lieux=list(lieux),
        can_manage=can_manage,
        config_frozen=lifecycle.config_is_frozen(calendar, moment),
        pabulib_possible=pabulib_possible,
    )


async def _lieux(row: EnvelopeRecord) -> tuple[tuple[EnvelopeLieuView, ...], bool]:
    """The envelope's lieux with their drawing rights, by name, and whether it can be written as
    a pabulib instance: the same for every reader, so kept (`services/kept_reads.py`)."""
    links = await fetch(
        EnvelopeLieu.select(
            EnvelopeLieu.weight,
            EnvelopeLieu.lieu.id,
            EnvelopeLieu.lieu.slug,
            EnvelopeLieu.lieu.name,
            EnvelopeLieu.lieu.legal_form,
        ).where(EnvelopeLieu.envelope == row.id),
        _Link,
    )
    rights = (
        drawing_rights(
            row.amount_cents,
            [EngineLieu(id=link.lieu_id, weight=link.weight) for link in links],
        )
        if any(link.weight for link in links)
        else {}
    )
    lieux = sorted(
        (
            EnvelopeLieuView(
                id=link.lieu_id,
                slug=link.slug,
                name=link.name,
                legal_form=link.legal_form,
                weight=link.weight,
                eligible=link.legal_form in row.eligible_forms,
                drawing_rights_cents=rights.get(link.lieu_id, 0),
            )
            for link in links
        ),
        key=lambda lieu: lieu.name,
    )
    possible = row.rule == "equal_shares" and pabulib_refusal(link.weight for link in links) is None
    return tuple(lieux), possible


async def network_envelopes(actor: Actor, network_id: int) -> list[EnvelopeSummary]:
    can_manage = decide(actor, Action.ENVELOPE_MANAGE, Target(network_id=network_id)).allowed
    rows = await fetch(
        Envelope.select()
        .where(Envelope.network == network_id)
        .order_by(Envelope.id, ascending=False)
        .output(load_json=True),
        EnvelopeRecord,
    )
    moment = now()
    summaries = []
    for row in rows:
        phase = lifecycle.current_phase(calendar_of(row), moment)
        if phase is lifecycle.Phase.DRAFT and not can_manage:
            continue
        summaries.append(
            EnvelopeSummary(
                id=row.id,
                title=row.title,
                amount_cents=row.amount_cents,
                rule=row.rule,
                phase=phase.value,
            )
        )
    return summaries


class ReleasedPledge(msgspec.Struct, frozen=True):
    """A pledge of one of the reader's lieux or organisations that another envelope released by
    funding its challenge (SPEC §4): the money is free again, and this says why."""

    unit_name: str
    challenge_id: int
    challenge_title: str
    source: str
    released_cents: int
    # None when the challenge was withdrawn by its proposers (issue 17), not funded elsewhere.
    funded_by_envelope_id: int | None
    funded_by_envelope_title: str


class _Released(msgspec.Struct, frozen=True):
    challenge: int
    source: str
    released_cents: int
    released_for: int | None
    released_for_title: str | None = msgspec.field(name="released_for.title")
    lieu_name: str | None = msgspec.field(name="lieu.name")
    org_name: str | None = msgspec.field(name="org.name")


async def released_pledges(actor: Actor, envelope_id: int) -> list[ReleasedPledge]:
    """The reader's released pledges in this envelope, in two queries; nobody else's (kept for
    readers of the same lieux and organisations: `services/kept_reads.py`)."""
    if not (actor.member_of or actor.cofunder_of):
        return []
    return list(
        await kept(
            ("released-pledges", envelope_id, actor.member_of, actor.cofunder_of),
            lambda: _released_pledges(actor, envelope_id),
        )
    )


async def _released_pledges(actor: Actor, envelope_id: int) -> tuple[ReleasedPledge, ...]:
    mine = Pledge.lieu.is_in(sorted(actor.member_of) or [0]) | Pledge.org.is_in(
        sorted(actor.cofunder_of) or [0]
    )
    rows = await fetch(
        Pledge.select(
            Pledge.challenge,
            Pledge.source,
            Pledge.released_cents,
            Pledge.released_for,
            Pledge.released_for.title,
            Pledge.lieu.name,
            Pledge.org.name,
        )
        .where(Pledge.envelope == envelope_id)
        .where(Pledge.released_cents > 0)
        .where(mine)
        .order_by(Pledge.id),
        _Released,
    )
    titles = await challenge_titles([r.challenge for r in rows])
    return tuple(
        ReleasedPledge(
            unit_name=r.lieu_name or r.org_name or "",
            challenge_id=r.challenge,
            challenge_title=titles.get(r.challenge, ""),
            source=r.source,
            released_cents=r.released_cents,
            funded_by_envelope_id=r.released_for,
            funded_by_envelope_title=r.released_for_title or "",
        )
        for r in rows
    )


class _Title(msgspec.Struct, frozen=True):
    challenge: int
    number: int
    title: str
    current_version: int = msgspec.field(name="challenge.current_version")


async def challenge_titles(challenge_ids: list[int]) -> dict[int, str]:
    """The current title of each challenge, in one query."""
    if not challenge_ids:
        return {}
    rows = await fetch(
        ChallengeVersion.select(
            ChallengeVersion.challenge,
            ChallengeVersion.number,
            ChallengeVersion.title,
            ChallengeVersion.challenge.current_version,
        ).where(ChallengeVersion.challenge.is_in(sorted(set(challenge_ids)))),
        _Title,
    )
    return {r.challenge: r.title for r in rows if r.number == r.current_version}
