"""The reads behind a person's home (`queries/my_space.py`), each one statement batched over
every unit the person acts for.

Read in a fixed number of queries whatever the data: one per kind of thing (who the person
is and what they act for, envelopes, drawing-right weights, pledges, latest rounds, their
positions, co-proposers, the networks' lieux, questions, reports, settlements, invitations,
titles), each batched over every unit at once, never one per lieu, round or envelope. A role
the person does not hold skips the reads only it needs, so the count depends on the roles,
never on the data. The decisions are the pure rules' (`domain.consent`, `domain.lifecycle`,
`domain.reports`, the engine's drawing rights), applied to what was read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from cobudget.db.rows import fetch, typed
from cobudget.db.tables import (
    ChallengeVersion,
    CoProposer,
    Envelope,
    EnvelopeLieu,
    Invitation,
    Pledge,
    Report,
    RoundPosition,
    RoundQuestion,
    SettlementRecord,
    User,
)
from cobudget.domain import consent, lifecycle
from cobudget.domain import reports as report_rules
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Actor
from cobudget.engine import canonical
from cobudget.services.envelopes import EnvelopeCalendar, calendar_of
from cobudget.services.kept_reads import kept
from cobudget.services.rounds import PositionRow, StoredRound, pure_position, pure_round

# --- who the person is and what they act for: one statement --------------------------------

# One row per fact: the person, each lieu (flag: admin of it), each network they belong to
# through a lieu, coordinate, or fund (with its lieux as `network_lieu` rows, for the rounds'
# rules), each organisation (with its network).
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
SELECT 'network_lieu', network_lieu.lieu, '', '', FALSE, network_lieu.network
  FROM network_lieu JOIN nets ON nets.id = network_lieu.network
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
    """What the person acts for, and what each read found; filled read after read."""

    lieux: dict[int, tuple[str, str, bool]]  # id → (name, slug, admin)
    orgs: dict[int, tuple[str, int]]  # id → (name, network)
    networks: dict[int, Named]
    network_lieux: dict[int, set[int]]  # network → its lieux
    coordinated: frozenset[int]

    def lieu_networks(self, lieu_id: int) -> set[int]:
        return {n for n, members in self.network_lieux.items() if lieu_id in members}

    @property
    def member_networks(self) -> set[int]:
        return {n for lieu in self.lieux for n in self.lieu_networks(lieu)}


def _ids(values: Iterable[int]) -> str:
    """Integer ids written into a statement (never text): `0` for none, which matches no row."""
    return ", ".join(str(int(value)) for value in sorted(set(values))) or "0"


async def read_scope(actor: Actor) -> tuple[Fact, Scope]:
    facts = typed(await User.raw(_UNITS.replace("{user}", str(int(actor.user_id or 0)))), Fact)
    person = next((fact for fact in facts if fact.kind == "user"), None)
    if person is None:
        raise NotFound("user", actor.user_id)
    network_lieux: dict[int, set[int]] = {}
    for fact in facts:
        if fact.kind == "network_lieu":
            network_lieux.setdefault(fact.network, set()).add(fact.id)
    networks = {f.id: Named(f.id, f.name, f.slug) for f in facts if f.kind == "network"}
    ordered = sorted(facts, key=_by_name)
    return person, Scope(
        lieux={f.id: (f.name, f.slug, f.flag) for f in ordered if f.kind == "lieu"},
        orgs={f.id: (f.name, f.network) for f in ordered if f.kind == "org"},
        networks=networks,
        network_lieux=network_lieux,
        coordinated=frozenset(actor.coordinator_of) & frozenset(networks),
    )


def _by_name(fact: Fact) -> tuple[str, int]:
    return fact.name.casefold(), fact.id


# --- envelopes, drawing rights and pledges ---------------------------------------------------


class EnvelopeRow(EnvelopeCalendar, frozen=True):
    id: int
    network: int
    title: str
    amount_cents: int
    rule: str
    support: str


def _phase_end(calendar: lifecycle.Calendar, phase: lifecycle.Phase) -> dt.datetime | None:
    """When the envelope's current phase ends, for the phases that end on a date."""
    return {
        lifecycle.Phase.PROPOSALS: calendar.diagnosis_from,
        lifecycle.Phase.DIAGNOSIS: calendar.funding_from,
        lifecycle.Phase.FUNDING: calendar.funding_until,
    }.get(phase)


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
        phase = lifecycle.current_phase(calendar, moment)
        dated.append(Dated(row, phase, _phase_end(calendar, phase)))
    return dated


