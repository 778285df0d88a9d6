"""Envelopes (SPEC §4): a coordinator configures a draft, opens it, and moves its calendar.
The phase follows from the calendar (`domain.lifecycle`); every move is in the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from piccolo.querystring import QueryString

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import (
    CofunderPerson,
    Coordinator,
    Envelope,
    EnvelopeLieu,
    Membership,
    NetworkLieu,
)
from cobudget.db.transactions import for_update, write_transaction
from cobudget.domain import envelope_lieux, lifecycle
from cobudget.domain.challenges import check_euros
from cobudget.domain.errors import ConfirmationNeeded, InvalidInput, NotAllowed, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.domain.validation import Checker, LegalForm
from cobudget.services import audit, outbox, receipts
from cobudget.services.clock import now
from cobudget.settings import Settings

TIME_ZONE = "Europe/Paris"
RULES = ("cofunding", "equal_shares", "matching")
SUPPORTS = ("approval", "points", "pledges")
DEFAULT_ELIGIBLE = tuple(form.value for form in LegalForm if form is not LegalForm.SAS)


@dataclass(frozen=True)
class EnvelopeForm:
    """What the coordinator types; amounts in euros, dates as datetime-local (Paris time)."""

    title: str = ""
    amount: str = ""
    rule: str = "cofunding"
    min_cofunders: str = "2"
    own_challenge_cap_pct: str = "50"
    support: str = "approval"
    eligible_forms: tuple[str, ...] = DEFAULT_ELIGIBLE
    quorum: str = "3"
    hide_pledges: bool = False
    proposals_from: str = ""
    diagnosis_from: str = ""
    funding_from: str = ""
    funding_until: str = ""
    diagnosis_during_funding: bool = True
    weights: dict[int, str] = field(default_factory=dict)
    # The lieux ticked on the form (issue 17); None when the form does not choose them (the API,
    # an older form): the envelope keeps its lieux, at creation every lieu of the network.
    lieux: frozenset[int] | None = None


def _bounded_int(checker: Checker, name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        checker.fail(name, "not_a_whole_number")
        return low
    if not low <= number <= high:
        checker.fail(name, f"out_of_range:{low}:{high}")
    return number


def _check(
    form: EnvelopeForm, *, current: Mapping[int, int], network: Mapping[int, int]
) -> tuple[dict[str, object], dict[int, int]]:
    """The envelope's columns as checked, and its lieux with their weights once the form is
    applied (`domain.envelope_lieux`)."""
    checker = Checker()
    values: dict[str, object] = {
        "title": checker.text("title", form.title, max_length=200),
        "amount_cents": check_euros(checker, "amount", form.amount),
        "min_cofunders": _bounded_int(checker, "min_cofunders", form.min_cofunders, 0, 100),
        "own_challenge_cap_pct": _bounded_int(
            checker, "own_challenge_cap_pct", form.own_challenge_cap_pct, 0, 100
        ),
        "quorum": _bounded_int(checker, "quorum", form.quorum, 1, 100),
        "hide_pledges": form.hide_pledges,
        "diagnosis_during_funding": form.diagnosis_during_funding,
    }
    if form.rule not in RULES:
        checker.fail("rule", "invalid_choice")
    if form.support not in SUPPORTS:
        checker.fail("support", "invalid_choice")
    values["rule"], values["support"] = form.rule, form.support
    allowed_forms = {legal_form.value for legal_form in LegalForm}
    if not set(form.eligible_forms) <= allowed_forms:
        checker.fail("eligible_forms", "invalid_choice")
    values["eligible_forms"] = sorted(set(form.eligible_forms) & allowed_forms)
    dates = {
        name: checker.local_datetime(name, getattr(form, name), TIME_ZONE)
        for name in ("proposals_from", "diagnosis_from", "funding_from", "funding_until")
    }
    proposals, diagnosis, funding, until = dates.values()
    if proposals and diagnosis and funding and until:
        calendar = lifecycle.Calendar(proposals, diagnosis, funding, until)
        for name, code in calendar.check().items():
            checker.fail(name, code)
    values.update(dates)
    weights = envelope_lieux.chosen_weights(
        checker, ticked=form.lieux, typed=form.weights, current=current, network=network
    )
    checker.raise_if_any()
    return values, weights


class EnvelopeCalendar(msgspec.Struct, frozen=True):
    """The calendar's columns of an envelope's row; a typed row that reads more extends it."""

    proposals_from: dt.datetime
    diagnosis_from: dt.datetime
    funding_from: dt.datetime
    funding_until: dt.datetime
    diagnosis_during_funding: bool
    opened_at: dt.datetime | None
    settled_at: dt.datetime | None


class EnvelopeRow(EnvelopeCalendar, frozen=True):
    """An envelope as the write use cases read it: the calendar and what they report."""

    id: int
    network: int
    title: str
    amount_cents: int
    rule: str
    support: str
    own_challenge_cap_pct: int


def calendar_of(row: EnvelopeCalendar | Mapping[str, Any]) -> lifecycle.Calendar:
    """The calendar of a typed envelope row (or, for the readers not typed yet, of a row read
    as a mapping)."""
    if isinstance(row, Mapping):
        row = msgspec.convert(row, EnvelopeCalendar, strict=False)
    return lifecycle.Calendar(
        proposals_from=row.proposals_from,
        diagnosis_from=row.diagnosis_from,
        funding_from=row.funding_from,
        funding_until=row.funding_until,
        diagnosis_during_funding=row.diagnosis_during_funding,
        opened_at=row.opened_at,
        settled_at=row.settled_at,
    )


class LieuWeight(msgspec.Struct, frozen=True):
    """A lieu's weight for drawing rights, in a network or an envelope."""

    lieu: int
    weight: int


