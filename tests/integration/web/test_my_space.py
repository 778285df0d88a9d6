"""« Mon espace » is a to-do list (issue 16): for each role, each item appears when something
waits, with its deadline and the place to act, and goes once it was acted upon."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from litestar.testing import AsyncTestClient

from cobudget.db.engine import queries_run
from cobudget.db.tables import ConsentRound, Envelope, Invitation, Report, RoundPosition, User
from cobudget.services.clock import now
from cobudget.settings import Settings
from tests.integration.conftest import World, log_in, page_text, post_form
from tests.support import factories

Client = AsyncTestClient  # type: ignore[type-arg]


async def _space(client: Client) -> str:
    response = await client.get("/mon-espace")
    assert response.status_code == 200
    return page_text(response)


def _items(text: str) -> list[str]:
    """Each to-do item of the page, as text."""
    lists = re.findall(r'<ul class="todo">(.*?)</ul>', text, re.S)
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for block in lists
        for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def _with(items: list[str], words: str) -> list[str]:
    return [item for item in items if words in item]


async def consent_for_the_test_lieu(client: Client, world: World) -> None:
    """The test lieu consents in the open round of the world, through the position form."""
    taken = await post_form(
        client,
        f"/tours/{world.round_id}/position",
        {"lieu": str(world.lieu_id), "kind": "consent"},
        form_page=f"/defis/{world.challenge_id}",
    )
    assert taken.status_code == 303


async def test_a_member_sees_the_position_to_take_with_its_deadline_until_it_is_taken(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["member"])
    text = await _space(client)
    position = _with(_items(text), "Position à prendre")
    assert len(position) == 1 and "Un outil de réservation partagé" in position[0]
    assert "avant le" in position[0]
    assert f'href="/defis/{world.challenge_id}#tour"' in text

    await consent_for_the_test_lieu(client, world)
    assert not _with(_items(await _space(client)), "Position à prendre")


async def test_a_withdrawn_position_is_to_take_again(client: Client, world: World) -> None:
    await RoundPosition.insert(
        RoundPosition(round=world.round_id, lieu=world.lieu_id, kind="consent", taken_at=now())
    )
    await log_in(client, world.emails["member"])
    assert not _with(_items(await _space(client)), "Position à prendre")
    await RoundPosition.insert(
        RoundPosition(
            round=world.round_id,
            lieu=world.lieu_id,
            number=2,
            kind="consent",
            withdrawn=True,
            taken_at=now(),
        )
    )
    assert _with(_items(await _space(client)), "Position à prendre")


async def test_a_co_proposal_waits_until_answered(client: Client, world: World) -> None:
    await log_in(client, world.emails["lieu_admin"])
    items = _with(_items(await _space(client)), "Co-portage à accepter")
    assert len(items) == 1 and "Un outil de réservation partagé" in items[0]
    answered = await post_form(
        client,
        f"/defis/{world.challenge_id}/co-porteurs/{world.lieu_id}",
        {"answer": "accept"},
        form_page=f"/defis/{world.challenge_id}",
    )
    assert answered.status_code == 303
    items = _items(await _space(client))
    assert not _with(items, "Co-portage")
    # A proposer takes no position on its own challenge, and its lieu's unanswered question
    # is now one to answer.
    assert not _with(items, "Position à prendre")
    assert len(_with(items, "Question à laquelle répondre")) == 1


async def test_questions_and_objections_on_our_challenge_wait_for_an_answer(
    client: Client, world: World
) -> None:
    challenge = await factories.make_challenge(world.network_id, world.lieu_id, "Un pass commun")
    round_id = await factories.make_round(challenge, 1, days=5)
    question = await factories.make_question(round_id, world.other_lieu_id, "Et la maintenance ?")
    await RoundPosition.insert(
        RoundPosition(
            round=round_id,
            lieu=world.other_lieu_id,
            kind="objection",
            text="Rien sur la gouvernance.",
            taken_at=now(),
        )
    )
    await log_in(client, world.emails["member"])
    items = _items(await _space(client))
    asked = _with(items, "Question à laquelle répondre")
    assert len(asked) == 1 and "Un pass commun" in asked[0] and "Et la maintenance ?" in asked[0]
    assert "avant le" in asked[0]
    objected = _with(items, "Objection à laquelle répondre")
    assert len(objected) == 1 and "Rien sur la gouvernance." in objected[0]

    answered = await post_form(
        client,
        f"/questions/{question}/reponse",
        {"text": "Les lieux porteurs."},
        form_page=f"/defis/{challenge}",
    )
    assert answered.status_code == 303
    items = _items(await _space(client))
    assert not _with(items, "Question à laquelle répondre")
    assert _with(items, "Objection à laquelle répondre")

    # Once the round closed on the objection, a new version is what waits.
    await ConsentRound.update({ConsentRound.closed_at: now()}).where(ConsentRound.id == round_id)
    items = _items(await _space(client))
    assert not _with(items, "Objection à laquelle répondre")
    amend = _with(items, "Nouvelle version à publier")
    assert len(amend) == 1 and "Un pass commun" in amend[0]


async def test_reports_sent_back_wait_for_their_proposers_and_published_ones_for_review(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["lieu_admin"])
    text = await _space(client)
    changes = _with(_items(text), "Modifications demandées au compte rendu de la période 1")
    assert len(changes) == 1 and "Un commun financé" in changes[0]
    assert f'href="/rapports/{world.draft_report_id}/modifier"' in text

    client.cookies.clear()
    await log_in(client, world.emails["coordinator"])
    text = await _space(client)
    review = _with(_items(text), "Compte rendu de la période 1 à valider")
    assert len(review) == 1 and "Un commun en revue" in review[0]
    validated = await post_form(
        client,
        f"/rapports/{world.report_id}/revue",
        {"decision": "validate", "comment": ""},
        form_page=f"/rapports/{world.report_id}",
    )
    assert validated.status_code == 303
    assert not _with(_items(await _space(client)), "à valider")


async def test_a_member_sees_open_envelopes_with_drawing_rights_left_and_pledges(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["lieu_admin"])
    text = await _space(client)
    assert "Droits de tirage : 30 000,00 € restants sur 30 000,00 €" in text
    pledged = await post_form(
        client,
        f"/enveloppes/{world.envelope_id}/contributions",
        {
            "challenge": str(world.consented_challenge_id),
            "unit": f"lieu:{world.lieu_id}",
            "source": "drawing_rights",
            "amount": "1000",
        },
        form_page=f"/enveloppes/{world.envelope_id}",
    )
    assert pledged.status_code == 303, pledged.text
    text = await _space(client)
    assert "Droits de tirage : 29 000,00 € restants sur 30 000,00 €" in text
    assert "1 000,00 € sur les droits de tirage" in text and "Un commun consenti" in text


async def test_a_cofunder_sees_its_organisation_and_the_envelopes_open_to_it(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["cofunder"])
    text = await _space(client)
    assert "Vous ne faites partie d’aucun lieu" not in text
    assert "Cofinanceur · Département Test" in text
    assert "Enveloppes ouvertes aux contributions" in text
    assert f'href="/enveloppes/{world.envelope_id}"' in text
    assert "Rien ne vous attend." in text
    pledged = await post_form(
        client,
        f"/enveloppes/{world.envelope_id}/contributions",
        {
            "challenge": str(world.consented_challenge_id),
            "unit": f"org:{_org_id(text)}",
            "source": "own_funds",
            "amount": "500",
        },
        form_page=f"/enveloppes/{world.envelope_id}",
    )
    assert pledged.status_code == 303, pledged.text
    assert "500,00 € sur fonds propres" in await _space(client)


def _org_id(text: str) -> str:
    """The organisation's id, from its group's anchor."""
    match = re.search(r'id="org-(\d+)"', text)
    assert match
    return match.group(1)


async def test_a_coordinator_sees_a_round_without_quorum_until_it_is_extended(
    client: Client, world: World
) -> None:
    challenge = await factories.make_challenge(world.network_id, world.other_lieu_id, "Un atlas")
    round_id = await factories.make_round(challenge, 1, days=3, opened_days_ago=4)
    await log_in(client, world.emails["coordinator"])
    items = _items(await _space(client))
    late = _with(items, "Tour sans quorum")
    assert len(late) == 1 and "Un atlas" in late[0] and "clos le" in late[0]
    # Nobody else is asked to act on it, and the members have no position to take there.
    client.cookies.clear()
    await log_in(client, world.emails["member"])
    assert not _with(_items(await _space(client)), "Un atlas")

    client.cookies.clear()
    await log_in(client, world.emails["coordinator"])
    later = (now() + dt.timedelta(days=10)).astimezone().strftime("%Y-%m-%dT%H:%M")
    extended = await post_form(
        client,
        f"/tours/{round_id}/prolongation",
        {"deadline": later},
        form_page=f"/defis/{challenge}",
    )
    assert extended.status_code == 303, extended.text
    assert not _with(_items(await _space(client)), "Un atlas")


async def test_a_coordinator_sees_phases_ending_soon_envelopes_to_settle_and_invitations(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["coordinator"])
    items = _items(await _space(client))
    assert len(_with(items, "Enveloppe close, à régler")) == 1
    assert not _with(items, "Fin de la phase")
    assert not _with(items, "Invitation en attente")

    soon = now() + dt.timedelta(days=2)
    await Envelope.update({Envelope.funding_until: soon}).where(Envelope.id == world.envelope_id)
    invited = await post_form(
        client,
        f"/reseaux/{world.network_slug}/lieux/inviter",
        {
            "name": "La Grange",
            "town": "Millau",
            "legal_form": "scic",
            "territory": "",
            "description": "",
            "email": "grange@exemple.fr",
            "weight": "1",
        },
        form_page=f"/reseaux/{world.network_slug}/lieux/inviter",
    )
    assert invited.status_code == 303
    items = _items(await _space(client))
    ending = _with(items, "Fin de la phase « Contributions ouvertes »")
    assert len(ending) == 1 and "avant le" in ending[0]
    invitation = _with(items, "Invitation en attente (administration d’un lieu)")
    assert len(invitation) == 1 and "La Grange" in invitation[0] and "expire le" in invitation[0]

    await Invitation.update({Invitation.accepted_at: now()}).where(
        Invitation.email == "grange@exemple.fr"
    )
    assert not _with(_items(await _space(client)), "Invitation en attente")


async def test_the_coordination_page_lists_what_waits_and_the_envelopes(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["coordinator"])
    page = page_text(await client.get(f"/reseaux/{world.network_slug}/gerer"))
    assert "Ce qui attend la coordination" in page
    assert _with(_items(page), "Compte rendu de la période 1 à valider")
    assert "Les enveloppes du réseau" in page
    for envelope in (world.envelope_id, world.draft_envelope_id, world.settled_envelope_id):
        assert f'href="/enveloppes/{envelope}"' in page
    assert f'href="/reseaux/{world.network_slug}/enveloppes/nouvelle"' in page
    assert "Configurer une enveloppe" in page


async def test_a_site_admin_and_a_person_without_role_are_told_nothing_waits(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["site_admin"])
    text = await _space(client)
    assert "Rien ne vous attend." in text and not _items(text)
    assert 'href="/admin/reseaux/nouveau"' in text

    await factories.make_user("personne@exemple.fr", "Lou Personne")
    client.cookies.clear()
    await log_in(client, "personne@exemple.fr")
    text = await _space(client)
    assert "Rien ne vous attend." in text and not _items(text)
    assert "Vous n’agissez encore pour aucun lieu" in text


async def test_nothing_is_listed_twice_for_a_person_of_both_proposing_lieux(
    client: Client, world: World
) -> None:
    """The lieu admin also belongs to the challenge's proposer; once its own lieu accepted to
    co-propose, the question on that challenge is one item, under one lieu."""
    await log_in(client, world.emails["lieu_admin"])
    await post_form(
        client,
        f"/defis/{world.challenge_id}/co-porteurs/{world.lieu_id}",
        {"answer": "accept"},
        form_page=f"/defis/{world.challenge_id}",
    )
    user = await _user_id(world.emails["lieu_admin"])
    await factories.add_member(user, world.other_lieu_id)
    items = _items(await _space(client))
    assert len(_with(items, "Question à laquelle répondre")) == 1


async def _user_id(email: str) -> int:
    row = await User.select(User.id).where(User.email == email).first()
    assert row is not None
    return int(row["id"])


async def test_a_visitor_is_asked_to_log_in(client: Client, world: World) -> None:
    assert (await client.get("/mon-espace")).status_code == 401


async def test_a_funded_challenge_asks_for_its_report_until_it_is_published(
    client: Client, world: World
) -> None:
    challenge = await factories.make_consented_challenge(
        world.network_id, world.lieu_id, world.other_lieu_id, "Un four à pain partagé"
    )
    envelope = await factories.make_settled_envelope(
        world.network_id,
        [world.lieu_id, world.other_lieu_id],
        pledges=((challenge, world.other_lieu_id, 150_000),),
    )
    await log_in(client, world.emails["member"])
    text = await _space(client)
    due = _with(_items(text), "Compte rendu de la période 1 à écrire")
    assert len(due) == 1 and "Un four à pain partagé" in due[0]
    assert f'href="/enveloppes/{envelope}/defis/{challenge}/rapports/nouveau"' in text

    report = await factories.make_report(envelope, challenge, status="draft")
    text = await _space(client)
    assert not _with(_items(text), "à écrire")
    assert len(_with(_items(text), "Compte rendu de la période 1 à publier")) == 1
    assert f'href="/rapports/{report}/modifier"' in text

    await Report.update({Report.status: "published"}).where(Report.id == report)
    assert not _with(_items(await _space(client)), "Un four à pain partagé")


async def test_a_coordinator_sees_a_new_version_waiting_for_its_round_until_it_opens(
    client: Client, world: World
) -> None:
    challenge = await factories.make_challenge(
        world.network_id, world.other_lieu_id, "Un pass amendé", versions=2
    )
    round_id = await factories.make_round(challenge, 1, days=3, opened_days_ago=5)
    await RoundPosition.insert(
        RoundPosition(
            round=round_id,
            lieu=world.lieu_id,
            kind="objection",
            text="Et la sortie du pass ?",
            taken_at=now() - dt.timedelta(days=4),
        )
    )
    await log_in(client, world.emails["coordinator"])
    waiting = _with(_items(await _space(client)), "Nouvelle version en attente d’un tour")
    assert len(waiting) == 1 and "Un pass amendé" in waiting[0]

    later = (now() + dt.timedelta(days=10)).astimezone().strftime("%Y-%m-%dT%H:%M")
    opened = await post_form(
        client, f"/defis/{challenge}/tours", {"deadline": later}, form_page=f"/defis/{challenge}"
    )
    assert opened.status_code == 303, opened.text
    assert not _with(_items(await _space(client)), "Un pass amendé")
    # The lieu that objected now has a position to take on the new version.
    client.cookies.clear()
    await log_in(client, world.emails["member"])
    assert _with(_with(_items(await _space(client)), "Position à prendre"), "Un pass amendé")


async def test_kept_reads_follow_every_write_and_serve_each_reader_their_own_items(
    settings: Settings, world: World
) -> None:
    """With reads kept by data version (as in production), the lieu of the challenge and the
    lieu asked for a position share what is kept of the network, each sees its own items, and
    a position taken shows at the next request."""
    from cobudget.web.app import create_app

    app = create_app(replace(settings, page_cache_bytes=1_000_000))
    async with (
        AsyncTestClient(app=app, base_url="http://testserver.local") as member,
        AsyncTestClient(app=app, base_url="http://testserver.local") as proposer,
    ):
        person = await factories.make_user("comptoir@exemple.fr", "Louise Comptoir")
        await factories.add_member(person, world.other_lieu_id)
        await log_in(member, world.emails["member"])
        await log_in(proposer, "comptoir@exemple.fr")
        counts = []
        for _ in range(2):  # the second request reads what the first kept
            before = queries_run()
            mine = _items(await _space(member))
            counts.append(queries_run() - before)
            theirs = _items(await _space(proposer))
            assert _with(mine, "Position à prendre") and not _with(mine, "Question à laquelle")
            assert _with(theirs, "Question à laquelle répondre")
            assert not _with(theirs, "Position à prendre")
        assert counts[1] < counts[0], counts
        await consent_for_the_test_lieu(member, world)
        assert not _with(_items(await _space(member)), "Position à prendre")


async def test_a_person_of_a_lieu_and_of_a_cofunder_sees_both_with_their_pledges(
    client: Client, world: World
) -> None:
    await factories.add_member(await _user_id(world.emails["cofunder"]), world.lieu_id)
    await log_in(client, world.emails["cofunder"])
    for unit, source in ((f"lieu:{world.lieu_id}", "drawing_rights"), ("org", "own_funds")):
        text = await _space(client)
        assert "Lieu · " in text and "Cofinanceur · Département Test" in text
        pledged = await post_form(
            client,
            f"/enveloppes/{world.envelope_id}/contributions",
            {
                "challenge": str(world.consented_challenge_id),
                "unit": unit if unit != "org" else f"org:{_org_id(text)}",
                "source": source,
                "amount": "700",
            },
            form_page=f"/enveloppes/{world.envelope_id}",
        )
        assert pledged.status_code == 303, pledged.text
    text = await _space(client)
    lieu, org = text.split("Cofinanceur · Département Test")
    assert "700,00 € sur les droits de tirage" in lieu and "29 300,00 €" in lieu
    assert "700,00 € sur fonds propres" in org and "droits de tirage" not in org
