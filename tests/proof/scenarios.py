"""The scenarios of issues 13 and 14, run from outside against a `Cluster`. Each returns a
`Row` of what it saw; `__main__` prints them and decides."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.proof.cluster import Cluster, Prober, logged_in
from tests.support import factories

SHARED = Path(__file__).resolve().parents[3] / "shared"
BIG_INSTANCE = SHARED / "pabulib" / "Poland_Krakow_2024.pb"


@dataclass
class Row:
    scenario: str
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    lost: int = 0
    doubled: int = 0
    mails: tuple[int, int, int] | None = None  # sent, received, received more than once
    stall: float | None = None  # the healthy process's longest answer, in seconds
    notes: list[str] = field(default_factory=list)

    unanswered: int = 0  # requests still without a definite answer after every retry

    @property
    def errors(self) -> int:
        """Answers 5xx other than a clear "réessayez" (503 with Retry-After; 599 counts the
        connections a frozen or killed process could not take, which the client retries), and
        requests left without an answer."""
        failed = {s: n for s, n in self.statuses.items() if s >= 500 and s not in (503, 599)}
        return sum(failed.values()) + self.unanswered


def _bodies(
    setup: factories.Funding, count: int, rng: random.Random
) -> list[tuple[int, dict[str, Any]]]:
    bodies = []
    for number in range(count):
        unit = rng.randrange(len(setup.lieux))
        bodies.append(
            (
                unit,
                {
                    "challenge_id": rng.choice(setup.challenges),
                    "unit": f"lieu:{setup.lieux[unit]}",
                    "source": rng.choice(["drawing_rights", "drawing_rights", "own_funds"]),
                    "amount_cents": rng.choice([0, 5_000, 10_000, 20_000, 40_000]),
                    "idempotency_key": f"proof-{setup.envelope_id}-{number}",
                },
            )
        )
    return bodies


async def _send_until_answered(
    client: httpx.AsyncClient,
    token: str,
    urls: list[str],
    path: str,
    body: dict[str, Any],
    row: Row,
    first: int,
) -> httpx.Response | None:
    """A careful client: the same request (same idempotency key) again on another process when
    one does not answer or says "réessayez", until a definite answer (at most 8 tries)."""
    for attempt in range(8):
        url = urls[(first + attempt) % len(urls)]
        row.requests += 1
        try:
            response = await client.put(
                url + path, json=body, headers={"x-csrftoken": token}, timeout=20
            )
        except httpx.HTTPError:
            row.statuses[599] += 1
            await asyncio.sleep(0.5)
            continue
        row.statuses[response.status_code] += 1
        if response.status_code == 503:
            await asyncio.sleep(min(2.0, float(response.headers.get("retry-after", "1"))))
            continue
        return response
    return None


Answers = dict[str, tuple[int, dict[str, Any], httpx.Response | None]]


async def _rush(
    setup: factories.Funding,
    urls: list[str],
    clients: list[tuple[httpx.AsyncClient, str]],
    row: Row,
    *,
    count: int,
    seconds: float,
    seed: int,
) -> Answers:
    """`count` pledge requests from the lieux' admins, spread over `seconds`, 24 in flight at
    most (as a dozen lieux' people may send at once), each sent until answered."""
    rng = random.Random(seed)
    path = f"/api/envelopes/{setup.envelope_id}/pledges"
    in_flight = asyncio.Semaphore(24)
    answers: Answers = {}

    async def send(index: int, unit: int, body: dict[str, Any], delay: float) -> None:
        await asyncio.sleep(delay)
        client, token = clients[unit]
        async with in_flight:
            answer = await _send_until_answered(client, token, urls, path, body, row, index)
        answers[body["idempotency_key"]] = (unit, body, answer)

    bodies = _bodies(setup, count, rng)
    await asyncio.gather(
        *(send(i, u, b, rng.uniform(0, seconds)) for i, (u, b) in enumerate(bodies))
    )
    return answers


async def _lost_and_doubled(setup: factories.Funding, answers: Answers) -> tuple[int, int]:
    """Writes lost: requests answered 200 whose key the database does not hold. Writes
    doubled: two pledge rows for one contributor, challenge and source, or more pledge.set
    entries in the journal than keys held (each keyed write records one of each)."""
    from cobudget.db.tables import AuditEntry, Pledge, PledgeRequest, User
    from cobudget.domain.permissions import Actor
    from cobudget.services.pledges import _scoped_key

    users = {
        row["email"]: row["id"]
        for row in await User.select(User.id, User.email).where(User.email.is_in(setup.emails))
    }
    held = {
        row["key"]
        for row in await PledgeRequest.select(PledgeRequest.key).where(
            PledgeRequest.pledge.envelope == setup.envelope_id
        )
    }
    lost = 0
    for key, (unit, body, answer) in answers.items():
        if answer is not None and answer.status_code == 200:
            actor = Actor(user_id=users[setup.emails[unit]])
            lost += _scoped_key(actor, setup.envelope_id, body["unit"], key) not in held
    entries = [
        e
        for e in await AuditEntry.select(AuditEntry.after)
        .where(AuditEntry.action == "pledge.set")
        .output(load_json=True)
        if e["after"].get("envelope_id") == setup.envelope_id
    ]
    rows = await Pledge.select(Pledge.challenge, Pledge.lieu, Pledge.org, Pledge.source).where(
        Pledge.envelope == setup.envelope_id
    )
    keys = Counter((r["challenge"], r["lieu"], r["org"], r["source"]) for r in rows)
    doubled = sum(n - 1 for n in keys.values() if n > 1) + max(0, len(entries) - len(held))
    return lost, doubled


async def pledges_with_chaos(cluster: Cluster, *, chaos: bool) -> Row:
    """300 pledges from twelve lieux over both processes; meanwhile one process is frozen
    (SIGSTOP) for 3 s, then killed (-9) and started again. Every request is retried with its
    idempotency key until it is answered: each answered write is stored once."""
    row = Row("contributions, SIGSTOP et kill -9" if chaos else "contributions en rafale")
    setup = await factories.make_funding(f"Proof {cluster.name} rafale")
    urls = [app.url for app in cluster.apps]
    clients = [
        await logged_in(urls[i % len(urls)], email, factories.PASSWORD)
        for i, email in enumerate(setup.emails)
    ]

    async def trouble() -> None:
        victim = cluster.apps[-1]
        await asyncio.sleep(1.5)
        victim.signal(signal.SIGSTOP)
        await asyncio.sleep(3)
        victim.signal(signal.SIGCONT)
        await asyncio.sleep(1.5)
        victim.kill()
        await asyncio.to_thread(victim.start)

    with Prober(urls[0], f"/enveloppes/{setup.envelope_id}") as prober:
        rush = _rush(setup, urls, clients, row, count=300, seconds=8, seed=14)
        answers, *_trouble = await asyncio.gather(
            rush, *([trouble()] if chaos and len(urls) > 1 else [])
        )
    row.stall = prober.longest
    row.statuses.update({s: n for s, n in prober.statuses.items() if s >= 500})
    for client, _token in clients:
        await client.aclose()

    row.unanswered = sum(1 for _u, _b, answer in answers.values() if answer is None)
    row.lost, row.doubled = await _lost_and_doubled(setup, answers)
    return row


async def close_and_settle_in_a_rush(cluster: Cluster) -> Row:
    """Pledges in a rush; a coordinator closes then settles in the middle, and a second settle
    is sent at the same moment to the other process. Every acknowledged pledge is in the
    settlement, nothing after the close, one settlement."""
    from cobudget.db.tables import Pledge, SettlementRecord
    from cobudget.engine.canonical import decode_input

    row = Row("clôture et règlement en pleine rafale")
    setup = await factories.make_funding(f"Proof {cluster.name} cloture")
    urls = [app.url for app in cluster.apps]
    clients = [
        await logged_in(urls[i % len(urls)], email, factories.PASSWORD)
        for i, email in enumerate(setup.emails)
    ]
    coordinators = [await logged_in(url, setup.coordinator, factories.PASSWORD) for url in urls]

    async def close_and_settle() -> None:
        await asyncio.sleep(1.2)
        (client, token) = coordinators[0]
        envelope = f"/enveloppes/{setup.envelope_id}"
        row.requests += 1
        moved = await client.post(
            f"{envelope}/calendrier", data={"move": "close", "confirm": "1", "_csrf_token": token}
        )
        row.statuses[moved.status_code] += 1
        settles = await asyncio.gather(
            *(
                c.post(f"{envelope}/repartition", data={"confirm": "1", "_csrf_token": t})
                for c, t in coordinators * (2 if len(coordinators) == 1 else 1)
            )
        )
        row.requests += len(settles)
        row.statuses.update(s.status_code for s in settles)
        if sorted(s.status_code for s in settles)[0] != 303:
            row.notes.append(f"settle answered {[s.status_code for s in settles]}")

    answers, _settled = await asyncio.gather(
        _rush(setup, urls, clients, row, count=150, seconds=3, seed=15), close_and_settle()
    )
    for client, _token in [*clients, *coordinators]:
        await client.aclose()

    records = await SettlementRecord.select().where(SettlementRecord.envelope == setup.envelope_id)
    if len(records) != 1:
        row.doubled += max(0, len(records) - 1)
        row.lost += 1 if not records else 0
        return row
    settled = {p.id: p.amount_cents for p in decode_input(records[0]["inputs"]).pledges}
    stored = {
        r["id"]: r["amount_cents"]
        for r in await Pledge.select().where(Pledge.envelope == setup.envelope_id)
        if r["amount_cents"] > 0
    }
    row.lost += len(set(stored.items()) - set(settled.items()))
    row.doubled += len(set(settled.items()) - set(stored.items()))
    lost, doubled = await _lost_and_doubled(setup, answers)
    row.lost += lost
    row.doubled += doubled
    row.unanswered = sum(1 for _u, _b, answer in answers.values() if answer is None)
    return row


async def login_guesses(cluster: Cluster) -> Row:
    """120 guesses at once for one account, over every process; the password is guess 99. At
    most the limit of the wrong ones may be evaluated (the others: 429). The right one is let
    in if it finds a free place, and then frees it (`accounts.authenticate`: the limit counts
    failures), so one more wrong guess may follow it: that is not a guess beyond the limit."""
    row = Row("120 essais de mot de passe en parallèle")
    email = f"cible-{cluster.name}@exemple.fr"
    await factories.make_user(email)
    urls = [app.url for app in cluster.apps]

    async def guess(index: int) -> int:
        async with httpx.AsyncClient(base_url=urls[index % len(urls)], timeout=60) as client:
            page = await client.get("/connexion")
            token = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
            password = factories.PASSWORD if index == 99 else f"mauvais-{index}"
            response = await client.post(
                "/connexion", data={"email": email, "password": password, "_csrf_token": token}
            )
            return response.status_code

    statuses = await asyncio.gather(*(guess(i) for i in range(120)))
    row.requests = len(statuses)
    row.statuses.update(statuses)
    evaluated = sum(1 for s in statuses if s != 429)
    wrong = sum(1 for s in statuses if s == 422)
    let_in = evaluated - wrong
    row.notes.append(
        f"{evaluated} evaluated, {wrong} wrong" + (", the right one let in" if let_in else "")
    )
    # Wrong guesses beyond the limit, or anything but the right one let in: what the limit lost.
    row.lost = max(0, wrong - 5) + max(0, let_in - (1 if statuses[99] in (200, 303) else 0))
    return row


OVERSIZED: list[tuple[str, str, Any]] = [
    ("form", "/reseaux/{slug}/defis/nouveau", {"title": "x", "lines.100000.label": "x"}),
    (
        "form",
        "/reseaux/{slug}/defis/nouveau",
        {"title": "x", "lines." + "9" * 5000 + ".label": "x"},
    ),
    ("get", "/defis/" + "9" * 400, None),
    ("get", "/enveloppes/" + "9" * 30, None),
    ("form", "/enveloppes/{envelope}/contributions", {"challenge": "9" * 5000, "amount": "10"}),
    ("json", "/api/envelopes/{envelope}/pledges", "[" * 100_000 + "]" * 100_000),
    ("json", "/api/envelopes/{envelope}/pledges", '{"amount_cents": ' + "9" * 5000 + "}"),
    ("form", "/connexion", {"email": "x" * 2_000_000, "password": "y"}),
]


async def oversized_inputs(cluster: Cluster) -> Row:
    """Oversized indexes, numbers and bodies: each a 4xx, answered quickly, the process alive."""
    row = Row("entrées démesurées")
    setup = await factories.make_funding(f"Proof {cluster.name} demesure", lieux=5)
    url = cluster.apps[0].url
    client, token = await logged_in(url, setup.emails[0], factories.PASSWORD)
    names = {"slug": f"proof-{cluster.name}-demesure", "envelope": setup.envelope_id}
    with Prober(url, "/") as prober:
        for kind, template, body in OVERSIZED:
            path = template.format(**names)
            row.requests += 1
            started = time.monotonic()
            try:
                if kind == "get":
                    response = await client.get(path)
                elif kind == "form":
                    response = await client.post(path, data={**body, "_csrf_token": token})
                else:
                    response = await client.put(
                        path,
                        content=body,
                        headers={"x-csrftoken": token, "content-type": "application/json"},
                    )
                status = response.status_code
            except httpx.HTTPError:
                status = 599
            row.statuses[status] += 1
            took = time.monotonic() - started
            if status >= 500 or took > 5:
                row.notes.append(f"{template[:40]}: {status} in {took:.1f} s")
    row.stall = prober.longest
    await client.aclose()
    return row


async def big_verification(cluster: Cluster) -> Row:
    """A large settled envelope (Kraków 2024's ballots, seconds of the engine) verified by a
    visitor while the same process is asked for other pages."""
    from cobudget.db.tables import SettlementRecord
    from cobudget.engine import canonical
    from cobudget.engine.pabulib import parse_pb
    from cobudget.engine.settle import settle
    from cobudget.services.clock import now

    row = Row("vérification d’une grande enveloppe")
    if not BIG_INSTANCE.exists():
        row.notes.append(f"skipped: {BIG_INSTANCE} is not here")
        return row
    network_id = await factories.make_network(f"Proof {cluster.name} grande")
    lieu = await factories.make_lieu(network_id, f"Proof {cluster.name} grand lieu")
    envelope_id = await factories.make_envelope(network_id, [lieu], phase="closed")
    from cobudget.db.tables import Envelope

    await Envelope.update({Envelope.settled_at: now()}).where(Envelope.id == envelope_id)
    inputs = parse_pb(BIG_INSTANCE.read_text())
    result = await asyncio.to_thread(settle, inputs)
    await SettlementRecord.insert(
        SettlementRecord(
            envelope=envelope_id,
            inputs=canonical.encode_input(inputs).decode(),
            settlement=canonical.encode_settlement(result).decode(),
            digest=result.inputs_digest,
            settled_at=now(),
        )
    )
    url = cluster.apps[0].url
    with Prober(url, "/") as prober:
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            started = time.monotonic()
            answers = await asyncio.gather(
                *(client.get(f"/enveloppes/{envelope_id}/verification") for _ in range(3))
            )
            row.notes.append(f"verified in {time.monotonic() - started:.1f} s")
    row.requests = len(answers)
    row.statuses.update(a.status_code for a in answers)
    # The page's verdict in plain French (issue 18); the digests' comparison is under it.
    same = "exactement la même répartition"
    if not all(same in a.text.replace("\xa0", " ") for a in answers if a.status_code == 200):
        row.notes.append("not identical")
        Path("/tmp/proof-verification.html").write_text(answers[0].text)
    row.stall = prober.longest
    return row


async def slow_and_down_mail(cluster: Cluster, delay: float) -> Row:
    """Mail through an SMTP server that takes `delay` s per message, sent by every worker at
    once; then the server is down for a while. Every mail arrives once."""
    from cobudget.db.tables import OutboxMessage
    from cobudget.db.transactions import write_transaction
    from cobudget.services import outbox

    row = Row(f"e-mails : SMTP lent ({delay:g} s) puis en panne")
    mailbox = cluster.smtp.mailbox
    mailbox.received.clear()
    mailbox.delay = delay
    await OutboxMessage.delete(force=True)

    async def enqueue(first: int, count: int) -> None:
        async with write_transaction():
            for n in range(first, first + count):
                await outbox.enqueue(
                    f"destinataire{n}@exemple.fr",
                    "password_reset",
                    name=f"Personne {n}",
                    link=f"http://exemple.fr/proof-mail-{n}",
                )

    # With several workers, more than one takes at once, at `delay` each: longer than any claim
    # that would be taken for a whole batch. With one (SQLite), fewer: it cannot race itself.
    first = 24 if len(cluster.workers) > 1 else 8
    await enqueue(0, first)
    await asyncio.sleep(delay * 2)
    cluster.smtp.stop()
    await enqueue(first, 4)
    await asyncio.sleep(4)
    cluster.smtp.start()
    total = first + 4
    deadline = time.monotonic() + 30 * delay + 60
    while time.monotonic() < deadline:
        pending = await OutboxMessage.count().where(OutboxMessage.status != "sent")
        if not pending and sum(mailbox.received.values()) >= total:
            break
        await asyncio.sleep(1)
    await asyncio.sleep(delay + 1)  # a duplicate would arrive now
    sent = await OutboxMessage.count().where(OutboxMessage.status == "sent")
    received = sum(mailbox.received.values())
    twice = sum(n - 1 for n in mailbox.received.values() if n > 1)
    row.mails = (sent, received, twice)
    row.requests = total
    row.lost = max(0, total - len(mailbox.received))
    row.doubled = twice + max(0, len(mailbox.received) - total)
    mailbox.delay = 0
    return row


async def held_lock(cluster: Cluster) -> Row:
    """Another session holds a lieu's row for 20 s (as a frozen process or a forgotten psql
    would): that lieu's pledge gets a clear "réessayez" within seconds, never a hang, and the
    other pages go on answering."""
    import asyncpg

    row = Row("une ligne verrouillée 20 s par une autre session")
    setup = await factories.make_funding(f"Proof {cluster.name} verrou", lieux=5)
    url = cluster.apps[0].url
    client, token = await logged_in(url, setup.emails[0], factories.PASSWORD)
    holder = await asyncpg.connect(cluster.database_url)
    transaction = holder.transaction()
    await transaction.start()
    await holder.execute("SELECT id FROM lieu WHERE id = $1 FOR UPDATE", setup.lieux[0])
    body = {
        "challenge_id": setup.challenges[2],
        "unit": f"lieu:{setup.lieux[0]}",
        "source": "drawing_rights",
        "amount_cents": 5_000,
        "idempotency_key": f"proof-verrou-{setup.envelope_id}",
    }
    try:
        with Prober(url, f"/enveloppes/{setup.envelope_id}") as prober:
            started = time.monotonic()
            try:
                answer = await client.put(
                    f"/api/envelopes/{setup.envelope_id}/pledges",
                    json=body,
                    headers={"x-csrftoken": token},
                    timeout=30,
                )
                status = answer.status_code
            except httpx.HTTPError:
                status = 599
            waited = time.monotonic() - started
            await asyncio.sleep(1)
    finally:
        await transaction.rollback()
        await holder.close()
        await client.aclose()
    row.requests = 1
    row.statuses[status] += 1
    row.unanswered = status == 599
    row.stall = max(prober.longest, waited)
    row.statuses.update({s: n for s, n in prober.statuses.items() if s >= 500})
    row.notes.append(f"the pledge answered {status} after {waited:.1f} s")
    return row
