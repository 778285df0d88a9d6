"""Documents through HTTP (issue 17): receipts attached to a report and its lines, the picture of
a challenge and of a lieu. A file is judged by its content, not its name; too big is refused
while it is read; every refusal writes no row and leaves no file; a file is served with safe
headers, to whoever may read what it belongs to; removing it removes its file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import quote

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import AuditEntry, Document, Network, Report
from cobudget.domain import documents as rules
from cobudget.domain.permissions import Actor
from cobudget.services import documents, reports, storage
from cobudget.settings import Settings
from tests.conftest import csrf_token
from tests.integration.conftest import World, log_in, post_form
from tests.integration.conftest import page_text as _t
from tests.support.documents import stored_files, tiny_pdf, tiny_png

ADMIN = Actor(is_site_admin=True)
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


async def upload(
    client: AsyncTestClient,  # type: ignore[type-arg]
    path: str,
    name: str,
    content: bytes,
    declared: str = "application/pdf",
    **fields: str,
):  # type: ignore[no-untyped-def]
    """Post a multipart form the way a browser does, with the CSRF token of a page."""
    token = await csrf_token(client)
    return await client.post(
        path,
        data={"_csrf_token": token, **fields},
        files={"file": (name, content, declared)},
        follow_redirects=False,
    )


async def _line_ids(world: World) -> list[int]:
    found = await reports.funded(ADMIN, world.settled_envelope_id, world.funded_challenge_id)
    return [line.id for line in found.challenge.budget_lines]


async def _rows() -> list[dict[str, object]]:
    return await Document.select().order_by(Document.id)


async def test_a_proposer_attaches_a_pdf_receipt_to_a_line_and_everyone_reads_it(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
) -> None:
    await log_in(client, world.emails["member"])
    line = (await _line_ids(world))[0]
    pdf = tiny_pdf()
    response = await upload(
        client,
        f"/rapports/{world.draft_report_id}/justificatifs",
        "../../Facture été 2026.pdf",
        pdf,
        line=str(line),
    )
    assert response.status_code == 303, _t(response)
    (row,) = await _rows()
    assert row["kind"] == "receipt" and row["report"] == world.draft_report_id
    assert row["budget_line"] == line and row["content_type"] == "application/pdf"
    assert row["name"] == "Facture été 2026.pdf" and row["size_bytes"] == len(pdf)
    path = storage.path_of(settings.documents_path, str(row["storage_key"]))
    assert path.read_bytes() == pdf and "Facture" not in path.name
    assert await AuditEntry.count().where(AuditEntry.action == "document.add_receipt") == 1

    page = await client.get(f"/rapports/{world.draft_report_id}")
    assert f'href="/documents/{row["id"]}"' in page.text
    assert "Facture été 2026.pdf" in _t(page)

    client.cookies.clear()  # a visitor: the report is sent back, not a draft, so public
    served = await client.get(f"/documents/{row['id']}")
    assert served.status_code == 200
    assert served.content == pdf
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["x-content-type-options"] == "nosniff"
    disposition = served.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Facture été 2026.pdf', safe='')}" in disposition
    assert "sandbox" in served.headers["content-security-policy"]
    assert served.headers["cache-control"] == "private, no-cache"
    again = await client.get(
        f"/documents/{row['id']}", headers={"if-none-match": served.headers["etag"]}
    )
    assert again.status_code == 304 and not again.content


async def test_an_html_file_named_pdf_is_refused_and_nothing_is_kept(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
) -> None:
    await log_in(client, world.emails["member"])
    before = stored_files(settings)
    for name, content in (("facture.pdf", HTML), ("logo.svg", SVG), ("vide.pdf", b"")):
        response = await upload(
            client, f"/rapports/{world.draft_report_id}/justificatifs", name, content
        )
        assert response.status_code == 422, name
        text = _t(response)
        assert "ni un PDF ni une image" in text or "Choisissez un fichier" in text
    assert await _rows() == []
    assert stored_files(settings) == before


async def test_a_picture_must_be_an_image_whatever_its_name(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    response = await upload(
        client, f"/defis/{world.funded_challenge_id}/image", "photo.png", tiny_pdf(), "image/png"
    )
    assert response.status_code == 422
    assert "pas une image PNG, JPEG ou WebP" in _t(response)
    assert await _rows() == []


@pytest.fixture
async def small_client(
    settings: Settings, db: str
) -> AsyncIterator[tuple[AsyncTestClient, Settings]]:  # type: ignore[type-arg]
    """A client of an app that takes receipts of 512 KiB at most."""
    from cobudget.web.app import create_app

    small = replace(settings, receipt_max_bytes=512 * 1024)
    async with AsyncTestClient(app=create_app(small), base_url="http://testserver.local") as c:
        yield c, small


async def test_too_big_is_refused_while_read_with_a_message_or_a_413(
    small_client: tuple[AsyncTestClient, Settings],  # type: ignore[type-arg]
    world: World,
) -> None:
    client, small = small_client
    await log_in(client, world.emails["member"])
    before = stored_files(small)
    path = f"/rapports/{world.draft_report_id}/justificatifs"
    a_bit_big = tiny_pdf() + b"%" * (512 * 1024)
    response = await upload(client, path, "gros.pdf", a_bit_big)
    assert response.status_code == 422
    assert "Ce fichier est trop lourd : 0,5 Mo au plus." in _t(response)
    far_too_big = tiny_pdf() + b"%" * (1024 * 1024)
    response = await upload(client, path, "enorme.pdf", far_too_big)
    assert response.status_code == 413
    assert "trop volumineuse" in _t(response)
    assert await _rows() == []
    assert stored_files(small) == before


async def test_a_report_takes_a_bounded_number_of_files(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules, "MAX_FILES_PER_REPORT", 2)
    await log_in(client, world.emails["member"])
    path = f"/rapports/{world.draft_report_id}/justificatifs"
    for _ in range(2):
        assert (await upload(client, path, "f.png", tiny_png(), "image/png")).status_code == 303
    response = await upload(client, path, "f.png", tiny_png(), "image/png")
    assert response.status_code == 422
    assert "2 fichiers au plus" in _t(response)
    assert len(await _rows()) == 2


async def test_removing_a_receipt_deletes_its_row_and_its_file(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
) -> None:
    await log_in(client, world.emails["member"])
    await upload(client, f"/rapports/{world.draft_report_id}/justificatifs", "r.pdf", tiny_pdf())
    (row,) = await _rows()
    path = storage.path_of(settings.documents_path, str(row["storage_key"]))
    assert path.exists()
    response = await post_form(
        client, f"/rapports/{world.draft_report_id}/justificatifs/{row['id']}/supprimer", {}
    )
    assert response.status_code == 303
    assert await _rows() == []
    assert not path.exists()
    assert (await client.get(f"/documents/{row['id']}")).status_code == 404


@pytest.mark.parametrize("role", ["cofunder", "coordinator", "visitor"])
async def test_who_does_not_propose_the_challenge_attaches_nothing(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
    role: str,
) -> None:
    if role != "visitor":
        await log_in(client, world.emails[role])
    before = stored_files(settings)
    response = await upload(
        client, f"/rapports/{world.draft_report_id}/justificatifs", "r.pdf", tiny_pdf()
    )
    assert response.status_code == (401 if role == "visitor" else 403)
    assert await _rows() == [] and stored_files(settings) == before


async def test_a_published_report_takes_no_more_files(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    await Report.update({Report.status: "published"}).where(Report.id == world.draft_report_id)
    response = await upload(
        client, f"/rapports/{world.draft_report_id}/justificatifs", "r.pdf", tiny_pdf()
    )
    assert response.status_code == 403
    assert await _rows() == []


async def test_a_draft_reports_files_are_its_proposers_only(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    await upload(client, f"/rapports/{world.draft_report_id}/justificatifs", "r.pdf", tiny_pdf())
    (row,) = await _rows()
    await Report.update({Report.status: "draft"}).where(Report.id == world.draft_report_id)
    assert (await client.get(f"/documents/{row['id']}")).status_code == 200
    await log_in(client, world.emails["cofunder"])
    hidden = await client.get(f"/documents/{row['id']}")
    assert hidden.status_code == 404
    same = _t(hidden).replace(f"/documents/{row['id']}", "/documents/987654")
    assert same == _t(await client.get("/documents/987654"))


async def test_a_private_networks_files_are_read_only_by_who_reads_the_network(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    await upload(client, f"/rapports/{world.draft_report_id}/justificatifs", "r.pdf", tiny_pdf())
    await upload(
        client, f"/defis/{world.funded_challenge_id}/image", "p.png", tiny_png(), "image/png"
    )
    ids = [int(str(row["id"])) for row in await _rows()]
    assert len(ids) == 2
    await Network.update({Network.is_public: False}).where(Network.id == world.network_id)
    for role, status in (("visitor", 404), ("cofunder", 404), ("coordinator", 200)):
        client.cookies.clear()
        if role != "visitor":
            await log_in(client, world.emails[role])
        for document_id in ids:
            response = await client.get(f"/documents/{document_id}")
            assert response.status_code == status, (role, document_id)
            if status == 404:
                assert response.content != tiny_png() and b"%PDF" not in response.content
                unknown = await client.get("/documents/987654")
                same = _t(response).replace(f"/documents/{document_id}", "/documents/987654")
                assert same == _t(unknown)  # a private file is no clue
                assert "Ce document n’existe pas." in _t(response)


async def test_a_challenge_picture_is_shown_replaced_and_removed(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
) -> None:
    await log_in(client, world.emails["member"])
    form = await client.get(f"/defis/{world.funded_challenge_id}/image")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    path = f"/defis/{world.funded_challenge_id}/image"
    assert (await upload(client, path, "a.png", tiny_png(), "text/plain")).status_code == 303
    (first,) = await _rows()
    first_file = storage.path_of(settings.documents_path, str(first["storage_key"]))
    page = await client.get(f"/defis/{world.funded_challenge_id}")
    assert f'<img class="picture" src="/documents/{first["id"]}"' in page.text
    served = await client.get(f"/documents/{first['id']}")
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-disposition"].startswith("inline;")

    assert (await upload(client, path, "b.png", tiny_png(3, 3), "image/png")).status_code == 303
    (second,) = await _rows()
    assert second["storage_key"] != first["storage_key"] and not first_file.exists()

    response = await post_form(client, f"{path}/supprimer", {})
    assert response.status_code == 303
    assert await _rows() == []
    page = await client.get(f"/defis/{world.funded_challenge_id}")
    assert 'class="picture"' not in page.text


async def test_a_lieu_picture_is_its_admins_to_change(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    path = f"/lieux/{world.lieu_slug}/image"
    await log_in(client, world.emails["member"])
    assert (await upload(client, path, "l.png", tiny_png(), "image/png")).status_code == 403
    assert await _rows() == []
    await log_in(client, world.emails["lieu_admin"])
    assert (await client.get(path)).status_code == 200
    assert (await upload(client, path, "l.png", tiny_png(), "image/png")).status_code == 303
    (row,) = await _rows()
    assert row["lieu"] == world.lieu_id and row["kind"] == "lieu_picture"
    client.cookies.clear()
    page = await client.get(f"/lieux/{world.lieu_slug}")
    assert f'src="/documents/{row["id"]}"' in page.text
    lieu_api = (await client.get(f"/api/lieux/{world.lieu_id}")).json()
    assert lieu_api["picture_id"] == row["id"]  # the same picture in the API
    await log_in(client, world.emails["lieu_admin"])
    assert (await post_form(client, f"{path}/supprimer", {})).status_code == 303
    assert await _rows() == []


async def test_receipts_of_published_reports_show_on_the_follow_up(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    await upload(client, f"/rapports/{world.draft_report_id}/justificatifs", "r.pdf", tiny_pdf())
    (row,) = await _rows()
    follow_up = f"/enveloppes/{world.settled_envelope_id}/suivi"
    assert f"/documents/{row['id']}" not in (await client.get(follow_up)).text
    await Report.update({Report.status: "published"}).where(Report.id == world.draft_report_id)
    assert f"/documents/{row['id']}" in (await client.get(follow_up)).text


async def test_the_sweep_removes_files_without_a_row_and_keeps_the_others(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
) -> None:
    await log_in(client, world.emails["member"])
    await upload(client, f"/rapports/{world.draft_report_id}/justificatifs", "r.pdf", tiny_pdf())
    (row,) = await _rows()
    kept = storage.path_of(settings.documents_path, str(row["storage_key"]))
    orphan = storage.path_of(settings.documents_path, "ab" * 16)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left behind")
    assert await documents.sweep(settings, older_than=-1) >= 1
    assert kept.exists() and not orphan.exists()


async def test_the_api_shows_a_challenges_picture_and_a_reports_files(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    line = (await _line_ids(world))[0]
    report = f"/rapports/{world.draft_report_id}/justificatifs"
    await upload(client, report, "ensemble.pdf", tiny_pdf())
    await upload(client, report, "ligne.png", tiny_png(), "image/png", line=str(line))
    await upload(
        client, f"/defis/{world.funded_challenge_id}/image", "p.png", tiny_png(), "image/png"
    )
    client.cookies.clear()
    shown = (await client.get(f"/api/reports/{world.draft_report_id}")).json()
    assert [f["name"] for f in shown["files"]] == ["ensemble.pdf"]
    (with_file,) = [row for row in shown["lines"] if row["files"]]
    assert with_file["id"] == line and with_file["files"][0]["content_type"] == "image/png"
    challenge = (await client.get(f"/api/challenges/{world.funded_challenge_id}")).json()
    picture = await client.get(f"/documents/{challenge['picture_id']}")
    assert picture.status_code == 200 and picture.content == tiny_png()
