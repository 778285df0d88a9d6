"""The demo's two envelopes, told through the services at their dates: the coordinator creates
and opens each, the lieux and co-funders pledge once funding is open (to challenges consented by
then), and the 2026 one is settled the day after it closed. The 2027 one is in funding now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import msgspec

from cobudget.domain.permissions import Actor
from cobudget.domain.reports import DeliverableForm, Delivery, ReportForm
from cobudget.services import envelopes, pledges, reports, settlements
from cobudget.services.clock import told_at
from cobudget.services.demo_story import Cast

PARIS = ZoneInfo("Europe/Paris")

# A pledge: challenge title, lieu index (demo.LIEUX) or None, co-funder index or None, euros.
Pledge = tuple[str, int | None, int | None, int]


class EnvelopeStory(msgspec.Struct, frozen=True):
    title: str
    euros: int
    # proposals, diagnosis, funding from, funding until: days from now
    calendar: tuple[int, int, int, int]
    pledges: tuple[Pledge, ...]
    pledged: int  # days after funding opens that the pledges are made
    settled: bool


SETTLED = EnvelopeStory(
    title="Enveloppe 2026 — communs numériques",
    euros=26_000,
    calendar=(-200, -170, -140, -110),
    pledges=(
        ("Une cartographie ouverte des tiers-lieux", 0, None, 1500),
        ("Une cartographie ouverte des tiers-lieux", 1, None, 1200),
        ("Une cartographie ouverte des tiers-lieux", 2, None, 1000),
        ("Une cartographie ouverte des tiers-lieux", None, 0, 800),
        ("Un fonds documentaire juridique commun", 8, None, 1200),
        ("Un fonds documentaire juridique commun", 9, None, 1000),
        ("Un fonds documentaire juridique commun", 0, None, 500),
        ("Un fonds documentaire juridique commun", None, 1, 500),
    ),
    pledged=8,
    settled=True,
)
IN_FUNDING = EnvelopeStory(
    title="Enveloppe 2027 — communs des tiers-lieux",
    euros=39_000,
    calendar=(-40, -30, -5, 25),
    pledges=(
        ("Des ateliers de réparation itinérants", 1, None, 1500),
        ("Des ateliers de réparation itinérants", 4, None, 1500),
        ("Des ateliers de réparation itinérants", 7, None, 2000),
        ("Des ateliers de réparation itinérants", None, 1, 1000),
        ("Un outil de réservation partagé", 1, None, 1000),
        ("Un outil de réservation partagé", 2, None, 2000),
        ("Un outil de réservation partagé", 4, None, 1000),
        ("Un outil de réservation partagé", None, 0, 3000),
        ("Un pass inter-lieux", 8, None, 900),
        ("Un pass inter-lieux", 9, None, 1000),
    ),
    pledged=1,
    settled=False,
)


def _local(moment: dt.datetime) -> str:
    """A date as the envelope form types it (datetime-local, Paris time)."""
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


async def tell(
    cast: Cast,
    story: EnvelopeStory,
    *,
    challenge_ids: Mapping[str, int],
    org_ids: list[int],
    cofunders: Mapping[int, Actor],
) -> int:
    """Create, open, pledge and (if the story says so) settle; returns the envelope's id."""
    at = [cast.moment + dt.timedelta(days=days) for days in story.calendar]
    with told_at(at[0] - dt.timedelta(days=3)):
        envelope_id = await envelopes.create_envelope(
            cast.coordinator,
            network_id=cast.network_id,
            form=envelopes.EnvelopeForm(
                title=story.title,
                amount=str(story.euros),
                proposals_from=_local(at[0]),
                diagnosis_from=_local(at[1]),
                funding_from=_local(at[2]),
                funding_until=_local(at[3]),
            ),
        )
        await envelopes.move(cast.settings, cast.coordinator, envelope_id=envelope_id, kind="open")
    with told_at(at[2] + dt.timedelta(days=story.pledged)):
        for title, lieu, org, euros in story.pledges:
            if lieu is not None:  # a lieu, from its drawing rights
                await pledges.set_pledge(
                    cast.speakers[lieu],
                    envelope_id=envelope_id,
                    challenge_id=challenge_ids[title],
                    source="drawing_rights",
                    amount_cents=euros * 100,
                    lieu_id=cast.lieu_ids[lieu],
                )
            elif org is not None:  # a co-funder, from its own funds
                await pledges.set_pledge(
                    cofunders[org],
                    envelope_id=envelope_id,
                    challenge_id=challenge_ids[title],
                    source="own_funds",
                    amount_cents=euros * 100,
                    org_id=org_ids[org],
                )
    if story.settled:
        # The coordinator settles the day after the close: stored inputs, digest, emails.
        with told_at(at[3] + dt.timedelta(days=1)):
            await settlements.settle(cast.settings, cast.coordinator, envelope_id=envelope_id)
    return envelope_id


# The report on what the 2026 envelope funded: label → euros spent, receipt.
REPORTED = "Une cartographie ouverte des tiers-lieux"
SPENT = {"Collecte des données": ("2400", "Facture 2026-031"), "Carte en ligne": ("1100", "")}
DELIVERABLES = (
    ("Carte des tiers-lieux du Massif", "https://carte.demo.cobudget.fr"),
    ("Jeu de données des lieux (CSV)", "https://carte.demo.cobudget.fr/donnees.csv"),
)


async def report(cast: Cast, *, envelope_id: int, challenge_id: int, proposer: int) -> int:
    """The proposers publish their report two months ago; the coordinator validates it."""
    writer = cast.speakers[proposer]
    found = await reports.funded(writer, envelope_id, challenge_id)
    lines = {line.label: line.id for line in found.challenge.budget_lines}
    with told_at(cast.moment - dt.timedelta(days=60)):
        report_id = await reports.save(
            cast.settings,
            writer,
            envelope_id=envelope_id,
            challenge_id=challenge_id,
            form=ReportForm(
                progress="La carte est en ligne ; douze lieux ont relu leur fiche.",
                delivery=Delivery.DELIVERED.value,
                spending={lines[label]: euros for label, (euros, _receipt) in SPENT.items()},
                receipts={lines[label]: receipt for label, (_euros, receipt) in SPENT.items()},
                deliverables=tuple(DeliverableForm(title, url) for title, url in DELIVERABLES),
            ),
            publish=True,
        )
    with told_at(cast.moment - dt.timedelta(days=55)):
        await reports.review(
            cast.settings, cast.coordinator, report_id=report_id, decision="validate", comment=""
        )
    return report_id
