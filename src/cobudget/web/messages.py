"""The words people read when something is refused: message codes → French text (and English).

Domain errors carry stable codes, sometimes with parameters after a colon
(`too_long:120`); this is the one place that turns them into sentences.
"""

from __future__ import annotations

import math

from cobudget.i18n import gettext as _
from cobudget.i18n import ngettext
from cobudget.rendering import money


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
        case "invalid_receipt":
            return _(
                "Ce n’est pas un reçu : un reçu compte 16 caractères (chiffres et lettres), "
                "en quatre groupes de quatre, par exemple 7K2M-Q9XC-4T1B-HV0D."
            )
        case "out_of_range":
            return _("Indiquez un nombre entre {low} et {high}.").format(
                low=params[0], high=params[1]
            )
        case "invalid_url":
            return _("L’adresse du site doit commencer par https:// ou http://.")
        case "invalid_phone":
            return _(
                "Ce numéro de téléphone n’a pas l’air valide (exemple : 05 63 00 00 00 "
                "ou +33 5 63 00 00 00)."
            )
        case "last_admin":
            return _(
                "Le lieu doit garder au moins une personne qui l’administre : nommez-en "
                "d’abord une autre. Rien n’a été changé."
            )
        case "last_coordinator":
            return _(
                "Le réseau doit garder au moins une personne à sa coordination : nommez-en "
                "d’abord une autre. Rien n’a été changé."
            )
        case "not_a_member":
            return _("Cette personne ne fait pas (ou plus) partie du lieu.")
        case "not_a_coordinator":
            return _("Cette personne ne coordonne pas (ou plus) ce réseau.")
        case "invitation_gone":
            return _("Cette invitation a déjà été acceptée ou annulée.")
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
        case "wrong_password":
            return _("Ce n’est pas votre mot de passe actuel.")
        case "same_email":
            return _("C’est déjà l’adresse de votre compte.")
        case "email_link_invalid":
            return _(
                "Ce lien ne fonctionne plus : il a déjà servi ou a expiré. Demandez à nouveau "
                "le changement depuis votre compte."
            )
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
        case "too_many_needs":
            return _(
                "Votre lieu affiche déjà {max} besoins : archivez-en un avant d’en publier un autre."
            ).format(max=params[0])
        case "too_many_needs_today":
            return _(
                "Votre lieu a déjà publié {max} besoins aujourd’hui : publiez les suivants demain."
            ).format(max=params[0])
        case "need_already_challenge":
            return _("Ce besoin est déjà devenu un défi.")
        case "need_archived":
            return _("Ce besoin est archivé.")
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
        case "concern_needs_text":
            return _("Une réserve s’explique : écrivez-la.")
        case "objection_needs_reason":
            return _(
                "Une objection donne sa raison : en quoi le défi nuirait au réseau ou manquerait son but ?"
            )
        case "unknown_criterion":
            return _("Ce critère n’est pas un critère du réseau.")
        case "unknown_version":
            return _("Choisissez une des versions publiées du défi.")
        case "unknown_comment":
            return _("Ce commentaire n’existe pas dans la discussion de ce défi.")
        case "thread_full":
            return _(
                "Cette conversation compte déjà {max} réponses : ouvrez-en une nouvelle."
            ).format(max=params[0])
        case "criterion_not_for_consent":
            return _(
                "Un critère se rattache à une réserve ou à une objection, pas à un consentement."
            )
        case "invalid_datetime":
            return _("Indiquez une date et une heure.")
        case "invalid_date":
            return _("Indiquez une date, par exemple 2026-12-06.")
        case "dates_reversed":
            return _("La date de début vient après la date de fin.")
        case "deadline_in_past":
            return _("L’échéance doit être dans le futur.")
        case "objection_needs_answer":
            return _("Écrivez comment cette version répond à l’objection.")
        case "too_many_criteria":
            return _("20 critères au plus.")
        case "invalid_criteria":
            return _("Chaque critère tient en 120 caractères et n’apparaît qu’une fois.")
        case "date_before_previous":
            return _("Cette date vient avant celle de la phase précédente.")
        case "unknown_lieu":
            return _("Ce lieu ne fait pas partie de l’enveloppe.")
        case "no_unspent_rights":
            return _("Aucun lieu n’a de droits de tirage non dépensés : partagez selon les poids.")
        case "no_weight":
            return _("Au moins un lieu doit avoir un poids.")
        case "challenge_withdrawn":
            return _("Ce défi a été retiré par ses porteurs : il ne reçoit plus de contribution.")
        case "already_withdrawn":
            return _("Ce défi est déjà retiré.")
        case "challenge_draft":
            return _("Un brouillon ne se retire pas : il n’est visible que de ses porteurs.")
        case "challenge_funded":
            return _(
                "Une répartition a déjà financé ce défi : l’argent est réglé, il ne peut plus être "
                "retiré. Rendez compte de son avancement dans ses comptes rendus."
            )
        case "envelope_awaiting_settlement":
            return _(
                "Une enveloppe close attend son règlement avec des contributions à ce défi ou "
                "des soutiens de lieux : ils sont figés jusqu’à la répartition. Retirez-le après "
                "le règlement."
            )
        case "no_lieu":
            return _("Cochez au moins un lieu : une enveloppe se partage entre ses lieux.")
        case "lieu_not_in_network":
            return _("Un des lieux cochés ne fait pas partie du réseau.")
        case "no_eligible_lieu":
            return _(
                "Aucun lieu de l’enveloppe n’a une forme juridique éligible : aucun ne pourrait "
                "recevoir son argent. Changez ses lieux ou ses formes juridiques éligibles avant "
                "de l’ouvrir."
            )
        case "pledges_closed":
            return _("Les contributions ne sont pas ouvertes sur cette enveloppe.")
        case "challenge_not_consented":
            return _(
                "Seul un défi qui a reçu le consentement du réseau peut recevoir des contributions."
            )
        case "cofunder_has_no_drawing_rights":
            return _(
                "Un cofinanceur contribue sur ses fonds propres : il n’a pas de droits de tirage."
            )
        case "drawing_rights_exceeded":
            return _("Cette contribution dépasse les droits de tirage qui restent à votre lieu.")
        case "above_challenge_maximum":
            room = int(params[0]) if params and params[0].isdigit() else 0
            if room == 0:
                return _(
                    "Ce défi a déjà reçu des contributions à hauteur de son maximum : "
                    "il ne peut pas recevoir davantage."
                )
            return _(
                "Cette contribution porterait le défi au-delà de son maximum : "
                "votre contribution peut aller jusqu’à {room}."
            ).format(room=money(room))
        case "idempotency_key_reused":
            return _(
                "Cette clé de requête a déjà servi pour une autre contribution : "
                "rien n’a été enregistré. Envoyez une nouvelle clé."
            )
        case "challenge_funded_elsewhere":
            return _(
                "Un de ces défis a été financé par une autre enveloppe depuis : "
                "il ne peut pas être reporté."
            )
        case "own_challenge_cap_exceeded":
            return _(
                "Votre lieu dépasserait la part de ses droits de tirage qu’il peut mettre dans ses propres défis."
            )
        case "challenge_not_in_envelope":
            return _(
                "Ce défi ne fait pas partie de cette enveloppe (il a peut-être déjà été financé)."
            )
        case "drawing_rights_not_used_by_rule":
            return _(
                "Avec la règle de cette enveloppe, les lieux ne contribuent pas sur leurs droits de tirage : "
                "donnez votre soutien, ou contribuez sur vos fonds propres."
            )
        case "support_not_used_by_rule":
            return _("Cette enveloppe ne se répartit pas par soutiens (approbations ou points).")
        case "engine_refused":
            return _(
                "La répartition ne peut pas être calculée sur les données de l’enveloppe ({item} : {reason}). "
                "Rien n’a été enregistré."
            ).format(item=params[0] if params else "", reason=params[1] if len(params) > 1 else "")
        case "invalid_unit":
            return _("Choisissez le lieu ou l’organisation au nom de qui vous contribuez.")
        case "not_settled":
            return _("Cette enveloppe n’est pas encore réglée : sa répartition n’est pas publiée.")
        case "pabulib_equal_shares_only":
            return _("Le format pabulib ne décrit que la règle des parts égales.")
        case "pabulib_impossible":
            return _(
                "Cette enveloppe n’a pas de forme pabulib (par exemple : des lieux de poids différents)."
            )
        case "challenge_not_funded":
            return _(
                "Ce défi n’a pas été financé par cette enveloppe : il n’y a pas de compte rendu à écrire."
            )
        case "unknown_budget_line":
            return _("Ce poste de dépense n’appartient pas à la version financée du défi.")
        case "invalid_link":
            return _("Le lien doit être une adresse complète, commençant par https:// ou http://.")
        case "licence_not_free":
            return _(
                "Un livrable financé par le réseau doit être sous licence libre (Etalab 2.0 par défaut)."
            )
        case "too_many":
            return _("{max} au plus.").format(max=params[0] if params else "")
        case "file_required":
            return _("Choisissez un fichier à envoyer.")
        case "file_too_big":
            return _("Ce fichier est trop lourd : {max} Mo au plus.").format(max=params[0])
        case "file_type_refused":
            return _(
                "Ce fichier n’est ni un PDF ni une image (PNG, JPEG ou WebP) : il n’est pas "
                "accepté, quel que soit son nom."
            )
        case "file_not_picture":
            return _(
                "Ce fichier n’est pas une image PNG, JPEG ou WebP : il n’est pas accepté, "
                "quel que soit son nom."
            )
        case "too_many_files":
            return _(
                "Un compte rendu porte {max} fichiers au plus : retirez-en un d’abord."
            ).format(max=params[0])
        case "report_empty":
            return _(
                "Un compte rendu dit au moins une chose : une dépense, un livrable ou où en est le défi."
            )
        case "above_line_maximum":
            room = int(params[0]) if params and params[0].isdigit() else 0
            return _(
                "Les dépenses de ce poste dépasseraient son maximum : il lui reste {room} "
                "(en comptant les comptes rendus validés ou en attente de validation)."
            ).format(room=money(room))
        case "above_received":
            room = int(params[0]) if params and params[0].isdigit() else 0
            return _(
                "Les dépenses payées sur l’argent reçu dépasseraient ce que le défi a reçu : "
                "il en reste {room}. Déclarez le surplus comme payé sur les fonds propres du lieu."
            ).format(room=money(room))
        case "reset_link_invalid":
            return _("Ce lien de réinitialisation n’est plus valable. Demandez-en un nouveau.")
        case "deadline_too_far":
            return _("Un tour dure 60 jours au plus : choisissez une échéance plus proche.")
        case "notice_too_short":
            return _(
                "Une échéance avancée laisse au moins 24 heures aux lieux pour prendre position."
            )
        case "deadline_unchanged":
            return _("C’est déjà l’échéance du tour : choisissez une autre date.")
        case "round_open_no_amend":
            return _(
                "Un tour de consentement est en cours sur cette version : une nouvelle version "
                "ne peut être publiée qu’après sa clôture. Votre texte est conservé ci-dessous."
            )
        case "round_no_longer_movable":
            return _("Ce tour est décidé : son échéance ne bouge plus.")
        case "config_frozen":
            return _(
                "L’enveloppe a été ouverte entre-temps : sa configuration ne change plus, "
                "seul son calendrier peut bouger. Rien n’a été enregistré."
            )
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
        case "lieu_member_only":
            return _("Seules les personnes de ce lieu peuvent faire cela.")
        case "member_only":
            return _("Seules les personnes membres de ce lieu du réseau peuvent faire cela.")
        case "proposer_only" | "proposers_only":
            return _("Seuls les lieux qui portent ce défi peuvent le modifier.")
        case "proposer_cannot_concern":
            return _("Votre lieu porte déjà ce défi.")
        case "own_need":
            return _("Ce besoin est celui de votre lieu.")
        case "round_open":
            return _("Un tour de consentement est en cours sur cette version : attendez sa fin.")
        case "objections_unanswered":
            return _("Répondez d’abord à chaque objection du dernier tour.")
        case "discussion_participants_only":
            return _(
                "Seuls les lieux du réseau, ses cofinanceurs et sa coordination prennent part "
                "à la discussion."
            )
        case "member_or_cofunder_only":
            return _("Seuls les lieux et les cofinanceurs du réseau peuvent réagir.")
        case "proposer_cannot_position" | "proposer_cannot_ask":
            return _("Les lieux qui portent le défi ne prennent pas position : ils répondent.")
        case "not_a_member_lieu":
            return _("Seuls les lieux membres du réseau prennent part au diagnostic.")
        case "round_not_open" | "round_closed" | "round_decided":
            return _("Ce tour de consentement n’est pas ouvert.")
        case "no_position":
            return _("Votre lieu n’a pas de position à retirer.")
        case "not_current_version":
            return _("Ce tour porte sur une version qui n’est plus la dernière.")
        case "challenge_withdrawn":
            return _(
                "Ce défi a été retiré par ses porteurs : il ne reçoit plus de position, de "
                "question, de contribution ni de nouvelle version."
            )
        case "round_already_open":
            return _("Un tour de consentement est déjà ouvert sur ce défi.")
        case "already_consented":
            return _("Cette version a déjà reçu le consentement du réseau.")
        case "version_needs_amendment":
            return _(
                "Une objection tient : les porteurs doivent d’abord publier une nouvelle version."
            )
        case "quorum_unreachable" | "quorum_too_small":
            return _(
                "Le quorum du réseau ne peut pas être atteint : trop peu de lieux peuvent prendre position."
            )
        case "config_frozen":
            return _(
                "L’enveloppe est ouverte : sa configuration ne change plus, seul son calendrier peut bouger."
            )
        case "already_open":
            return _("L’enveloppe est déjà ouverte.")
        case "calendar_out_of_order":
            return _("Les dates du calendrier ne se suivent pas : corrigez-les avant d’ouvrir.")
        case "funding_already_over":
            return _(
                "La clôture des contributions est déjà passée : changez le calendrier avant d’ouvrir."
            )
        case "nothing_to_advance" | "nothing_to_extend":
            return _("Cette phase ne se prolonge ni ne s’avance.")
        case "date_not_later":
            return _("La nouvelle date doit être plus tardive et dans le futur.")
        case "not_closed":
            return _("Les contributions ne sont pas closes.")
        case "not_in_funding":
            return _("Les contributions ne sont pas ouvertes.")
        case "already_settled":
            return _("Cette enveloppe est déjà réglée : une répartition publiée ne se refait pas.")
        case "not_settled":
            return _("Cette enveloppe n’est pas encore réglée.")
        case "report_not_editable":
            return _(
                "Ce compte rendu est publié : il ne se modifie plus, sauf si la coordination demande des modifications."
            )
        case "report_awaiting_review":
            return _(
                "Le compte rendu de cette période attend la validation de la coordination : "
                "la période suivante s’ouvrira quand il sera validé."
            )
        case "report_not_published":
            return _(
                "Seul un compte rendu publié, pas encore examiné, peut être validé ou renvoyé."
            )
        case "cofunder_only":
            return _("Seules les personnes de cette organisation peuvent contribuer en son nom.")
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
        case "last_lieu_admin":
            return _(
                "Vous êtes la dernière personne qui administre un de vos lieux : invitez d’abord "
                "une autre personne à l’administrer, puis supprimez votre compte."
            )
        case "last_coordinator":
            return _(
                "Vous êtes la dernière personne qui coordonne un de vos réseaux : demandez "
                "d’abord à l’administration du site d’en nommer une autre."
            )
        case "last_site_admin":
            return _(
                "Vous êtes la dernière personne qui administre le site : une autre doit l’être "
                "avant que vous supprimiez votre compte."
            )
    return _("Vous n’avez pas le droit de faire cela.")


