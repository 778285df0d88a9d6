"""The close is a line nothing crosses (SPEC §4, issue 13), tried from outside as it was found:
two app processes on PostgreSQL (one on SQLite, the embedded default: SQLite's busy wait between
processes is not fair, so a second process may starve, which production never asks of it), 200
concurrent pledge,
change and withdraw requests from twelve lieux through the JSON API, some of them retried, and
a coordinator who closes and settles at a random moment in the middle.

Afterwards every acknowledged pledge is in the settlement, nothing was stored after the close,
no lieu ever pledged more than its drawing rights nor any challenge more than its maximum, no
request got a 5xx, and the settlement verifies."""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from cobudget.db.tables import AuditEntry, Pledge
from cobudget.domain.permissions import Actor
from cobudget.engine import receipts as chain
from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.types import Lieu as EngineLieu
from cobudget.services import receipts, settlements
from tests.integration.web.test_busy import BUSY
from tests.support import factories
from tests.support.database import backend
from tests.support.mail import Mailbox
from tests.support.processes import app_processes

LIEUX = 12
RIGHTS = 50_000  # 500 € each
MAXIMUM = 200_000  # each challenge's lines add up to 2 000 €
REQUESTS = 200
CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _logged_in(url: str, email: str) -> tuple[httpx.AsyncClient, str]:
    """A client of one process, logged in, with the CSRF token its writes carry."""
    client = httpx.AsyncClient(base_url=url, timeout=60)
    token = CSRF_INPUT.search((await client.get("/connexion")).text)
    assert token is not None
    response = await client.post(
        "/connexion",
        data={"email": email, "password": factories.PASSWORD, "_csrf_token": token.group(1)},
    )
    assert response.status_code in (200, 303), response.text
    token = CSRF_INPUT.search((await client.get("/connexion")).text) or token
    return client, token.group(1)


@dataclass
class Answer:
    unit: int  # index of the lieu
    body: dict[str, Any]
    status: int
    json: dict[str, Any]
    sent_after_close: bool