async def _network_lieu_weights(network_id: int) -> dict[int, int]:
    rows = await fetch(
        NetworkLieu.select(NetworkLieu.lieu, NetworkLieu.weight).where(
            NetworkLieu.network == network_id
        ),
        LieuWeight,
    )
    return {row.lieu: row.weight for row in rows}


async def create_envelope(actor: Actor, *, network_id: int, form: EnvelopeForm) -> int:
    """A draft with the lieux the form ticks (by default every lieu of the network), each at the
    weight typed, else at the weight it has in the network."""
    require(actor, Action.ENVELOPE_MANAGE, Target(network_id=network_id))
    network_weights = await _network_lieu_weights(network_id)
    values, weights = _check(form, current=network_weights, network=network_weights)
    async with write_transaction():
        envelope = Envelope(
            {getattr(Envelope, name): value for name, value in values.items()},
            network=network_id,
            created_by=actor.user_id,
            created_at=now(),
        )
        rows = await fetch(Envelope.insert(envelope).returning(Envelope.id), Inserted)
        envelope_id = rows[0].id
        await EnvelopeLieu.insert(
            *(
                EnvelopeLieu(envelope=envelope_id, lieu=lieu, weight=weight)
                for lieu, weight in sorted(weights.items())
            )
        )
        await audit.record(
            actor,
            "envelope.create",
            entity="envelope",
            entity_id=envelope_id,
            network_id=network_id,
            after=_snapshot(values, weights),
        )
    return envelope_id


def _snapshot(values: dict[str, object], weights: dict[int, int]) -> dict[str, object]:
    return {
        **{
            key: value.isoformat() if isinstance(value, dt.datetime) else value
            for key, value in values.items()
        },
        "weights": {str(lieu): weight for lieu, weight in sorted(weights.items())},
    }


class Inserted(msgspec.Struct, frozen=True):
    """The id an insert returns."""

    id: int


async def _envelope(envelope_id: int, *, lock: bool = False) -> EnvelopeRow:
    """The envelope's row; with `lock`, held for update until the transaction ends, so that a
    move of the calendar (closing, above all) waits for the pledges in flight, which hold it
    shared, and the pledges after it read the new calendar (`services.pledges`)."""
    query = Envelope.select(*_ENVELOPE_COLUMNS).where(Envelope.id == envelope_id)
    row = await fetch_one((for_update(query) if lock else query).first(), EnvelopeRow)
    if row is None:
        raise NotFound("envelope", envelope_id)
    return row


_ENVELOPE_COLUMNS = tuple(getattr(Envelope, name) for name in EnvelopeRow.__struct_fields__)


async def _envelope_lieu_weights(envelope_id: int) -> dict[int, int]:
    rows = await fetch(
        EnvelopeLieu.select(EnvelopeLieu.lieu, EnvelopeLieu.weight).where(
            EnvelopeLieu.envelope == envelope_id
        ),
        LieuWeight,
    )
    return {row.lieu: row.weight for row in rows}