class WeightRow(msgspec.Struct, frozen=True):
    envelope: int
    lieu: int
    weight: int


class PledgeRow(msgspec.Struct, frozen=True):
    envelope: int
    challenge: int
    lieu: int | None
    org: int | None
    source: str
    amount_cents: int


async def weights(envelope_ids: list[int]) -> dict[int, list[WeightRow]]:
    """Every lieu's weight in these envelopes: a lieu's drawing rights depend on all of them
    (largest remainder), computed here by the engine's own function, not by the projection."""
    rows = await fetch(
        EnvelopeLieu.select(EnvelopeLieu.envelope, EnvelopeLieu.lieu, EnvelopeLieu.weight).where(
            EnvelopeLieu.envelope.is_in(envelope_ids or [0])
        ),
        WeightRow,
    )
    by_envelope: dict[int, list[WeightRow]] = {}
    for row in rows:
        by_envelope.setdefault(row.envelope, []).append(row)
    return by_envelope


async def pledges(envelope_ids: list[int], scope: Scope) -> list[PledgeRow]:
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
        .where(
            Pledge.lieu.is_in(sorted(scope.lieux) or [0])
            | Pledge.org.is_in(sorted(scope.orgs) or [0])
        )
        .order_by(Pledge.id),
        PledgeRow,
    )


# --- rounds ----------------------------------------------------------------------------------

# The latest round of each challenge that concerns the person: open in a network of their
# lieux (a position to take), of a challenge their lieux propose (questions, objections), or
# decided in a network they coordinate (what to reopen). A challenge has at most one round
# undecided, its latest, so the latest rounds are all the rules need.
_ROUNDS = """
SELECT r.id, r.version, r.opened_at, r.deadline, r.quorum, r.closed_at, r.challenge,
       c.network AS network_id, c.lieu AS proposer_id, c.current_version AS current_version
  FROM consent_round r JOIN challenge c ON c.id = r.challenge
 WHERE r.id = (SELECT MAX(r2.id) FROM consent_round r2 WHERE r2.challenge = r.challenge)
   AND ((c.network IN ({member_networks}) AND r.closed_at IS NULL
         AND r.opened_at <= {moment} AND r.deadline > {moment})
     OR c.lieu IN ({lieux})
     OR c.id IN (SELECT cp.challenge FROM co_proposer cp
                  WHERE cp.lieu IN ({lieux}) AND cp.accepted_at IS NOT NULL)
     OR (c.network IN ({coordinated}) AND (r.closed_at IS NOT NULL OR r.deadline <= {moment})))
 ORDER BY r.deadline, r.id
"""


class RoundRow(StoredRound, frozen=True):
    challenge: int
    network_id: int
    proposer_id: int
    current_version: int


class CoProposerRow(msgspec.Struct, frozen=True):
    challenge: int
    lieu: int
    accepted_at: dt.datetime | None


@dataclass(frozen=True)
class Judged:
    """A latest round, its standing positions, its outcome, and its challenge's proposers."""

    row: RoundRow
    round: consent.Round
    standing: dict[int, consent.Position]
    outcome: consent.Outcome
    proposers: frozenset[int]


async def rounds(scope: Scope, moment: dt.datetime) -> tuple[list[Judged], list[CoProposerRow]]:
    """The latest rounds that concern the person, judged by the consent rules, and the
    co-proposals of their lieux (answered or not). Three queries."""
    sql = (
        _ROUNDS.replace("{member_networks}", _ids(scope.member_networks))
        .replace("{lieux}", _ids(scope.lieux))
        .replace("{coordinated}", _ids(scope.coordinated))
        .replace("{moment}", "{}")
    )
    rows = typed(await User.raw(sql, *([moment] * sql.count("{}"))), RoundRow)
    ids = [row.id for row in rows]
    positions = await fetch(
        RoundPosition.select(
            RoundPosition.id,
            RoundPosition.round,
            RoundPosition.lieu,
            RoundPosition.kind,
            RoundPosition.text,
            RoundPosition.criterion,
            RoundPosition.withdrawn,
            RoundPosition.taken_at,
        ).where(RoundPosition.round.is_in(ids or [0])),
        PositionRow,
    )
    co_proposers = await fetch(
        CoProposer.select(CoProposer.challenge, CoProposer.lieu, CoProposer.accepted_at).where(
            CoProposer.challenge.is_in(sorted({row.challenge for row in rows}) or [0])
            | CoProposer.lieu.is_in(sorted(scope.lieux) or [0])
        ),
        CoProposerRow,
    )
    accepted: dict[int, set[int]] = {}
    for cp in co_proposers:
        if cp.accepted_at is not None:
            accepted.setdefault(cp.challenge, set()).add(cp.lieu)
    by_round: dict[int, list[consent.Position]] = {row.id: [] for row in rows}
    for position in positions:
        by_round[position.round].append(pure_position(position))
    judged = []
    for row in rows:
        proposers = frozenset({row.proposer_id} | accepted.get(row.challenge, set()))
        pure = pure_round(row, proposers, frozenset(scope.network_lieux.get(row.network_id, set())))
        held = by_round[row.id]
        judged.append(
            Judged(
                row,
                pure,
                consent.standing_positions(pure, held),
                consent.round_outcome(pure, held, moment),
                proposers,
            )
        )
    return judged, co_proposers


