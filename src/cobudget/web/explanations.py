"""The engine's explanations in words (SPEC §6): why a challenge is funded or not.

The engine explains itself with reason codes and numbers; this is the one place that turns
them into sentences, in the reader's language, so a page template only prints them.
"""

from __future__ import annotations

from babel.numbers import format_decimal

from cobudget.engine.settlement import (
    CofundingExplanation,
    EqualSharesExplanation,
    Explanation,
    MatchingExplanation,
)
from cobudget.i18n import current_locale, ngettext
from cobudget.i18n import gettext as _
from cobudget.rendering import money


def _fraction(text: str | None) -> str:
    """ "41/60" → "0,683" (three decimals, for reading; the exact fraction stays in the data)."""
    if not text:
        return ""
    num, _sep, den = text.partition("/")
    return format_decimal(int(num) / int(den or 1), format="0.000", locale=current_locale())


def _common(reasons: list[str]) -> list[str]:
    sentences = []
    if "not_consented" in reasons:
        sentences.append(_("Le défi n’est pas consenti : il ne peut pas recevoir d’argent."))
    if "proposer_not_eligible" in reasons:
        sentences.append(
            _("Un lieu porteur n’a pas une forme juridique éligible à l’argent de l’enveloppe.")
        )
    return sentences


def _cofunding(e: CofundingExplanation) -> list[str]:
    sentences = _common(e.reasons)
    if "not_consented" in e.reasons:
        return sentences  # the rest does not matter until the network consents
    if not e.reasons:
        sentences.append(
            # The amounts are on the card already (its bar and caption): say why, not them again.
            ngettext(
                "Financé : le minimum est atteint et %(num)d lieu contribue en plus des porteurs "
                "(il en faut %(needed)d).",
                "Financé : le minimum est atteint et %(num)d lieux contribuent en plus des "
                "porteurs (il en faut %(needed)d).",
                e.cofunders,
            )
            % {"num": e.cofunders, "needed": e.min_cofunders}
        )
        if e.scaled_back_cents:
            sentences.append(
                _("Le dépassement du maximum (%(excess)s) est rendu au prorata des contributions.")
                % {"excess": money(e.scaled_back_cents)}
            )
        return sentences
    if "below_threshold" in e.reasons:
        sentences.append(
            _("Il manque %(missing)s pour atteindre le minimum de %(threshold)s.")
            % {
                "missing": money(e.threshold_cents - e.pledged_cents),
                "threshold": money(e.threshold_cents),
            }
        )
    if "too_few_cofunders" in e.reasons:
        sentences.append(
            ngettext(
                "%(num)d lieu contribue hors porteurs ; il en faut au moins %(needed)d.",
                "%(num)d lieux contribuent hors porteurs ; il en faut au moins %(needed)d.",
                e.cofunders,
            )
            % {"num": e.cofunders, "needed": e.min_cofunders}
        )
    return sentences


def _equal_shares(e: EqualSharesExplanation) -> list[str]:
    sentences = _common(e.reasons)
    if e.stage == "greedy":
        sentences.append(
            ngettext(
                "Retenu en dernier, en position %(round)d : ses soutiens ne pouvaient pas le "
                "payer à parts égales, mais il tenait dans ce qui restait de l’enveloppe. "
                "%(num)d lieu le paie sur ses droits de tirage non dépensés.",
                "Retenu en dernier, en position %(round)d : ses soutiens ne pouvaient pas le "
                "payer à parts égales, mais il tenait dans ce qui restait de l’enveloppe. "
                "%(num)d lieux le paient sur leurs droits de tirage non dépensés, chacun selon "
                "ce qu’il lui en restait.",
                len(e.payments),
            )
            % {"round": e.round or 0, "num": len(e.payments)}
        )
    elif e.stage is not None and e.price_per_support is None:
        sentences.append(
            _("Retenu sans rien coûter à l’enveloppe, en position %(round)d.")
            % {"round": e.round or 0}
        )
    elif e.stage is not None:
        stage = {
            "equal_shares": _("par la méthode des parts égales"),
            "add_one": _("à parts égales, après une hausse des droits de tirage de tous les lieux"),
        }[e.stage]
        sentences.append(
            ngettext(
                "Retenu %(stage)s, en position %(round)d, à un prix de %(rho)s par unité de "
                "soutien ; %(num)d lieu paie.",
                "Retenu %(stage)s, en position %(round)d, à un prix de %(rho)s par unité de "
                "soutien ; %(num)d lieux paient.",
                len(e.payments),
            )
            % {
                "stage": stage,
                "round": e.round or 0,
                "rho": _fraction(e.price_per_support),
                "num": len(e.payments),
            }
        )
    elif "no_support" in e.reasons:
        sentences.append(_("Aucun lieu ne le soutient : il ne peut pas être financé."))
    elif "not_affordable" in e.reasons:
        sentences.append(
            _(
                "Ses soutiens n’ont pas assez de droits de tirage pour payer son coût "
                "(%(cost)s) à parts égales, et il ne tient pas dans ce qui reste de l’enveloppe."
            )
            % {"cost": money(e.cost_cents)}
        )
    return sentences


def _matching(e: MatchingExplanation) -> list[str]:
    sentences = _common(e.reasons)
    if e.single_unit:
        sentences.append(
            _(
                "Un seul contributeur : pas d’abondement, la règle favorise les communs que plusieurs soutiennent."
            )
        )
    if "dropped_below_minimum" in e.reasons:
        sentences.append(
            _("Écarté : il restait à %(short)s de son minimum.")
            % {"short": money(e.shortfall_cents)}
        )
    elif not e.reasons:
        sentences.append(
            _(
                "L’enveloppe y ajoute %(match)s (le calcul en demandait %(ideal)s avant de tenir compte de l’enveloppe et des maximums)."
            )
            % {"match": money(e.match_cents), "ideal": money(e.ideal_match_cents)}
        )
        if e.capped:
            sentences.append(_("Plafonné à son maximum ; le reste va aux autres défis."))
        elif e.scale:
            sentences.append(
                _(
                    "Les abondements demandés dépassent l’enveloppe : chacun est ramené à %(pct)s %% de ce qu’il serait."
                )
                % {"pct": _fraction(f"{100 * int(e.scale.split('/')[0])}/{e.scale.split('/')[1]}")}
            )
    return sentences


def explain(explanation: Explanation | None) -> str:
    """One paragraph saying why the challenge is funded or not."""
    if explanation is None:
        return ""
    if isinstance(explanation, CofundingExplanation):
        return " ".join(_cofunding(explanation))
    if isinstance(explanation, EqualSharesExplanation):
        return " ".join(_equal_shares(explanation))
    return " ".join(_matching(explanation))


def funded_by(drawing_rights_cents: int, own_funds_cents: int, match_cents: int) -> str:
    """Where a funded challenge's money comes from, naming only the sources that gave some: an
    envelope without matching has no « abondement : 0,00 € » to read on every card. « Dont »
    (of which) holds for a live projection and a published settlement alike."""
    parts = [
        text % {"amount": money(cents)}
        for text, cents in (
            (_("droits de tirage : %(amount)s"), drawing_rights_cents),
            (_("fonds propres : %(amount)s"), own_funds_cents),
            (_("abondement : %(amount)s"), match_cents),
        )
        if cents
    ]
    return _("Dont %(parts)s.") % {"parts": _(" ; ").join(parts)} if parts else ""