async def update_draft(actor: Actor, *, envelope_id: int, form: EnvelopeForm) -> None:
    """Change a draft's configuration, its lieux and their weights included; refused once the
    envelope is open (SPEC §4), checked again on the envelope's row held for update, on the
    form with what was typed (it may have been opened while the form was filled in)."""
    row = await _envelope(envelope_id)
    network_id = row.network
    require(actor, Action.ENVELOPE_MANAGE, Target(network_id=network_id))
    if lifecycle.config_is_frozen(calendar_of(row), now()):
        raise InvalidInput({"config": "config_frozen"})
    network = await _network_lieu_weights(network_id)
    _check(form, current=await _envelope_lieu_weights(envelope_id), network=network)
    async with write_transaction():
        fresh = await _envelope(envelope_id, lock=True)
        if lifecycle.config_is_frozen(calendar_of(fresh), now()):
            raise InvalidInput({"config": "config_frozen"})
        # Applied again to the lieux as they are now (another coordinator may have changed
        # them while this form was filled in): pure, no query.
        current = await _envelope_lieu_weights(envelope_id)
        values, weights = _check(form, current=current, network=network)
        await Envelope.update(
            {getattr(Envelope, key): value for key, value in values.items()}
        ).where(Envelope.id == envelope_id)
        await _write_lieux(envelope_id, current, weights)
        await audit.record(
            actor,
            "envelope.configure",
            entity="envelope",
            entity_id=envelope_id,
            network_id=network_id,
            before={"weights": {str(lieu): w for lieu, w in sorted(current.items())}},
            after=_snapshot(values, weights),
        )


async def _write_lieux(
    envelope_id: int, current: Mapping[int, int], weights: Mapping[int, int]
) -> None:
    """The envelope's lieux become `weights`: at most three statements however many lieux
    leave, join or change weight (one delete, one insert, one update)."""
    leaving = sorted(set(current) - set(weights))
    if leaving:
        await (
            EnvelopeLieu.delete()
            .where(EnvelopeLieu.envelope == envelope_id)
            .where(EnvelopeLieu.lieu.is_in(leaving))
        )
    joining = sorted(set(weights) - set(current))
    if joining:
        await EnvelopeLieu.insert(
            *(
                EnvelopeLieu(envelope=envelope_id, lieu=lieu, weight=weights[lieu])
                for lieu in joining
            )
        )
    changed = {
        lieu: w for lieu, w in sorted(weights.items()) if lieu in current and current[lieu] != w
    }
    if changed:  # one update for every lieu whose weight changes
        await (
            EnvelopeLieu.update({EnvelopeLieu.weight: _weight_by_lieu(changed)})
            .where(EnvelopeLieu.envelope == envelope_id)
            .where(EnvelopeLieu.lieu.is_in(list(changed)))
        )


class _LieuForm(msgspec.Struct, frozen=True):
    lieu: int
    legal_form: str = msgspec.field(name="lieu.legal_form")
    eligible_forms: list[str] = msgspec.field(name="envelope.eligible_forms")


async def eligible_lieux(envelope_id: int) -> list[int]:
    """The envelope's lieux whose legal form may receive its money, in one query: an envelope
    with none of them is not opened (issue 17)."""
    rows = await fetch(
        EnvelopeLieu.select(
            EnvelopeLieu.lieu, EnvelopeLieu.lieu.legal_form, EnvelopeLieu.envelope.eligible_forms
        )
        .where(EnvelopeLieu.envelope == envelope_id)
        .output(load_json=True),
        _LieuForm,
    )
    forms = rows[0].eligible_forms if rows else []
    return envelope_lieux.eligible_lieux({r.lieu: r.legal_form for r in rows}, forms)


def _weight_by_lieu(weights: Mapping[int, int]) -> QueryString:
    """`CASE WHEN lieu = … THEN … END`: each lieu's new weight, in one statement. Cast, so that
    PostgreSQL reads the parameters as integers, not text."""
    cases = " ".join("WHEN lieu = {} THEN CAST({} AS INTEGER)" for _ in weights)
    return QueryString(f"CASE {cases} END", *(v for pair in weights.items() for v in pair))


class Email(msgspec.Struct, frozen=True):
    email: str = msgspec.field(name="user.email")


def emails(rows: Iterable[Email]) -> list[str]:
    return sorted({r.email for r in rows})


