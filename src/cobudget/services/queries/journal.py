"""The coordinators' journal of a network (issue 18): one page of its audit entries, filtered by
kind, person and dates, with every name the entries point to and the people who appear in it.

A page reads a fixed number of times, however many entries it shows and whatever they name
(issue 15): the entries (one query), whether some are hidden pledges (one or two), what the
rounds, comments and reports named belong to (one), then every name at once (one): lieux,
co-funders, people, envelopes, challenges, needs, and the people of the filter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import msgspec

from cobudget.db.rows import fetch
from cobudget.db.tables import AuditEntry, Envelope, Pledge
from cobudget.domain import lifecycle
from cobudget.domain.audit_records import COMMENT, DISCUSSION, REPORT, ROUND, Names, Record, wanted
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.services.clock import now
from cobudget.services.envelopes import EnvelopeCalendar, calendar_of
from cobudget.services.queries.person_names import FORMER_MEMBER, shown_name

PAGE_SIZE = 50
MAX_PAGE = 10_000


@dataclass(frozen=True)
class JournalQuery:
    """What the page asks for: `kinds` empty for every kind; moments in UTC, `until` excluded."""

    kinds: tuple[str, ...] = ()
    user_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    page: int = 1


class JournalLine(msgspec.Struct, frozen=True):
    id: int
    at: dt.datetime
    actor_name: str | None  # « ancien membre » for a deleted account (queries/person_names.py)
    action: str
    entity: str
    entity_id: int | None
    before: object
    after: object
    masked: bool = False  # a pledge or support of an envelope whose pledges are hidden
    former_member: bool = False

    def record(self) -> Record:
        return Record(self.action, self.entity, self.entity_id, self.before, self.after)


class Person(msgspec.Struct, frozen=True):
    id: int
    name: str


@dataclass(frozen=True)
class JournalPage:
    lines: list[JournalLine]
    names: Names
    people: list[Person]  # who appears in the network's journal, for the filter
    has_next: bool


class _Row(msgspec.Struct, frozen=True):
    id: int
    at: dt.datetime
    actor_name: str | None
    actor_deleted_at: dt.datetime | None
    action: str
    entity: str
    entity_id: int | None
    before: object
    after: object


async def journal(actor: Actor, network_id: int, query: JournalQuery) -> JournalPage:
    require(actor, Action.NETWORK_MANAGE, Target(network_id=network_id))
    select = AuditEntry.select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor.name.as_alias("actor_name"),
        AuditEntry.actor.deleted_at.as_alias("actor_deleted_at"),
        AuditEntry.action,
        AuditEntry.entity,
        AuditEntry.entity_id,
        AuditEntry.before,
        AuditEntry.after,
    ).where(AuditEntry.network == network_id)
    if query.kinds:
        select = select.where(AuditEntry.action.is_in(list(query.kinds)))
    if query.user_id is not None:
        select = select.where(AuditEntry.actor == query.user_id)
    if query.since is not None:
        select = select.where(AuditEntry.at >= query.since)
    if query.until is not None:
        select = select.where(AuditEntry.at < query.until)
    rows = await fetch(
        select.order_by(AuditEntry.id, ascending=False)
        .offset((query.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
        .output(load_json=True),
        _Row,
    )
    has_next, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    masked = await _masked_entries(network_id, rows)
    lines = [
        JournalLine(
            id=r.id,
            at=r.at,
            actor_name=shown_name(r.actor_name, r.actor_deleted_at) or None,
            former_member=r.actor_deleted_at is not None,
            action=r.action,
            entity=r.entity,
            entity_id=None if r.id in masked else r.entity_id,
            before=None if r.id in masked else r.before,
            after=None if r.id in masked else r.after,
            masked=r.id in masked,
        )
        for r in rows
    ]
    names, people = await _names(network_id, [line.record() for line in lines if not line.masked])
    return JournalPage(lines=lines, names=names, people=people, has_next=has_next)


class _EnvelopeCalendar(EnvelopeCalendar, frozen=True):
    id: int
    hide_pledges: bool


class _PledgeEnvelope(msgspec.Struct, frozen=True):
    id: int
    envelope: int


async def _masked_entries(network_id: int, rows: list[_Row]) -> set[int]:
    """The entries (by id) that tell a unit's pledge or support in an envelope whose pledges
    are hidden now (SPEC §4): nobody reads them before the close, coordinators included;
    afterwards they show as usual. Two queries, whatever the number of entries."""
    moment = now()
    fields = tuple(_EnvelopeCalendar.__struct_fields__)
    envelopes = await fetch(
        Envelope.select(*(getattr(Envelope, name).as_alias(name) for name in fields)).where(
            Envelope.network == network_id
        ),
        _EnvelopeCalendar,
    )
    hidden = {
        e.id
        for e in envelopes
        if lifecycle.pledges_hidden(e.hide_pledges, lifecycle.current_phase(calendar_of(e), moment))
    }
    if not hidden:
        return set()
    pledge_ids = [r.entity_id for r in rows if r.entity == "pledge" and r.entity_id]
    envelope_of_pledge = {
        p.id: p.envelope
        for p in await fetch(
            Pledge.select(Pledge.id, Pledge.envelope).where(Pledge.id.is_in(pledge_ids or [0])),
            _PledgeEnvelope,
        )
    }
    masked = set()
    for r in rows:
        if r.action.startswith("pledge."):
            envelope = envelope_of_pledge.get(r.entity_id or 0)
        elif r.action.startswith("support."):
            envelope = r.entity_id
        else:
            continue
        if envelope in hidden:
            masked.add(r.id)
    return masked


class _Named(msgspec.Struct, frozen=True):
    kind: str
    id: int
    name: str | None
    extra: int  # a report's period; 1 for a deleted account


def _in(ids: set[int]) -> tuple[str, list[int]]:
    """`{}, {}, {}` and the ids, for an `IN (…)` of a raw query (never empty: id 0 is none)."""
    values = sorted(ids) or [0]
    return ", ".join("{}" for _ in values), values


async def _union(branches: list[tuple[str, list[object]]]) -> list[_Named]:
    """One query of several `SELECT kind, id, name, extra` joined by UNION ALL."""
    sql = " UNION ALL ".join(branch for branch, _args in branches)
    args = [arg for _branch, values in branches for arg in values]
    return await fetch(AuditEntry.raw(sql, *args), _Named)


async def _names(network_id: int, records: list[Record]) -> tuple[Names, list[Person]]:
    """Every name the records point to, and the people of the network's journal: two queries,
    what rounds, comments and reports belong to first (their challenges' titles come next)."""
    want = wanted(records)

    def anchored(kind: str) -> tuple[str, list[int]]:
        return _in({ident for of, ident in want.anchors if of == kind})

    rounds, comments, discussions, reports = (
        anchored(kind) for kind in (ROUND, COMMENT, DISCUSSION, REPORT)
    )
    anchors = await _union(
        [
            (
                f"SELECT '{ROUND}' AS kind, id, NULL AS name, challenge AS extra FROM consent_round"
                f" WHERE id IN ({rounds[0]})",
                [*rounds[1]],
            ),
            (
                f"SELECT '{COMMENT}', c.id, NULL, r.challenge FROM round_comment c"
                f" JOIN consent_round r ON r.id = c.round WHERE c.id IN ({comments[0]})",
                [*comments[1]],
            ),
            (
                f"SELECT '{DISCUSSION}', id, NULL, challenge FROM discussion_comment"
                f" WHERE id IN ({discussions[0]})",
                [*discussions[1]],
            ),
            (
                f"SELECT '{REPORT}', id, CAST(period AS TEXT), challenge FROM report"
                f" WHERE id IN ({reports[0]})",
                [*reports[1]],
            ),
        ]
    )
    challenges = want.challenges | {a.extra for a in anchors}
    branches = [
        ("SELECT 'lieu' AS kind, id, name, 0 AS extra FROM lieu WHERE id IN ({})", want.lieux),
        ("SELECT 'org', id, name, 0 FROM cofunding_org WHERE id IN ({})", want.orgs),
        (
            "SELECT 'user', id, name, CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END"
            " FROM app_user WHERE id IN ({})",
            want.users,
        ),
        ("SELECT 'envelope', id, title, 0 FROM envelope WHERE id IN ({})", want.envelopes),
        ("SELECT 'need', id, title, 0 FROM need WHERE id IN ({})", want.needs),
        (
            "SELECT 'challenge', v.challenge, v.title, 0 FROM challenge_version v"
            " JOIN challenge c ON c.id = v.challenge WHERE v.challenge IN ({})"
            " AND v.number = CASE WHEN c.current_version > 0 THEN c.current_version ELSE 1 END",
            challenges,
        ),
    ]
    parts: list[tuple[str, list[object]]] = []
    for sql, ids in branches:
        placeholders, values = _in(ids)
        parts.append((sql.replace("{}", placeholders), [*values]))
    parts.append(
        (
            "SELECT DISTINCT 'actor', u.id, u.name,"
            " CASE WHEN u.deleted_at IS NULL THEN 0 ELSE 1 END"
            " FROM audit_entry a JOIN app_user u ON u.id = a.actor WHERE a.network = {}",
            [network_id],
        )
    )
    found: dict[str, dict[int, str]] = {}
    people = []
    for row in await _union(parts):
        name = FORMER_MEMBER if row.kind in ("user", "actor") and row.extra else row.name or ""
        if row.kind == "actor":
            people.append(Person(row.id, name))
        else:
            found.setdefault(row.kind, {})[row.id] = name
    names = Names(
        lieux=found.get("lieu", {}),
        orgs=found.get("org", {}),
        users=found.get("user", {}),
        envelopes=found.get("envelope", {}),
        challenges=found.get("challenge", {}),
        needs=found.get("need", {}),
        anchors={(a.kind, a.id): a.extra for a in anchors},
        periods={a.id: int(a.name or 1) for a in anchors if a.kind == REPORT},
    )
    return names, sorted(people, key=lambda p: (p.name.casefold(), p.id))
