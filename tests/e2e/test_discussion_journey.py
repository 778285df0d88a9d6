"""Issue 16's discussion in a browser, in French and in English: a member comments on a challenge
for their lieu (an empty comment is refused in place), a member of another lieu replies, then
flags the comment; a coordinator sees the flag and hides the comment with a reason, which every
reader then sees in its place. Forms update the discussion in place (htmx); axe checks pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import check_page
from tests.support import factories
from tests.support.factories import PASSWORD


@dataclass(frozen=True)
class Words:
    """What the journey reads and clicks, in one language."""

    locale: str
    email: str
    password: str
    log_in: str
    log_out: str
    home: str
    comment: str
    post: str
    required: str
    posted: str
    reply: str
    your_reply: str
    flag: str
    flagged: str
    flags: str
    hide_reason: str
    hide: str
    hide_confirm: str
    hidden: str
    version: str


FRENCH = Words(
    locale="fr",
    email="Adresse e-mail",
    password="Mot de passe",
    log_in="Se connecter",
    log_out="Se déconnecter",
    home="Bonjour ",
    comment="Votre commentaire",
    post="Publier le commentaire",
    required="Ce champ est obligatoire.",
    posted="Votre commentaire est publié.",
    reply="Répondre",
    your_reply="Votre réponse",
    flag="Signaler à la coordination",
    flagged="Merci : la coordination est prévenue.",
    flags="1 signalement",
    hide_reason="Raison du masquage (lue par tous)",
    hide="Masquer",
    hide_confirm="Masquer la réaction",
    hidden="Masqué par la coordination : Propos hors sujet",
    version="À propos de la version (facultatif)",
)
ENGLISH = Words(
    locale="en",
    email="Email address",
    password="Password",
    log_in="Log in",
    log_out="Log out",
    home="Hello ",
    comment="Your comment",
    post="Post the comment",
    required="This field is required.",
    posted="Your comment is posted.",
    reply="Answer",
    your_reply="Your answer",
    flag="Flag to the coordinators",
    flagged="Thank you: the coordinators are told.",
    flags="1 flag",
    hide_reason="Reason for hiding (read by everyone)",
    hide="Hide",
    hide_confirm="Hide the comment",
    hidden="Hidden by the coordinators: Propos hors sujet",
    version="About the version (optional)",
)


async def _log_in(page: Page, url: str, email: str, words: Words) -> None:
    await page.goto(url + "/connexion")
    await page.get_by_label(words.email).fill(email)
    await page.get_by_label(words.password).fill(PASSWORD)
    await page.get_by_role("button", name=words.log_in).click()
    await expect(page.get_by_role("heading", name=re.compile("^" + words.home))).to_be_visible()


async def _log_out(page: Page, words: Words) -> None:
    await page.get_by_role("button", name=words.log_out).click()
    await expect(page.get_by_role("link", name=words.log_in)).to_be_visible()


@pytest.mark.parametrize("words", [FRENCH, ENGLISH], ids=["fr", "en"])
async def test_a_member_comments_another_replies_and_a_coordinator_hides(
    page: Page, live_server: str, words: Words
) -> None:
    network_id = await factories.make_network("Réseau des Causses")
    lieux = {}
    for key, name in (("a", "Atelier A"), ("b", "Bistrot B"), ("c", "Cowork C")):
        lieux[key] = await factories.make_lieu(network_id, name)
        user = await factories.make_user(f"{key}@causses.fr", f"Personne {key.upper()}")
        await factories.add_member(user, lieux[key])
    coordinator = await factories.make_user("coordo@causses.fr", "Inès Coordination")
    await factories.add_coordinator(coordinator, network_id)
    challenge_id = await factories.make_challenge(
        network_id, lieux["c"], "Un inventaire partagé du matériel"
    )
    url = f"{live_server}/defis/{challenge_id}"
    if words.locale == "en":
        await page.goto(live_server + "/")
        await page.get_by_role("link", name="English").click()
        await expect(page.get_by_role("link", name="Français")).to_be_visible()

    await _log_in(page, live_server, "a@causses.fr", words)
    await page.goto(url)
    await page.get_by_role("button", name=words.post).click()  # nothing typed
    await expect(page.get_by_text(words.required)).to_be_visible()
    await check_page(page, f"60-discussion-refus-{words.locale}")
    await page.get_by_label(words.version).select_option("1")
    await page.get_by_label(words.comment).fill("Chez nous, l’inventaire tient dans un tableur.")
    await page.get_by_role("button", name=words.post).click()
    await expect(page.get_by_text(words.posted)).to_be_visible()
    await expect(page.get_by_text("Chez nous, l’inventaire tient dans un tableur.")).to_be_visible()
    await _log_out(page, words)

    await _log_in(page, live_server, "b@causses.fr", words)
    await page.goto(url)
    await page.locator("summary", has_text=words.reply).click()
    await page.get_by_label(words.your_reply).fill("Pareil au Bistrot : partageons le modèle ?")
    await page.get_by_role("button", name=words.reply, exact=True).click()
    await expect(page.get_by_text("Pareil au Bistrot : partageons le modèle ?")).to_be_visible()
    await check_page(page, f"61-discussion-reponse-{words.locale}")
    first = page.locator("article", has_text="l’inventaire tient dans un tableur")
    await first.get_by_role("button", name=words.flag).click()
    await expect(page.get_by_text(words.flagged)).to_be_visible()
    await _log_out(page, words)

    await _log_in(page, live_server, "coordo@causses.fr", words)
    await page.goto(url)
    first = page.locator("article", has_text="l’inventaire tient dans un tableur")
    await expect(first.get_by_text(words.flags)).to_be_visible()
    await first.get_by_label(words.hide_reason).fill("Propos hors sujet")
    await check_page(page, f"62-discussion-moderation-{words.locale}")
    await first.get_by_role("button", name=words.hide).click()
    await page.get_by_role("button", name=words.hide_confirm).click()  # it asks first
    await expect(page.get_by_text(words.hidden)).to_be_visible()
    await _log_out(page, words)

    await page.goto(url)
    await expect(page.get_by_text(words.hidden)).to_be_visible()
    await expect(page.get_by_text("l’inventaire tient dans un tableur")).to_have_count(0)
    await expect(page.get_by_text("Pareil au Bistrot : partageons le modèle ?")).to_be_visible()
    await check_page(page, f"63-discussion-lecture-publique-{words.locale}")
