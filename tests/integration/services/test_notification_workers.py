"""What the calendar causes is told once however many workers look (issue 16): two outbox
workers, each sweeping for reminders, rounds closed at their deadline and daily digests many
times a second, send each person one reminder, one outcome and one digest. On PostgreSQL
(COBUDGET_TEST_BACKEND=postgresql) the two workers' transactions truly run at once."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from collections import Counter

from cobudget.db.tables import Notification, RoundPosition
from cobudget.services import outbox
from cobudget.services.clock import now
from cobudget.settings import Settings
from tests.support import factories
from tests.support.mail import Mailbox
from tests.support.text import plain


async def test_two_workers_send_each_reminder_outcome_and_digest_once(
    settings: Settings, mailbox: Mailbox
) -> None:
    network_id = await factories.make_network("Réseau Veilleur", quorum=2)
    lieux = [await factories.make_lieu(network_id, f"Lieu {index}") for index in range(6)]
    people = []
    for index, lieu in enumerate(lieux):
        user = await factories.make_user(f"p{index}@exemple.fr")
        await factories.add_member(user, lieu)
        people.append(user)
    soon = await factories.make_challenge(network_id, lieux[0], "Bientôt la fin")
    await factories.make_round(soon, 1, quorum=2, days=1.5)  # reminder due
    past = await factories.make_challenge(network_id, lieux[1], "Déjà fini")
    closed = await factories.make_round(past, 1, quorum=2, opened_days_ago=8)
    await RoundPosition.insert(
        RoundPosition(
            round=closed, lieu=lieux[2], kind="consent", taken_at=now() - dt.timedelta(days=2)
        )
    )
    yesterday = now() - dt.timedelta(days=2)
    await Notification.insert(  # waiting for p5's digest
        *(
            Notification(
                user=people[5],
                kind="question_asked",
                params={"title": f"Défi {index}", "lieu": "Lieu 1", "text": "?"},
                path="/",
                created_at=yesterday,
                delivery="daily",
            )
            for index in range(3)
        )
    )
    fast = dataclasses.replace(settings, outbox_poll_seconds=0.05, notification_sweep_seconds=0.0)
    stop = asyncio.Event()
    workers = [asyncio.create_task(outbox.run_worker(fast, stop)) for _ in range(2)]
    # Reminders to the five lieux but the proposer; the outcome to lieux 1 and 2; a digest.
    expected = 5 + 2 + 1
    deadline = time.monotonic() + 20
    while len(mailbox.messages) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # many more sweeps: nothing goes twice
    stop.set()
    await asyncio.gather(*workers)

    subjects = Counter(
        (str(m["To"]), plain(str(m["Subject"])).split(" :")[0]) for m in mailbox.messages
    )
    assert all(count == 1 for count in subjects.values()), subjects
    reminded = {
        to for to, subject in subjects if subject == "Plus que deux jours pour prendre position"
    }
    assert reminded == {f"p{index}@exemple.fr" for index in range(1, 6)}
    told_closed = {to for to, subject in subjects if subject.startswith("Tour clos")}
    assert told_closed == {"p1@exemple.fr", "p2@exemple.fr"}
    assert ("p5@exemple.fr", "Votre résumé du jour") in subjects
    assert len(mailbox.messages) == expected
