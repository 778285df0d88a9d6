"""The words people read when something is refused: message codes → French text (and English).

Domain errors carry stable codes, sometimes with parameters after a colon
(`too_long:120`); this is the one place that turns them into sentences.
"""

from __future__ import annotations

from cobudget.i18n import gettext as _


def field_message(code: str) -> str:
    name, _sep, rest = code.partition(":")
    params = rest.split(":") if rest else []
    match name:
        case "required":
            return _("Ce champ est obligatoire.")
        case "too_long":
            return _("Ce texte est trop long : {max} caractères au plus.").format(max=params[0])
        case "invalid_email":
            return _("Cette adresse e-mail n’a pas l’air valide (exemple : prenom@lieu.fr).")
        case "password_too_short":
            return _("Le mot de passe doit faire au moins {min} caractères.").format(min=params[0])
        case "password_mismatch":
            return _("Les deux mots de passe ne sont pas identiques.")
        case "invalid_choice":
            return _("Choisissez une des options proposées.")
        case "not_a_whole_number":
            return _("Indiquez un nombre entier.")
        case "out_of_range":
            return _("Indiquez un nombre entre {low} et {high}.").format(
                low=params[0], high=params[1]
            )
        case "invalid_url":
            return _("L’adresse du site doit commencer par https:// ou http://.")
        case "bad_credentials":
            return _("Adresse e-mail ou mot de passe incorrect.")
        case "network_name_taken":
            return _("Un réseau porte déjà ce nom.")
        case "lieu_name_taken":
            return _("Un lieu de ce réseau porte déjà ce nom.")
        case "cofunder_name_taken":
            return _("Un cofinanceur de ce réseau porte déjà ce nom.")
        case "already_coordinator":
            return _("Cette personne coordonne déjà ce réseau.")
        case "already_member":
            return _("Cette personne fait déjà partie du lieu.")
        case "email_taken":
            return _("Un compte existe déjà avec cette adresse e-mail.")
        case "negative":
            return _("Un montant ne peut pas être négatif.")
        case "too_many_decimals":
            return _(
                "Deux chiffres après la virgule au plus : les montants sont en euros et centimes."
            )
        case "too_large":
            return _("Ce montant est trop élevé.")
        case "not_an_amount":
            return _("Indiquez un montant en euros, par exemple 1 250,50.")
        case "zero_amount":
            return _("Le montant doit être supérieur à zéro.")
        case "min_above_max":
            return _("Le minimum ne peut pas dépasser le maximum.")
        case "at_least_one_line":
            return _("Indiquez au moins un poste de dépense.")
        case "too_many_lines":
            return _("{max} postes de dépense au plus.").format(max=params[0])
        case "duplicate_label":
            return _("Deux postes portent le même nom.")
        case "above_total_max":
            return _("Le montant demandé dépasse la somme des maximums des postes.")
        case "co_proposer_not_member":
            return _("Un lieu co-porteur doit être membre du réseau.")
        case "already_published":
            return _("Ce défi est déjà publié : publiez plutôt une nouvelle version.")
        case "not_published_yet":
            return _("Ce défi n’est pas encore publié.")
        case "no_change":
            return _("Cette version ne change rien à la précédente.")
        case "version_changed_meanwhile":
            return _(
                "Une autre version vient d’être publiée : rechargez la page avant de recommencer."
            )
        case "reset_link_invalid":
            return _("Ce lien de réinitialisation n’est plus valable. Demandez-en un nouveau.")
    return _("Cette valeur n’est pas acceptée.")


def refusal_message(reason: str) -> str:
    match reason:
        case "login_required":
            return _("Connectez-vous pour faire cela.")
        case "site_admin_only":
            return _("Seule l’administration du site peut faire cela.")
        case "coordinator_only":
            return _("Seule la coordination du réseau peut faire cela.")
        case "lieu_admin_only":
            return _("Seules les personnes qui administrent ce lieu peuvent faire cela.")
        case "member_only":
            return _("Seules les personnes membres de ce lieu du réseau peuvent faire cela.")
        case "proposer_only" | "proposers_only":
            return _("Seuls les lieux qui portent ce défi peuvent le modifier.")
        case "proposer_cannot_concern":
            return _("Votre lieu porte déjà ce défi.")
        case "round_open":
            return _("Un tour de consentement est en cours sur cette version : attendez sa fin.")
        case "objections_unanswered":
            return _("Répondez d’abord à chaque objection du dernier tour.")
        case "network_private":
            return _("Ce réseau n’est pas public.")
        case "log_in_as_invited_account":
            return _(
                "Cette invitation est adressée à un compte existant : "
                "connectez-vous avec ce compte pour l’accepter."
            )
        case "csrf":
            return _(
                "Le formulaire a expiré ou ne vient pas de ce site. "
                "Rechargez la page et recommencez."
            )
    return _("Vous n’avez pas le droit de faire cela.")


def not_found_message(entity: str) -> str:
    match entity:
        case "network":
            return _("Ce réseau n’existe pas.")
        case "lieu":
            return _("Ce lieu n’existe pas.")
        case "challenge":
            return _("Ce défi n’existe pas.")
        case "challenge_version":
            return _("Cette version du défi n’existe pas.")
        case "co_proposal":
            return _("Cette invitation à co-porter le défi n’existe plus.")
        case "invitation":
            return _("Cette invitation n’existe pas, a déjà été acceptée ou a expiré.")
    return _("Cette page n’existe pas.")