# --- questions, reports, settlements, invitations, titles ------------------------------------


class QuestionRow(msgspec.Struct, frozen=True):
    id: int
    round: int
    text: str
    challenge: int = msgspec.field(name="round.challenge")
    deadline: dt.datetime = msgspec.field(name="round.deadline")


async def questions(challenge_ids: list[int]) -> list[QuestionRow]:
    """Questions on these challenges still waiting for their answer, in every round."""
    return await fetch(
        RoundQuestion.select(
            RoundQuestion.id,
            RoundQuestion.round,
            RoundQuestion.text,
            RoundQuestion.round.challenge,
            RoundQuestion.round.deadline,
        )
        .where(RoundQuestion.round.challenge.is_in(challenge_ids or [0]))
        .where(RoundQuestion.answer == "")
        .order_by(RoundQuestion.id),
        QuestionRow,
    )


class ReportRow(msgspec.Struct, frozen=True):
    id: int
    envelope: int
    challenge: int
    period: int
    status: str
    network: int = msgspec.field(name="envelope.network")
    envelope_title: str = msgspec.field(name="envelope.title")


async def reports(challenge_ids: list[int], coordinated: Iterable[int]) -> list[ReportRow]:
    """The reports of these challenges (to write, publish or amend), and the published ones
    awaiting review in the networks coordinated."""
    return await fetch(
        Report.select(
            Report.id,
            Report.envelope,
            Report.challenge,
            Report.period,
            Report.status,
            Report.envelope.network,
            Report.envelope.title,
        )
        .where(
            Report.challenge.is_in(challenge_ids or [0])
            | (
                Report.envelope.network.is_in(sorted(coordinated) or [0])
                & (Report.status == report_rules.Status.PUBLISHED.value)
            )
        )
        .order_by(Report.id),
        ReportRow,
    )


class _Settlement(msgspec.Struct, frozen=True):
    envelope: int
    settlement: str


async def funded(envelope_ids: list[int]) -> frozenset[tuple[int, int]]:
    """(envelope, challenge) for each challenge these settled envelopes funded: one query,
    the published settlements decoded once per data version (`services/kept_reads.py`)."""

    async def read() -> frozenset[tuple[int, int]]:
        rows = await fetch(
            SettlementRecord.select(SettlementRecord.envelope, SettlementRecord.settlement).where(
                SettlementRecord.envelope.is_in(envelope_ids or [0])
            ),
            _Settlement,
        )
        return frozenset(
            (row.envelope, challenge.challenge_id)
            for row in rows
            for challenge in canonical.decode_settlement(row.settlement.encode()).challenges
            if challenge.funded
        )

    return await kept(("funded-challenges", tuple(sorted(envelope_ids))), read)


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


class _Title(msgspec.Struct, frozen=True):
    challenge: int
    number: int
    title: str
    current_version: int = msgspec.field(name="challenge.current_version")


async def titles(challenge_ids: Iterable[int]) -> dict[int, str]:
    """The current title of each challenge (always one query, even for none)."""
    rows = await fetch(
        ChallengeVersion.select(
            ChallengeVersion.challenge,
            ChallengeVersion.number,
            ChallengeVersion.title,
            ChallengeVersion.challenge.current_version,
        ).where(ChallengeVersion.challenge.is_in(sorted(set(challenge_ids)) or [0])),
        _Title,
    )
    return {r.challenge: r.title for r in rows if r.number == max(r.current_version, 1)}