def not_found_message(entity: str) -> str:
    match entity:
        case "network":
            return _("Ce réseau n’existe pas.")
        case "lieu":
            return _("Ce lieu n’existe pas.")
        case "envelope":
            return _("Cette enveloppe n’existe pas.")
        case "settlement":
            return _("Cette enveloppe n’a pas encore de répartition publiée.")
        case "report":
            return _("Ce compte rendu n’existe pas.")
        case "export":
            return _(
                "Ce fichier n’existe pas. Les tables : challenges, budget_lines, pledges, positions, settlement, reports ; en .csv ou .json."
            )
        case "round":
            return _("Ce tour de consentement n’existe pas.")
        case "question":
            return _("Cette question n’existe pas.")
        case "comment":
            return _("Cette réaction n’existe pas.")
        case "challenge":
            return _("Ce défi n’existe pas.")
        case "document":
            return _("Ce document n’existe pas.")
        case "challenge_version":
            return _("Cette version du défi n’existe pas.")
        case "co_proposal":
            return _("Cette invitation à co-porter le défi n’existe plus.")
        case "invitation":
            return _("Cette invitation n’existe pas, a déjà été acceptée ou a expiré.")
    return _("Cette page n’existe pas.")


def too_many_message(action: str, retry_after_seconds: int) -> str:
    """What a rate limit answers (429), with when to try again."""
    match action:
        case "login":
            what = _("Trop de tentatives de connexion.")
        case "reset_request":
            what = _(
                "Trop de demandes de nouveau mot de passe. Un lien déjà envoyé reste valable "
                "deux heures."
            )
        case "reset":
            what = _("Trop de liens de mot de passe invalides depuis votre adresse.")
        case "signup":
            what = _("Trop de comptes créés depuis votre adresse.")
        case "invitation":
            what = _("Trop d’invitations envoyées aujourd’hui pour ce lieu ou cette adresse.")
        case "discussion":
            what = _("Trop de commentaires publiés en une heure.")
        case "password_check":
            what = _("Trop de mots de passe erronés pour ce compte.")
        case "email_change":
            what = _("Trop de demandes de changement d’adresse e-mail en une heure.")
        case _other:
            what = _("Trop de tentatives.")
    if retry_after_seconds < 60:
        wait = ngettext(
            "Réessayez dans %(num)d seconde.",
            "Réessayez dans %(num)d secondes.",
            retry_after_seconds,
        ) % {"num": retry_after_seconds}
    else:
        minutes = math.ceil(retry_after_seconds / 60)
        wait = ngettext(
            "Réessayez dans %(num)d minute.", "Réessayez dans %(num)d minutes.", minutes
        ) % {"num": minutes}
    return f"{what} {wait}"
