"""The JSON API's reads (SPEC §8): everything the public pages show, with the pages' own
visibility rules; lists paginated; every refusal a JSON problem with a 4xx status."""

from __future__ import annotations

import hashlib
import re

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import Coordinator
from tests.integration.api.conftest import make_draft_challenge, problem
from tests.integration.conftest import World, log_in
from tests.support import factories


async def test_a_visitor_reads_networks_and_their_lieux(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    networks = (await client.get("/api/networks")).json()
    assert networks["total"] == 1 and networks["page"] == 1 and networks["per_page"] == 50
    assert networks["items"][0]["slug"] == world.network_slug

    network = (await client.get(f"/api/networks/{world.network_id}")).json()
    assert network["name"] == "Réseau Test" and network["lieu_count"] == 2
    assert network["cofunders"][0]["name"] == "Département Test"
    assert network["coordinators"] == ["Inès Coordination"]

    lieux = (await client.get(f"/api/networks/{world.network_id}/lieux")).json()
    assert [lieu["name"] for lieu in lieux["items"]] == ["La Fabrique", "Le Comptoir"]
    assert lieux["items"][0]["weight"] == 1

    lieu = (await client.get(f"/api/lieux/{world.lieu_id}")).json()
    assert lieu["slug"] == world.lieu_slug and lieu["people_count"] == 2
    assert [n["id"] for n in lieu["networks"]] == [world.network_id]


async def test_lists_are_paginated_with_their_total(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    path = f"/api/networks/{world.network_id}/challenges"
    everything = (await client.get(path)).json()
    assert everything["total"] == len(everything["items"]) == 5
    pages = [(await client.get(f"{path}?page={n}&per_page=3")).json() for n in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [3, 2, 0]
    assert all(p["total"] == 5 and p["per_page"] == 3 for p in pages)
    assert [c["id"] for p in pages for c in p["items"]] == [c["id"] for c in everything["items"]]
    assert (await client.get(f"{path}?per_page=200")).status_code == 200


@pytest.mark.parametrize(
    "query", ["page=0", "page=-1", "page=abc", "per_page=0", "per_page=201", "per_page=1.5"]
)
async def test_a_bad_pagination_parameter_is_a_400_problem(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    query: str,
) -> None:
    body = problem(await client.get(f"/api/networks/{world.network_id}/lieux?{query}"), 400)
    assert body["title"] == "Requête invalide"
    assert list(body["errors"]) == [query.split("=")[0]]


@pytest.mark.parametrize(
    "path",
    [
        "/api/networks/{missing}",
        "/api/networks/{missing}/lieux",
        "/api/networks/{missing}/envelopes",
        "/api/networks/{missing}/challenges",
        "/api/lieux/{missing}",
        "/api/envelopes/{missing}",
        "/api/envelopes/{missing}/projection",
        "/api/envelopes/{missing}/settlement",
        "/api/envelopes/{envelope}/challenges/{missing}/pledges",
        "/api/challenges/{missing}",
        "/api/challenges/{missing}/versions",
        "/api/challenges/{challenge}/versions/{missing}",
        "/api/challenges/{missing}/rounds",
        "/api/nothing/here",
    ],
)
async def test_an_unknown_id_is_a_404_problem(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    path: str,
) -> None:
    url = path.format(missing=987654, envelope=world.envelope_id, challenge=world.challenge_id)
    body = problem(await client.get(url), 404)
    assert body["title"] == "Introuvable" and "n’existe pas" in body["detail"]


@pytest.mark.parametrize("ident", ["0", "-3", "2147483648", "99999999999999999999", "abc"])
async def test_an_id_out_of_range_is_a_400_or_404_problem(
    client: AsyncTestClient,  # type: ignore[type-arg]
    db: str,
    ident: str,
) -> None:
    response = await client.get(f"/api/networks/{ident}")
    # Litestar matches "abc" to no route at all (404); a number out of range is a 400.
    problem(response, 404 if ident == "abc" else 400)


async def test_a_private_network_answers_as_an_unknown_one(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    private = await factories.make_network("Réseau Discret", public=False)
    lieu = await factories.make_lieu(private, "Le Lieu Discret")
    challenge = await factories.make_challenge(private, lieu, "Un défi discret")
    envelope = await factories.make_envelope(private, [lieu])
    paths = [
        f"/api/networks/{private}",
        f"/api/networks/{private}/lieux",
        f"/api/networks/{private}/envelopes",
        f"/api/networks/{private}/challenges",
        f"/api/lieux/{lieu}",
        f"/api/envelopes/{envelope}",
        f"/api/envelopes/{envelope}/projection",
        f"/api/challenges/{challenge}",
        f"/api/challenges/{challenge}/versions/1",
        f"/api/challenges/{challenge}/rounds",
    ]

    async def as_unknown() -> None:
        for path in paths:
            unknown = re.sub(r"/\d+(/|$)", r"/987654\1", path, count=1)
            said = problem(await client.get(path), 404)
            assert said == problem(await client.get(unknown), 404), path

    await as_unknown()
    assert [n["id"] for n in (await client.get("/api/networks")).json()["items"]] == [
        world.network_id
    ]
    await log_in(client, world.emails["member"])
    await as_unknown()

    # Its coordinators read it (and the site's admins).
    user = await factories.make_user("discret@exemple.fr", "Coordination Discrète")
    await Coordinator.insert(Coordinator(user=user, network=private))
    await log_in(client, "discret@exemple.fr")
    for path in paths:
        assert (await client.get(path)).status_code == 200, path
    listed = (await client.get("/api/networks")).json()["items"]
    assert {n["id"] for n in listed} == {world.network_id, private}


async def test_an_envelope_shows_its_configuration_phase_and_drawing_rights(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    body = (await client.get(f"/api/envelopes/{world.envelope_id}")).json()
    assert body["network_id"] == world.network_id and body["phase"] == "funding"
    assert body["rule"] == "cofunding" and body["amount_cents"] == 6_000_000
    assert body["funding_until"].endswith("Z") or "+" in body["funding_until"]
    rights = {lieu["name"]: lieu["drawing_rights_cents"] for lieu in body["lieux"]}
    assert rights == {"La Fabrique": 3_000_000, "Le Comptoir": 3_000_000}

    listed = (await client.get(f"/api/networks/{world.network_id}/envelopes")).json()
    phases = {e["id"]: e["phase"] for e in listed["items"]}
    assert phases == {
        world.envelope_id: "funding",
        world.es_envelope_id: "funding",
        world.closed_envelope_id: "closed",
        world.settled_envelope_id: "follow_up",
    }


async def test_a_draft_envelope_is_its_coordinators_only(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    listing = f"/api/networks/{world.network_id}/envelopes"
    for role in ("visitor", "member", "cofunder"):
        client.cookies.clear()
        if role != "visitor":
            await log_in(client, world.emails[role])
        problem(await client.get(f"/api/envelopes/{world.draft_envelope_id}"), 404)
        problem(await client.get(f"/api/envelopes/{world.draft_envelope_id}/projection"), 404)
        ids = [e["id"] for e in (await client.get(listing)).json()["items"]]
        assert world.draft_envelope_id not in ids
    await log_in(client, world.emails["coordinator"])
    draft = (await client.get(f"/api/envelopes/{world.draft_envelope_id}")).json()
    assert draft["phase"] == "draft"
    ids = [e["id"] for e in (await client.get(listing)).json()["items"]]
    assert world.draft_envelope_id in ids


async def test_the_projection_explains_each_challenge_in_numbers_and_in_words(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    body = (await client.get(f"/api/envelopes/{world.envelope_id}/projection")).json()
    assert body["settled"] is False and body["funding_open"] is True
    assert body["leftover_cents"] == 6_000_000 and len(body["inputs_digest"]) == 64
    row = next(c for c in body["challenges"] if c["id"] == world.consented_challenge_id)
    assert row["consented"] is True and row["funded"] is False
    assert row["explanation"]["rule"] == "cofunding"
    assert "below_threshold" in row["explanation"]["reasons"]
    assert row["explanation_text"] and row["mine"] == []
    assert {lieu["name"] for lieu in body["lieux"]} == {"La Fabrique", "Le Comptoir"}

    english = await client.get(f"/api/envelopes/{world.envelope_id}/projection?lang=en")
    english_row = next(c for c in english.json()["challenges"] if c["id"] == row["id"])
    assert english_row["explanation_text"] != row["explanation_text"]


async def test_a_member_sees_its_own_stakes_in_the_projection(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    body = (await client.get(f"/api/envelopes/{world.envelope_id}/projection")).json()
    row = next(c for c in body["challenges"] if c["id"] == world.consented_challenge_id)
    assert [stake["unit"] for stake in row["mine"]] == [f"lieu:{world.lieu_id}"]
    # A member pledges the lieu's drawing rights; its own funds are for its admins.
    assert row["mine"][0]["sources"] == ["drawing_rights"]


async def test_a_settled_envelope_shows_its_settlement_with_canonical_inputs_and_digests(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    envelope = world.settled_envelope_id
    body = (await client.get(f"/api/envelopes/{envelope}/settlement")).json()
    inputs_file = await client.get(body["inputs_url"])
    settlement_file = await client.get(body["settlement_url"])
    assert hashlib.sha256(inputs_file.content).hexdigest() == body["inputs_digest"]
    assert hashlib.sha256(settlement_file.content).hexdigest() == body["settlement_sha256"]
    assert body["settlement"] == settlement_file.json()
    assert body["inputs"] == inputs_file.json()
    assert body["settlement"]["inputs_digest"] == body["inputs_digest"]

    projection = (await client.get(f"/api/envelopes/{envelope}/projection")).json()
    assert projection["settled"] is True
    assert projection["inputs_digest"] == body["inputs_digest"]
    assert projection["leftover_cents"] == body["settlement"]["leftover_cents"]

    body = problem(await client.get(f"/api/envelopes/{world.envelope_id}/settlement"), 404)
    assert body["detail"] == "Cette enveloppe n’a pas encore de répartition publiée."


async def test_hidden_pledges_stay_hidden_until_closing(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    from cobudget.db.tables import Pledge
    from cobudget.services.clock import now

    hidden = await factories.make_envelope(
        world.network_id, [world.lieu_id, world.other_lieu_id], hide_pledges=True
    )
    await Pledge.insert(
        Pledge(
            envelope=hidden,
            challenge=world.consented_challenge_id,
            lieu=world.lieu_id,
            source="drawing_rights",
            amount_cents=50_000,
            updated_at=now(),
        )
    )
    path = f"/api/envelopes/{hidden}/challenges/{world.consented_challenge_id}/pledges"
    body = (await client.get(path)).json()
    assert body["total"] == 0 and body["items"] == []
    projection = (await client.get(f"/api/envelopes/{hidden}/projection")).json()
    assert projection["hidden"] is True
    row = next(c for c in projection["challenges"] if c["id"] == world.consented_challenge_id)
    assert row["pledged_cents"] == 50_000  # the total shows, who gave it does not

    await log_in(client, world.emails["member"])
    mine = (await client.get(path)).json()["items"]
    assert [(p["contributor"], p["pledged_cents"]) for p in mine] == [("La Fabrique", 50_000)]


async def test_a_challenge_shows_its_versions_budget_lines_and_rounds(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    body = (await client.get(f"/api/challenges/{world.challenge_id}")).json()
    assert body["is_draft"] is False and body["network_id"] == world.network_id
    assert body["version"]["number"] == 2 and body["version"]["total_min_cents"] == 200_000
    assert [p["id"] for p in body["proposers"]] == [world.other_lieu_id]
    assert [p["id"] for p in body["pending_co_proposers"]] == [world.lieu_id]
    assert [v["number"] for v in body["versions"]] == [1, 2]

    versions = (await client.get(f"/api/challenges/{world.challenge_id}/versions")).json()
    assert [v["number"] for v in versions["items"]] == [1, 2] and versions["total"] == 2
    first = (await client.get(f"/api/challenges/{world.challenge_id}/versions/1")).json()
    assert first["budget_lines"] == [
        {"id": None, "label": "Développement", "min_cents": 100_000, "max_cents": 200_000}
    ]
    assert first["published_at"] is not None
    problem(await client.get(f"/api/challenges/{world.challenge_id}/versions/3"), 404)

    rounds = (await client.get(f"/api/challenges/{world.challenge_id}/rounds")).json()
    (current,) = rounds["items"]
    assert current["id"] == world.round_id and current["is_open"] is True
    assert [q["id"] for q in current["questions"]] == [world.question_id]
    assert [c["id"] for c in current["comments"]] == [world.comment_id]

    consented = f"/api/challenges/{world.consented_challenge_id}/rounds"
    (closed,) = (await client.get(consented)).json()["items"]
    assert [(p["lieu_id"], p["kind"]) for p in closed["positions"]] == [(world.lieu_id, "consent")]


async def test_a_draft_challenge_is_its_proposers_only(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    draft = await make_draft_challenge(world.network_id, world.lieu_id)
    problem(await client.get(f"/api/challenges/{draft}"), 404)
    listed = (await client.get(f"/api/networks/{world.network_id}/challenges")).json()
    assert draft not in [c["id"] for c in listed["items"]]
    await log_in(client, world.emails["coordinator"])
    problem(await client.get(f"/api/challenges/{draft}"), 404)
    await log_in(client, world.emails["member"])
    body = (await client.get(f"/api/challenges/{draft}")).json()
    assert body["is_draft"] is True and body["versions"] == []
    assert body["version"]["title"] == "Un brouillon" and body["version"]["published_at"] is None
    problem(await client.get(f"/api/challenges/{draft}/versions/1"), 404)
