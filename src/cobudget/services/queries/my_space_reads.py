"""The reads behind a person's home (`queries/my_space.py`) that depend on who reads, each one
statement batched over every unit the person acts for (what every reader sees alike is in
`queries/latest_rounds.py`).

One query per kind of thing (who the person is and what they act for, envelopes, drawing
rights, pledges, questions, reports, settlements, invitations), never one per lieu, round or
envelope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec
from piccolo.columns.combination import Or, Where

from cobudget.db.rows import fetch, typed
from cobudget.db.tables import (
    Envelope,
    EnvelopeLieu,
    Invitation,
    Pledge,
    Report,
    RoundQuestion,
    SettlementRecord,
    User,
)
from cobudget.domain import lifecycle
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Actor
from cobudget.engine import canonical
from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.types import Lieu as EngineLieu
from cobudget.services.envelopes import EnvelopeRow, calendar_of
from cobudget.services.kept_reads import kept

# --- who the person is and what they act for: one statement --------------------------------

# One row per fact: the person, each lieu (flag: admin of it) and each network it belongs to,
# each network they belong to through a lieu, coordinate, or fund, each organisation (with its
# network).
_UNITS = """
WITH who AS (SELECT app_user.id AS id FROM app_user WHERE app_user.id = {user}),
nets AS (
  SELECT coordinator.network AS id FROM coordinator JOIN who ON coordinator."user" = who.id
  UNION SELECT network_lieu.network FROM network_lieu
    JOIN membership ON membership.lieu = network_lieu.lieu JOIN who ON membership."user" = who.id
  UNION SELECT cofunding_org.network FROM cofunding_org
    JOIN cofunder_person ON cofunder_person.org = cofunding_org.id
    JOIN who ON cofunder_person."user" = who.id
)
SELECT 'user' AS kind, app_user.id AS id, app_user.name AS name, app_user.email AS slug,
       app_user.is_site_admin AS flag, 0 AS network
  FROM app_user JOIN who ON app_user.id = who.id
UNION ALL
SELECT 'lieu', lieu.id, lieu.name, lieu.slug, membership.is_admin, 0
  FROM membership JOIN lieu ON lieu.id = membership.lieu JOIN who ON membership."user" = who.id
UNION ALL
SELECT 'network', network.id, network.name, network.slug, FALSE, network.id
  FROM network JOIN nets ON nets.id = network.id
UNION ALL
SELECT 'lieu_network', network_lieu.lieu, '', '', FALSE, network_lieu.network
  FROM network_lieu JOIN membership ON membership.lieu = network_lieu.lieu
  JOIN who ON membership."user" = who.id
UNION ALL
SELECT 'org', cofunding_org.id, cofunding_org.name, '', FALSE, cofunding_org.network
  FROM cofunder_person JOIN cofunding_org ON cofunding_org.id = cofunder_person.org
  JOIN who ON cofunder_person."user" = who.id
