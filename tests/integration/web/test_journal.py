"""The coordination journal through HTTP (issue 18): entries as sentences naming the lieu, the
challenge and the amounts; filters by kind, person and dates; a wrong filter is a clear
message; pages of 50; the raw record folded under each entry; coordinators only."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import AuditEntry, User
from cobudget.rendering import PARIS, money
from cobudget.services.clock import now
from cobudget.services.queries.journal import PAGE_SIZE
from tests.integration.conftest import ROLES, World, pledge_by_form
from tests.support.text import plain


def _text(html: str) -> str:
    """The page's text as a reader sees it (tags out, entities read, runs of spaces as one,
    no-break spaces read as spaces)."""
    return re.sub(r"[ \t\r\n]+", " ", plain(unescape(re.sub(r"<[^>]+>", " ", html)))).strip()


async def _pledge(client: AsyncTestClient, world: World, amount: str) -> None:  # type: ignore[type-arg]
    await pledge_by_form(client, world, amount)


@pytest.mark.parametrize("role", sorted(ROLES))
async def test_only_the_coordinators_read_the_journal(as_role, world: World, role: str) -> None:  # type: ignore[no-untyped-def]
    client = await as_role(role)
    response = await client.get(f"/reseaux/{world.network_slug}/journal")
    expected = {"coordinator": 200, "visitor": 401}.get(role, 403)
    assert response.status_code == expected, (role, response.status_code)
    filtered = await client.get(f"/reseaux/{world.network_slug}/journal?quoi=defis&du=bad")
    assert filtered.status_code == (422 if role == "coordinator" else expected)


async def test_a_pledge_reads_as_a_sentence_with_its_raw_record_one_click_away(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    member = await as_role("member")
    await _pledge(member, world, "200")
    await _pledge(member, world, "350")
    coordinator = await as_role("coordinator")
    response = await coordinator.get(f"/reseaux/{world.network_slug}/journal")
    assert response.status_code == 200
    text = _text(response.text)
    assert plain(
        f"La Fabrique a porté sa contribution au défi « Un commun consenti » "
        f"de {money(20_000)} à {money(35_000)}."
    ) in text
    assert plain(
        f"La Fabrique a promis {money(20_000)} au défi « Un commun consenti » "
        "(sur ses droits de tirage)."
    ) in text
    assert "Awa Membre" in text
    # The raw record, codes and JSON, folded under the entry.
    assert "<details" in response.text and "pledge.set pledge" in text
    assert '"amount_cents": 35000' in unescape(response.text)
    # No raw code in the sentences themselves.
    sentences = re.findall(r'<p class="journal-sentence">(.*?)</p>', response.text)
    assert sentences and not any("pledge." in s or "_cents" in s for s in sentences)


async def test_the_filters_keep_what_was_asked_by_kind_person_and_dates(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    member = await as_role("member")
    await _pledge(member, world, "120")
    coordinator_id = (
        await User.select(User.id).where(User.email == world.emails["coordinator"]).first()
    )["id"]
    await AuditEntry.insert(
        AuditEntry(
            at=now() - dt.timedelta(days=40),
            actor=coordinator_id,
            action="need.archive",
            entity="need",
            entity_id=world.need_id,
            network=world.network_id,
        )
    )
    coordinator = await as_role("coordinator")
    base = f"/reseaux/{world.network_slug}/journal"

    contributions = _text((await coordinator.get(f"{base}?quoi=contributions")).text)
    assert "a promis" in contributions and "a été archivé" not in contributions
    needs = _text((await coordinator.get(f"{base}?quoi=besoins")).text)
    assert "a été archivé" in needs and "a promis" not in needs

    by_person = _text((await coordinator.get(f"{base}?qui={coordinator_id}")).text)
    assert "a été archivé" in by_person and "a promis" not in by_person

    # The filter's days are Paris days (between 23:00 and midnight UTC, the next one).
    today = now().astimezone(PARIS).date().isoformat()
    recent = _text((await coordinator.get(f"{base}?du={today}")).text)
    assert "a promis" in recent and "a été archivé" not in recent
    old_day = (now() - dt.timedelta(days=40)).astimezone(PARIS).date()
    older = _text(
        (await coordinator.get(f"{base}?du={old_day - dt.timedelta(days=1)}&au={old_day}")).text
    )
    assert "a été archivé" in older and "a promis" not in older
    nothing = _text((await coordinator.get(f"{base}?quoi=discussion")).text)
    assert "Aucune modification ne répond à ce filtre." in nothing


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("quoi=rien", "quoi", "Choisissez une des options proposées."),
        ("qui=abc", "qui", "Choisissez une des options proposées."),
        ("du=06/12/2026", "du", "Indiquez une date, par exemple 2026-12-06."),
        ("du=2026-12-06&au=2026-12-01", "au", "La date de début vient après la date de fin."),
        ("au=9999-12-31", "au", "Indiquez une date, par exemple 2026-12-06."),
        ("page=0", "page", None),
    ],
)
async def test_a_wrong_filter_is_said_and_the_whole_journal_shows(
    as_role, world: World, query: str, field: str, message: str | None
) -> None:  # type: ignore[no-untyped-def]
    member = await as_role("member")
    await _pledge(member, world, "90")
    coordinator = await as_role("coordinator")
    response = await coordinator.get(f"/reseaux/{world.network_slug}/journal?{query}")
    assert response.status_code == 422
    text = _text(response.text)
    assert "Ce filtre n’a pas été appliqué : tout le journal s’affiche." in text
    assert "a promis" in text  # the whole journal, unfiltered
    if message:
        assert f'id="e-{field}"' in response.text and message in text


async def test_the_journal_is_paged_by_fifty_the_latest_first(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    moment = now()
    await AuditEntry.insert(
        *(
            AuditEntry(
                at=moment,
                actor=None,
                action="need.edit",
                entity="need",
                entity_id=world.need_id,
                network=world.network_id,
                after={"title": f"Besoin {index}"},
            )
            for index in range(PAGE_SIZE + 5)
        )
    )
    coordinator = await as_role("coordinator")
    base = f"/reseaux/{world.network_slug}/journal?quoi=besoins"
    first = await coordinator.get(base)
    entries = re.findall(r'<li class="journal-entry">', first.text)
    assert len(entries) == PAGE_SIZE
    assert (
        "Plus anciennes" in first.text and "page=2" in first.text and "quoi=besoins" in first.text
    )
    second = await coordinator.get(f"{base}&page=2")
    assert len(re.findall(r'<li class="journal-entry">', second.text)) == 5
    assert "Plus récentes" in second.text and "Plus anciennes" not in second.text