async def test_a_rush_of_pledges_across_two_processes_never_crosses_the_close(
    db: str, smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    funding = await factories.make_funding("Réseau des Courses", lieux=LIEUX, rights_cents=RIGHTS)
    rng = random.Random(13)
    processes = 2 if backend() == "postgresql" else 1
    with app_processes(processes, db, smtp[1], tmp_path) as urls:
        clients = [
            await _logged_in(urls[index % processes], email)
            for index, email in enumerate(funding.emails)
        ]
        coordinator, coordinator_token = await _logged_in(urls[-1], funding.coordinator)
        closed = asyncio.Event()
        answers: list[Answer] = []
        bodies = []
        for number in range(REQUESTS):
            unit = rng.randrange(LIEUX)
            body = {
                "challenge_id": rng.choice(funding.challenges),
                "unit": f"lieu:{funding.lieux[unit]}",
                "source": rng.choice(["drawing_rights", "drawing_rights", "own_funds"]),
                "amount_cents": rng.choice([0, 5_000, 10_000, 20_000, 40_000]),
                "idempotency_key": f"k-{number}",
            }
            bodies.append((unit, body))
        # A tenth of the requests are sent twice, as a client retries after a timeout.
        bodies += [bodies[rng.randrange(REQUESTS)] for _ in range(REQUESTS // 10)]
        rng.shuffle(bodies)

        async def send(unit: int, body: dict[str, Any], delay: float) -> None:
            await asyncio.sleep(delay)
            client, token = clients[unit]
            after = closed.is_set()
            response = await client.put(
                f"/api/envelopes/{funding.envelope_id}/pledges",
                json=body,
                headers={"x-csrftoken": token},
            )
            answers.append(Answer(unit, body, response.status_code, response.json(), after))

        async def close_and_settle() -> tuple[int, int]:
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            path = f"/enveloppes/{funding.envelope_id}"
            move = await coordinator.post(
                f"{path}/calendrier",
                data={"move": "close", "confirm": "1", "_csrf_token": coordinator_token},
            )
            closed.set()
            settle = await coordinator.post(
                f"{path}/repartition", data={"confirm": "1", "_csrf_token": coordinator_token}
            )
            return move.status_code, settle.status_code

        spread = [rng.uniform(0, 3) for _ in bodies]
        results = await asyncio.gather(
            close_and_settle(), *(send(u, b, d) for (u, b), d in zip(bodies, spread, strict=True))
        )
        move_status, settle_status = results[0]
        # A second settle, later, gets the same clear refusal, never a 500.
        again = await coordinator.post(
            f"/enveloppes/{funding.envelope_id}/repartition",
            data={"confirm": "1", "_csrf_token": coordinator_token},
        )
        for client, _token in clients:
            await client.aclose()
        await coordinator.aclose()

    assert move_status in (200, 303) and settle_status in (200, 303)
    assert again.status_code == 403 and "déjà" in again.text
    statuses = sorted({a.status for a in answers})
    # A pledge that waits behind the close and the settlement past the lock timeout (a slow or
    # loaded machine) is answered 503 « réessayez » and stores nothing (the ledger checks below).
    assert set(statuses) <= {200, 422, 503}, statuses
    for answer in answers:
        if answer.status == 503:
            assert answer.json["detail"] == BUSY, answer
    acknowledged = [a for a in answers if a.status == 200]
    assert acknowledged and any(a.status == 422 for a in answers)
    # Sent after the close was answered: refused, every one, unless it retries a request
    # honoured before the close (it answers that, and stores nothing).
    for answer in answers:
        if answer.sent_after_close and not (answer.status == 200 and answer.json["replayed"]):
            assert answer.status in (422, 503), answer
            if answer.status == 422:
                assert answer.json["errors"] == {
                    "amount": "Les contributions ne sont pas ouvertes sur cette enveloppe."
                }
    # A 200 reports what this request stored (or, for a retry, what its first request stored).
    for answer in acknowledged:
        assert answer.json["amount_cents"] == answer.body["amount_cents"]

    # Every acknowledged pledge is in the settlement; nothing was stored after the close.
    entries = (
        await AuditEntry.select()
        .where(AuditEntry.action.is_in(["pledge.set", "envelope.close", "envelope.settle"]))
        .order_by(AuditEntry.id)
        .output(load_json=True)
    )
    close_id = next(e["id"] for e in entries if e["action"] == "envelope.close")
    pledge_entries = [e for e in entries if e["action"] == "pledge.set"]
    assert all(e["id"] < close_id for e in pledge_entries)
    assert len(pledge_entries) == sum(1 for a in acknowledged if not a.json["replayed"])
    stored = (
        await Pledge.select()
        .where(Pledge.envelope == funding.envelope_id)
        .where(Pledge.amount_cents > 0)
        .order_by(Pledge.id)
    )
    record = await settlements.stored(funding.envelope_id)
    assert record is not None
    inputs = settlements.canonical.decode_input(record.inputs)
    assert [(p.id, p.amount_cents) for p in inputs.pledges] == [
        (r["id"], r["amount_cents"]) for r in stored
    ]
    assert (await settlements.verify(Actor(), funding.envelope_id)).identical
    # Receipts (issue 20): the acknowledged writes of both processes form one chain, numbered
    # 1, 2, 3… with no gap and no fork, that the settlement committed to; each answer's receipt
    # is in it, and replaying it gives exactly the settlement's pledges.
    journal = receipts.entries(await receipts.everything(funding.envelope_id))
    head = chain.check_chain(journal, envelope=funding.envelope_id)
    assert head.writes == len(pledge_entries)
    assert inputs.chain is not None and (inputs.chain.writes, inputs.chain.head) == (
        head.writes,
        head.head,
    )
    codes = {chain.short_code(e.hash) for e in journal}
    assert {a.json["receipt"] for a in acknowledged} <= codes
    assert chain.differences((e.record for e in journal), inputs) == []

    # At every commit, in the order the audit log kept: no lieu beyond its drawing rights, no
    # challenge beyond its maximum.
    rights = drawing_rights(
        LIEUX * RIGHTS, [EngineLieu(id=lieu, weight=1) for lieu in funding.lieux]
    )
    state: dict[tuple[int, int, str], int] = {}
    for entry in pledge_entries:
        after = entry["after"]
        state[(after["lieu_id"], after["challenge_id"], after["source"])] = after["amount_cents"]
        for lieu in funding.lieux:
            spent = sum(v for (u, _c, s), v in state.items() if u == lieu and s == "drawing_rights")
            assert spent <= rights[lieu]
        for challenge in funding.challenges:
            assert sum(v for (_u, c, _s), v in state.items() if c == challenge) <= MAXIMUM
    assert {k: v for k, v in state.items() if v} == {
        (r["lieu"], r["challenge"], r["source"]): r["amount_cents"] for r in stored
    }