"""


class Fact(msgspec.Struct, frozen=True):
    kind: str
    id: int
    name: str
    slug: str
    flag: bool
    network: int


class Named(msgspec.Struct, frozen=True):
    id: int
    name: str
    slug: str


@dataclass
class Scope:
    """What the person acts for."""

    lieux: dict[int, tuple[str, str, bool]]  # id → (name, slug, admin)
    orgs: dict[int, tuple[str, int]]  # id → (name, network)
    networks: dict[int, Named]
    member_networks: frozenset[int]  # the networks of the person's lieux
    coordinated: frozenset[int]


async def read_scope(actor: Actor) -> tuple[Fact, Scope]:
    facts = typed(await User.raw(_UNITS.replace("{user}", str(int(actor.user_id or 0)))), Fact)
    person = next((fact for fact in facts if fact.kind == "user"), None)
    if person is None:
        raise NotFound("user", actor.user_id)
    networks = {f.id: Named(f.id, f.name, f.slug) for f in facts if f.kind == "network"}
    ordered = sorted(facts, key=_by_name)
    return person, Scope(
        lieux={f.id: (f.name, f.slug, f.flag) for f in ordered if f.kind == "lieu"},
        orgs={f.id: (f.name, f.network) for f in ordered if f.kind == "org"},
        networks=networks,
        member_networks=frozenset(f.network for f in facts if f.kind == "lieu_network"),
        coordinated=frozenset(actor.coordinator_of) & frozenset(networks),
    )


def _by_name(fact: Fact) -> tuple[str, int]:
    return fact.name.casefold(), fact.id


# --- envelopes, drawing rights and pledges ---------------------------------------------------


@dataclass(frozen=True)
class Dated:
    row: EnvelopeRow
    phase: lifecycle.Phase
    ends_at: dt.datetime | None


async def envelopes(network_ids: Iterable[int], moment: dt.datetime) -> list[Dated]:
    rows = await fetch(
        Envelope.select(*(getattr(Envelope, name) for name in EnvelopeRow.__struct_fields__))
        .where(Envelope.network.is_in(sorted(set(network_ids)) or [0]))
        .order_by(Envelope.id, ascending=False),
        EnvelopeRow,
    )
    dated = []
    for row in rows:
        calendar = calendar_of(row)
        dated.append(
            Dated(
                row,
                lifecycle.current_phase(calendar, moment),
                lifecycle.phase_ends_at(calendar, moment),
            )
        )
    return dated


class WeightRow(msgspec.Struct, frozen=True):
    envelope: int
    lieu: int
    weight: int
    amount_cents: int


class PledgeRow(msgspec.Struct, frozen=True):
    envelope: int
    challenge: int
    lieu: int | None
    org: int | None
    source: str
    amount_cents: int


async def rights(envelope_ids: list[int]) -> dict[int, dict[int, int]]:
    """Envelope → lieu taking part → its drawing rights: the engine's split of the
    amount by every lieu's weight (largest remainder), the same for every reader, so kept by
    data version; no projection is built. One query when read."""
    key = tuple(sorted(envelope_ids))
    return await kept(("drawing-rights", key), lambda: _rights(key))


async def _rights(envelope_ids: tuple[int, ...]) -> dict[int, dict[int, int]]:
    rows = await fetch(
        EnvelopeLieu.select(
            EnvelopeLieu.envelope,
            EnvelopeLieu.lieu,
            EnvelopeLieu.weight,
            EnvelopeLieu.envelope.amount_cents.as_alias("amount_cents"),
        ).where(EnvelopeLieu.envelope.is_in(list(envelope_ids) or [0])),
        WeightRow,
    )
    by_envelope: dict[int, list[WeightRow]] = {}
    for row in rows:
        by_envelope.setdefault(row.envelope, []).append(row)
    return {
        envelope: drawing_rights(
            lieux[0].amount_cents, [EngineLieu(id=w.lieu, weight=w.weight) for w in lieux]
        )
        if any(w.weight for w in lieux)
        else {w.lieu: 0 for w in lieux}  # no weight: nobody has drawing rights
        for envelope, lieux in by_envelope.items()
    }


async def pledges(envelope_ids: list[int], scope: Scope) -> list[PledgeRow]:
    """The pledges of the person's lieux and organisations in these envelopes. Only the units
    they have are asked for: a condition on lieux alone lets the database go by the pledges'
    index on lieu instead of reading every pledge of a large envelope."""
    if not scope.orgs:
        units: Where | Or = Pledge.lieu.is_in(sorted(scope.lieux) or [0])
    elif not scope.lieux:
        units = Pledge.org.is_in(sorted(scope.orgs))
    else:
        units = Pledge.lieu.is_in(sorted(scope.lieux)) | Pledge.org.is_in(sorted(scope.orgs))
    return await fetch(
        Pledge.select(
            Pledge.envelope,
            Pledge.challenge,
            Pledge.lieu,
            Pledge.org,
            Pledge.source,
            Pledge.amount_cents,
        )
        .where(Pledge.envelope.is_in(envelope_ids or [0]))
        .where(Pledge.amount_cents > 0)
        .where(units)
        .order_by(Pledge.id),
        PledgeRow,
    )


# --- questions, reports, settlements (alike for every reader), invitations ----------------


class QuestionRow(msgspec.Struct, frozen=True):
    id: int
    round: int
    text: str
    challenge: int = msgspec.field(name="round.challenge")
    deadline: dt.datetime = msgspec.field(name="round.deadline")


class ReportRow(msgspec.Struct, frozen=True):
    id: int
    envelope: int
    challenge: int
    period: int
    status: str
    network: int = msgspec.field(name="envelope.network")
    envelope_title: str = msgspec.field(name="envelope.title")


class _Settlement(msgspec.Struct, frozen=True):
    envelope: int
    settlement: str


def _key(network_ids: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(network_ids)))


async def questions(network_ids: Iterable[int]) -> tuple[QuestionRow, ...]:
    """The networks' questions not answered yet, in every round: the same for every reader,
    so kept by data version (`services/kept_reads.py`). One query when read."""
    key = _key(network_ids)
    return await kept(("open-questions", key), lambda: _questions(key))


async def _questions(network_ids: tuple[int, ...]) -> tuple[QuestionRow, ...]:
    rows = await fetch(
        RoundQuestion.select(
            RoundQuestion.id,
            RoundQuestion.round,
            RoundQuestion.text,
            RoundQuestion.round.challenge,
            RoundQuestion.round.deadline,
        )
        .where(RoundQuestion.round._.challenge._.network.is_in(list(network_ids) or [0]))
        .where(RoundQuestion.answer == "")
        .order_by(RoundQuestion.id),
        QuestionRow,
    )
    return tuple(rows)


async def reports(network_ids: Iterable[int]) -> tuple[ReportRow, ...]:
    """Every report of the networks' envelopes (a period follows from all of them), kept by
    data version. One query when read."""
    key = _key(network_ids)
    return await kept(("network-reports", key), lambda: _reports(key))


async def _reports(network_ids: tuple[int, ...]) -> tuple[ReportRow, ...]:
    rows = await fetch(
        Report.select(
            Report.id,
            Report.envelope,
            Report.challenge,
            Report.period,
            Report.status,
            Report.envelope.network,
            Report.envelope.title,
        )
        .where(Report.envelope.network.is_in(list(network_ids) or [0]))
        .order_by(Report.id),
        ReportRow,
    )
    return tuple(rows)


async def funded(network_ids: Iterable[int]) -> frozenset[tuple[int, int]]:
    """(envelope, challenge) for each challenge the networks' settled envelopes funded: one
    query, the published settlements decoded once per data version."""
    key = _key(network_ids)
    return await kept(("funded-challenges", key), lambda: _funded(key))


async def _funded(network_ids: tuple[int, ...]) -> frozenset[tuple[int, int]]:
    rows = await fetch(
        SettlementRecord.select(SettlementRecord.envelope, SettlementRecord.settlement).where(
            SettlementRecord.envelope.network.is_in(list(network_ids) or [0])
        ),
        _Settlement,
    )
    return frozenset(
        (row.envelope, challenge.challenge_id)
        for row in rows
        for challenge in canonical.decode_settlement(row.settlement.encode()).challenges
        if challenge.funded
    )


class InvitationRow(msgspec.Struct, frozen=True):
    id: int
    network: int
    kind: str
    email: str
    expires_at: dt.datetime
    lieu_name: str | None = msgspec.field(name="lieu.name")
    org_name: str | None = msgspec.field(name="org.name")


async def invitations(network_ids: Iterable[int], moment: dt.datetime) -> list[InvitationRow]:
    """Invitations not accepted yet and still valid, in the networks coordinated: a lieu
    waiting for its first person, a co-funder, a coordinator."""
    return await fetch(
        Invitation.select(
            Invitation.id,
            Invitation.network,
            Invitation.kind,
            Invitation.email,
            Invitation.expires_at,
            Invitation.lieu.name,
            Invitation.org.name,
        )
        .where(Invitation.network.is_in(sorted(network_ids) or [0]))
        .where(Invitation.accepted_at.is_null())
        .where(Invitation.expires_at > moment)
        .order_by(Invitation.expires_at),
        InvitationRow,
    )
