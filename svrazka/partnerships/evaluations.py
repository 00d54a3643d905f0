"""Evaluations of partnerships: our own, and our partners' through a private link that needs no
account, expires and works once. Writes (services) first, then reads (selectors): the results
that compare the sides, and an organisation's track record.

The questions and ratings are svrazka.partnerships.practice's EVALUATION_QUESTIONS and
EVALUATION_RATINGS; an evaluation stores {question key: text} and {rating key: 1..5}."""

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from svrazka.accounts.models import hash_secret
from svrazka.contacts.models import Affiliation, Organisation, Person, PersonEmail
from svrazka.history.models import Action
from svrazka.history.services import record_change
from svrazka.partnerships import practice
from svrazka.partnerships.models import (
    Evaluation,
    EvaluationInvite,
    Partnership,
    PartnershipPartner,
)

INVITE_DAYS_DEFAULT = 14
INVITE_DAYS_MIN = 1
INVITE_DAYS_MAX = 90
ANSWER_MAX_LENGTH = 5000
QUESTION_KEYS = [q.key for q in practice.EVALUATION_QUESTIONS]
RATING_KEYS = [r.key for r in practice.EVALUATION_RATINGS]
RATING_MIN = getattr(practice, "RATING_MIN", 1)
RATING_MAX = getattr(practice, "RATING_MAX", 5)

# Short names of the ratings for tables and sentences ("the sides differ most on …").
RATING_SHORT_NAMES = {
    "goals_met": gettext_lazy("goals met"),
    "communication": gettext_lazy("communication"),
    "responsiveness": gettext_lazy("responsiveness"),
    "contributions_delivered": gettext_lazy("contributions delivered"),
    "would_partner_again": gettext_lazy("would partner again"),
}


class InviteClosed(Exception):
    """The evaluation link expired, was withdrawn or was already used."""


def rating_name(key: str, language: str | None = None) -> str:
    if key in RATING_SHORT_NAMES:
        return str(RATING_SHORT_NAMES[key])
    rating = next((r for r in practice.EVALUATION_RATINGS if r.key == key), None)
    return rating.text(language or translation.get_language()) if rating else key


def _record(partnership: Partnership, actor, changes: dict) -> None:
    record_change(
        workspace=partnership.workspace,
        actor=actor,
        obj=partnership,
        action=Action.UPDATE,
        changes=changes,
    )


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- validation -----------------------------------------------------------------------------


def clean_answers(answers: dict) -> dict[str, str]:
    """Known questions only, stripped, empty ones dropped."""
    cleaned = {}
    for key in QUESTION_KEYS:
        text = (answers.get(key) or "").strip()
        if len(text) > ANSWER_MAX_LENGTH:
            raise ValidationError(
                {key: _("Keep an answer under %(n)s characters.") % {"n": ANSWER_MAX_LENGTH}}
            )
        if text:
            cleaned[key] = text
    return cleaned


def clean_ratings(ratings: dict) -> dict[str, int]:
    """Known ratings only, each a whole number from 1 to 5; empty ones dropped."""
    cleaned = {}
    for key in RATING_KEYS:
        value = ratings.get(key)
        if value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if (
            number is None
            or str(number) != str(value).strip()
            or not (RATING_MIN <= number <= RATING_MAX)
        ):
            raise ValidationError(
                {
                    key: _("Choose a rating from %(min)s to %(max)s.")
                    % {"min": RATING_MIN, "max": RATING_MAX}
                }
            )
        cleaned[key] = number
    return cleaned


def _clean_content(answers: dict, ratings: dict) -> tuple[dict, dict]:
    answers, ratings = clean_answers(answers or {}), clean_ratings(ratings or {})
    if not answers and not ratings:
        raise ValidationError(_("Answer at least one question or give at least one rating."))
    return answers, ratings


# --- services: evaluations ------------------------------------------------------------------