async def audience(envelope_id: int, network_id: int) -> list[str]:
    """Everyone concerned by an envelope: its coordinators, the members of its lieux and the
    people of the network's co-funding organisations (three queries, joined)."""
    members = await fetch(
        Membership.select(Membership.user.email).where(
            Membership.lieu.is_in(
                EnvelopeLieu.select(EnvelopeLieu.lieu).where(EnvelopeLieu.envelope == envelope_id)
            )
        ),
        Email,
    )
    coordinators = await fetch(
        Coordinator.select(Coordinator.user.email).where(Coordinator.network == network_id),
        Email,
    )
    people = await fetch(
        CofunderPerson.select(CofunderPerson.user.email).where(
            CofunderPerson.org.network == network_id
        ),
        Email,
    )
    return emails((*members, *coordinators, *people))


def funding_topic(envelope_id: int) -> str:
    return f"envelope:{envelope_id}:funding"


MOVES = ("open", "advance", "extend", "reopen", "close")


async def move(
    settings: Settings,
    actor: Actor,
    *,
    envelope_id: int,
    kind: str,
    until: str = "",
    confirmed: bool = True,
) -> None:
    """A coordinator's explicit move on the calendar: open the draft, advance to the next phase,
    extend the current one, close funding now, or reopen it until a later date. A move that
    closes the contributions (close, or advance out of funding) freezes the pledges: unless
    `confirmed`, it raises `ConfirmationNeeded` once allowed, before writing (issue 16)."""
    row = await _envelope(envelope_id)
    network_id = row.network
    require(actor, Action.ENVELOPE_MANAGE, Target(network_id=network_id))
    if kind not in MOVES:
        raise InvalidInput({"move": "invalid_choice"})
    until_at = None
    if kind in ("extend", "reopen"):
        checker = Checker()
        until_at = checker.local_datetime("until", until, TIME_ZONE)
        checker.raise_if_any()
    async with write_transaction():
        fresh = await _envelope(envelope_id, lock=True)
        before = calendar_of(fresh)
        moment = now()
        if kind == "open":
            decision = lifecycle.can_open(before, moment)
            if not decision.allowed:
                raise NotAllowed("envelope.move", decision.reason)
            if not await eligible_lieux(envelope_id):  # read on the row held: no race
                raise InvalidInput({"move": "no_eligible_lieu"})
            after = lifecycle.open_envelope(before, moment)
        elif kind == "advance":
            after = lifecycle.advance(before, moment)
        elif kind == "close":
            after = lifecycle.close(before, moment)
        elif kind == "extend":
            assert until_at is not None
            after = lifecycle.extend(before, until_at, moment)
        else:
            assert until_at is not None
            after = lifecycle.reopen(before, until_at, moment)
        closes_funding = lifecycle.current_phase(before, moment) is lifecycle.Phase.FUNDING
        if kind in ("advance", "close") and closes_funding and not confirmed:
            raise ConfirmationNeeded(f"envelope.{kind}")
        fields = ("proposals_from", "diagnosis_from", "funding_from", "funding_until", "opened_at")
        await Envelope.update(
            {getattr(Envelope, name): getattr(after, name) for name in fields}
        ).where(Envelope.id == envelope_id)
        # A move that ends funding keeps the end of the chain of receipts with it (issue 20):
        # every pledge acknowledged before the close is in it, and nothing crosses the close.
        ends_funding = closes_funding and kind in ("advance", "close")
        chain = await receipts.head(envelope_id) if ends_funding else None
        await audit.record(
            actor,
            f"envelope.{kind}",
            entity="envelope",
            entity_id=envelope_id,
            network_id=network_id,
            before={
                "phase": lifecycle.current_phase(before, moment).value,
                **{name: _iso(getattr(before, name)) for name in fields},
            },
            after={
                "phase": lifecycle.current_phase(after, moment).value,
                **{name: _iso(getattr(after, name)) for name in fields},
                **({"chain_head": chain.head, "writes": chain.writes} if chain else {}),
            },
        )
        # Everyone concerned hears when funding opens: the message waits for that date in the
        # outbox, and follows it when a later move changes it.
        if kind == "open":
            await outbox.enqueue_many(
                await audience(envelope_id, network_id),
                "funding_opens",
                send_at=after.funding_from,
                topic=funding_topic(envelope_id),
                title=fresh.title,
                amount_cents=fresh.amount_cents,
                until=after.funding_until,
                link=f"{settings.base_url}/enveloppes/{envelope_id}",
            )
        elif after.funding_from != before.funding_from:
            await outbox.reschedule(funding_topic(envelope_id), after.funding_from)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