@transaction.atomic
def evaluation_submit_ours(
    *, partnership: Partnership, actor, answers: dict, ratings: dict, respondent_name: str = ""
) -> Evaluation:
    """Our side's evaluation, filled in by a member of the workspace."""
    answers, ratings = _clean_content(answers, ratings)
    user = _user(actor)
    evaluation = Evaluation(
        workspace=partnership.workspace,
        partnership=partnership,
        organisation=None,
        respondent_name=(respondent_name or "").strip() or (str(user) if user else ""),
        answers=answers,
        ratings=ratings,
        submitted_by=user,
    )
    # answers and ratings are validated above (the model does not allow them empty: blank=False)
    evaluation.full_clean(exclude=["workspace", "answers", "ratings"])
    evaluation.save()
    _record(
        partnership,
        actor,
        {
            "evaluation": [
                None,
                _("our side: %(name)s") % {"name": evaluation.respondent_name or "—"},
            ]
        },
    )
    return evaluation


@transaction.atomic
def evaluation_submit_by_partner(
    *, invite: EvaluationInvite, answers: dict, ratings: dict, respondent_name: str = ""
) -> Evaluation:
    """A partner's evaluation through its private link. The link is claimed with a conditional
    UPDATE (a row lock where the database has them): of two simultaneous submissions only one
    succeeds; the other gets InviteClosed and stores nothing."""
    answers, ratings = _clean_content(answers, ratings)
    now = timezone.now()
    claimed = EvaluationInvite.objects.filter(
        pk=invite.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if claimed != 1:
        raise InviteClosed
    invite = EvaluationInvite.objects.select_related(
        "partnership__workspace", "organisation", "person"
    ).get(pk=invite.pk)
    name = (respondent_name or "").strip()
    evaluation = Evaluation(
        workspace=invite.partnership.workspace,
        partnership=invite.partnership,
        organisation=invite.organisation,
        respondent_name=name or (invite.person.full_name if invite.person else invite.email),
        answers=answers,
        ratings=ratings,
        submitted_at=now,
    )
    evaluation.full_clean(exclude=["workspace", "answers", "ratings"])
    evaluation.save()
    EvaluationInvite.objects.filter(pk=invite.pk).update(evaluation=evaluation)
    who = f"{invite.organisation.name}: {evaluation.respondent_name or '—'}"
    _record(invite.partnership, None, {"evaluation": [None, who]})
    return evaluation


# --- services: invites ----------------------------------------------------------------------


def _partner_of(partnership: Partnership, organisation: Organisation) -> PartnershipPartner:
    partner = (
        PartnershipPartner.objects.filter(partnership=partnership, organisation=organisation)
        .select_related("organisation")
        .first()
    )
    if partner is None or organisation.workspace_id != partnership.workspace_id:
        raise ValidationError({"organisation": _("Choose a partner of this partnership.")})
    return partner


def _check_person(partner: PartnershipPartner, person: Person, email: str) -> str:
    if person.workspace_id != partner.workspace_id:
        raise ValidationError({"person": _("Choose from this workspace.")})
    is_theirs = (
        partner.liaison_id == person.pk
        or Affiliation.objects.filter(person=person, organisation=partner.organisation).exists()
    )
    if not is_theirs:
        raise ValidationError(
            {
                "person": _("%(person)s is not affiliated with %(organisation)s.")
                % {"person": person, "organisation": partner.organisation}
            }
        )
    emails = list(PersonEmail.objects.filter(person=person).values_list("email", flat=True))
    if not email:
        if not emails:
            raise ValidationError(
                {"person": _("%(person)s has no email address.") % {"person": person}}
            )
        return emails[0]
    if email.lower() not in {e.lower() for e in emails}:
        raise ValidationError(
            {"email": _("This is not an email address of %(person)s.") % {"person": person}}
        )
    return email


def _invite_label(invite: EvaluationInvite) -> str:
    return (
        f"{invite.organisation.name} <{invite.email}>" if invite.email else invite.organisation.name
    )


def invite_link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("evaluation_public", args=[token])


def evaluation_invite_create(
    *,
    partnership: Partnership,
    actor,
    organisation: Organisation,
    person: Person | None = None,
    email: str = "",
    days: int = INVITE_DAYS_DEFAULT,
) -> tuple[EvaluationInvite, str]:
    """A private link for a partner organisation to evaluate the partnership. Returns the invite
    and the link; only a hash of its token is stored, so the link can be shown only now. When
    there is an email address, the link is emailed once the transaction commits."""
    if not isinstance(days, int) or not (INVITE_DAYS_MIN <= days <= INVITE_DAYS_MAX):
        raise ValidationError(
            {
                "days": _("The link can be valid from %(min)s to %(max)s days.")
                % {"min": INVITE_DAYS_MIN, "max": INVITE_DAYS_MAX}
            }
        )
    email = (email or "").strip()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        partner = _partner_of(partnership, organisation)
        if person is not None:
            email = _check_person(partner, person, email)
        invite = EvaluationInvite(
            workspace=partnership.workspace,
            partnership=partnership,
            organisation=organisation,
            person=person,
            email=email,
            token_hash=hash_secret(token),
            expires_at=timezone.now() + timedelta(days=days),
            created_by=_user(actor),
        )
        invite.full_clean(exclude=["workspace"])
        invite.save()
        _record(partnership, actor, {"evaluation_invite": [None, _invite_label(invite)]})
        link = invite_link(token)
        if email:
            sender = _user(actor)
            transaction.on_commit(lambda: _send_invite(invite, link, sender))
    return invite, link


def _send_invite(invite: EvaluationInvite, link: str, sender) -> None:
    # In the sender's language; the page it links to follows the reader's.
    with translation.override(getattr(sender, "language", "") or None):
        subject = _("Please evaluate the partnership “%(title)s”") % {
            "title": invite.partnership.title
        }
        body = "\n\n".join(
            [
                _("Hello,"),
                _(
                    "%(ngo)s asks %(organisation)s to evaluate the partnership “%(title)s”: "
                    "how it was created, whether it was useful, what the challenges were and "
                    "what you would change. It takes about ten minutes and needs no account."
                )
                % {
                    "ngo": invite.workspace.name,
                    "organisation": invite.organisation.name,
                    "title": invite.partnership.title,
                },
                link,
                _("The link works once and is valid until %(date)s.")
                % {
                    "date": formats.date_format(
                        timezone.localtime(invite.expires_at), "DATE_FORMAT"
                    )
                },
                _("Thank you!"),
            ]
        )
    send_mail(subject, body, None, [invite.email])


@transaction.atomic
def evaluation_invite_revoke(*, invite: EvaluationInvite, actor) -> EvaluationInvite:
    """Withdraw an open link: it expires now. A used or expired link stays as it is."""
    now = timezone.now()
    if EvaluationInvite.objects.filter(
        pk=invite.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(revoked_at=now):
        invite.revoked_at = now
        _record(invite.partnership, actor, {"evaluation_invite": [_invite_label(invite), None]})
    return invite


# --- selectors ------------------------------------------------------------------------------


def invite_for_token(token: str) -> EvaluationInvite | None:
    """The invite whose link carries this token (open or not), or None."""
    if not token or len(token) > 100:
        return None
    return (
        EvaluationInvite.objects.select_related("partnership", "organisation")
        .filter(token_hash=hash_secret(token))
        .first()
    )


def get_evaluation(workspace, pk: int) -> Evaluation:
    try:
        return Evaluation.objects.select_related("partnership", "organisation", "submitted_by").get(
            workspace=workspace, pk=pk
        )
    except (Evaluation.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def get_invite(workspace, pk: int) -> EvaluationInvite:
    try:
        return EvaluationInvite.objects.select_related("partnership", "organisation").get(
            workspace=workspace, pk=pk
        )
    except (EvaluationInvite.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def partner_organisations(partnership: Partnership) -> list[Organisation]:
    return [
        p.organisation
        for p in PartnershipPartner.objects.filter(
            workspace=partnership.workspace_id, partnership=partnership
        )
        .select_related("organisation")
        .order_by("id")
    ]


def liaison_emails(partnership: Partnership) -> list[PersonEmail]:
    """Email addresses of the partners' liaisons, each with .organisation set, to invite."""
    partners = PartnershipPartner.objects.filter(
        workspace=partnership.workspace_id, partnership=partnership, liaison__isnull=False
    ).select_related("organisation")
    by_person = {p.liaison_id: p.organisation for p in partners}
    emails = list(
        PersonEmail.objects.filter(workspace=partnership.workspace_id, person_id__in=by_person)
        .select_related("person")
        .order_by("person_id", "position", "id")
    )
    for e in emails:
        e.organisation = by_person[e.person_id]
    return emails


def evaluation_card(partnership: Partnership) -> dict:
    """What the room's evaluation card shows, in two queries."""
    evaluations = list(
        Evaluation.objects.filter(workspace=partnership.workspace_id, partnership=partnership)
        .select_related("organisation")
        .order_by("-submitted_at", "-id")
    )
    invites = list(
        EvaluationInvite.objects.filter(
            workspace=partnership.workspace_id,
            partnership=partnership,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("organisation")
        .order_by("expires_at", "id")
    )
    return {"evaluations": evaluations, "open_invites": invites}


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def number(value: float | None) -> str:
    """A rating or an average as people write it: 4, 3.5 (3,5 in Bulgarian)."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return formats.number_format(round(value, 1), 1)


@dataclass
class Side:
    """One side of a partnership: us (organisation None) or a partner organisation."""

    label: str
    organisation: Organisation | None = None
    evaluations: list[Evaluation] = field(default_factory=list)
    averages: dict[str, float | None] = field(default_factory=dict)

    @property
    def is_us(self) -> bool:
        return self.organisation is None


@dataclass
class Results:
    sides: list[Side]
    questions: list[dict]  # {"text", "cells": [[(respondent, answer), …] per side]}
    ratings: list[dict]  # {"key", "name", "text", "cells": [average per side], "average"}
    summary: list[str]
    count: int


def evaluation_results(*, partnership: Partnership, language: str | None = None) -> Results:
    """The sides side by side: answers per question, ratings averaged per side, and a few
    sentences saying where they agree and differ. Two queries."""
    language = language or translation.get_language()
    evaluations = list(
        Evaluation.objects.filter(workspace=partnership.workspace_id, partnership=partnership)
        .select_related("organisation")
        .order_by("submitted_at", "id")
    )
    us = Side(label=_("Us"))
    sides: dict[int | None, Side] = {None: us}
    for org in partner_organisations(partnership):
        sides[org.pk] = Side(label=org.name, organisation=org)
    for e in evaluations:
        if e.organisation_id not in sides:  # a former partner
            sides[e.organisation_id] = Side(label=e.organisation.name, organisation=e.organisation)
        sides[e.organisation_id].evaluations.append(e)
    ordered = list(sides.values())
    for side in ordered:
        side.averages = {
            key: _mean([e.ratings[key] for e in side.evaluations if key in e.ratings])
            for key in RATING_KEYS
        }
    questions = [
        {
            "text": q.text(language),
            "cells": [
                [
                    (e.respondent_name, e.answers[q.key])
                    for e in s.evaluations
                    if e.answers.get(q.key)
                ]
                for s in ordered
            ],
        }
        for q in practice.EVALUATION_QUESTIONS
    ]
    ratings = [
        {
            "key": r.key,
            "name": rating_name(r.key, language),
            "text": r.text(language),
            "cells": [
                number(s.averages[r.key]) if s.averages[r.key] is not None else "" for s in ordered
            ],
            "average": number(_mean([e.ratings[r.key] for e in evaluations if r.key in e.ratings]))
            if any(r.key in e.ratings for e in evaluations)
            else "",
        }
        for r in practice.EVALUATION_RATINGS
    ]
    return Results(
        sides=ordered,
        questions=questions,
        ratings=ratings,
        summary=_summary(ordered, evaluations, language),
        count=len(evaluations),
    )


def _summary(sides: list[Side], evaluations: list[Evaluation], language: str) -> list[str]:
    if not evaluations:
        return [_("No evaluations yet.")]
    us, partners = sides[0], sides[1:]
    sentences = []
    # Where our ratings and a partner's differ most.
    widest = None
    for side in partners:
        for key in RATING_KEYS:
            ours, theirs = us.averages.get(key), side.averages.get(key)
            if ours is None or theirs is None:
                continue
            gap = abs(ours - theirs)
            if widest is None or gap > widest[0]:
                widest = (gap, key, ours, side, theirs)
    if widest is not None and widest[0] >= 1:
        _gap, key, ours, side, theirs = widest
        sentences.append(
            _(
                "The sides differ most on %(rating)s: we rated %(ours)s, %(partner)s rated "
                "%(theirs)s."
            )
            % {
                "rating": rating_name(key, language),
                "ours": number(ours),
                "partner": side.label,
                "theirs": number(theirs),
            }
        )
    elif widest is not None:
        sentences.append(_("The sides broadly agree: no rating differs by a full point."))
    # Highest and lowest rated overall.
    overall = {
        key: _mean([e.ratings[key] for e in evaluations if key in e.ratings]) for key in RATING_KEYS
    }
    rated = sorted(((v, k) for k, v in overall.items() if v is not None), key=lambda t: t[0])
    if len(rated) >= 2 and rated[0][0] != rated[-1][0]:
        sentences.append(
            _("Rated highest: %(high)s (%(high_value)s); lowest: %(low)s (%(low_value)s).")
            % {
                "high": rating_name(rated[-1][1], language),
                "high_value": number(rated[-1][0]),
                "low": rating_name(rated[0][1], language),
                "low_value": number(rated[0][0]),
            }
        )
    # Anyone who would rather not work together again.
    for side in sides:
        again = side.averages.get("would_partner_again")
        if again is not None and again <= 2:
            if side.is_us:
                sentences.append(
                    _("We would rather not partner again (%(value)s of 5).")
                    % {"value": number(again)}
                )
            else:
                sentences.append(
                    _("%(partner)s would rather not partner again (%(value)s of 5).")
                    % {"partner": side.label, "value": number(again)}
                )
    # Who has not answered yet.
    if not us.evaluations:
        sentences.append(_("Our side has not evaluated the partnership yet."))
    silent = [s.label for s in partners if not s.evaluations]
    if silent:
        sentences.append(
            _("No evaluation yet from: %(partners)s.") % {"partners": ", ".join(silent)}
        )
    return sentences


@dataclass
class TrackRecord:
    organisation: Organisation
    partnerships: int  # evaluated partnerships it took part in
    our_averages: list[tuple[str, str]]  # (rating name, our average about them)
    our_count: int
    their_averages: list[tuple[str, str]]
    their_evaluations: list[Evaluation]


def organisation_track_record(organisation: Organisation) -> TrackRecord:
    """An organisation's evaluation track record in one query: the partnerships with it that
    were evaluated, our average ratings of them, and the evaluations it gave us."""
    theirs_partnerships = PartnershipPartner.objects.filter(
        workspace=organisation.workspace_id, organisation=organisation
    ).values("partnership_id")
    rows = list(
        Evaluation.objects.filter(workspace=organisation.workspace_id)
        .filter(
            Q(organisation=organisation)
            | Q(organisation__isnull=True, partnership_id__in=theirs_partnerships)
        )
        .select_related("partnership")
        .order_by("-submitted_at", "-id")
    )
    ours = [e for e in rows if e.organisation_id is None]
    theirs = [e for e in rows if e.organisation_id == organisation.pk]

    def averages(evaluations):
        result = []
        for key in RATING_KEYS:
            value = _mean([e.ratings[key] for e in evaluations if key in e.ratings])
            if value is not None:
                result.append((rating_name(key), number(value)))
        return result

    return TrackRecord(
        organisation=organisation,
        partnerships=len({e.partnership_id for e in rows}),
        our_averages=averages(ours),
        our_count=len(ours),
        their_averages=averages(theirs),
        their_evaluations=theirs,
    )
