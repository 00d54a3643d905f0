"""The partnership agreement: reads and writes.

An agreement's text lives in numbered versions in the deck's six parts (see
svrazka.partnerships.practice.AGREEMENT_PARTS); saving never overwrites a version, it adds the
next one, and refuses when the editor started from a version that is no longer the latest.
The parties are the partnership's partner organisations; signatories are people affiliated with
them. Every write is atomic, validated and recorded in the partnership's history.
"""

import difflib
import logging
import re
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from svrazka.accounts.models import Membership, Role
from svrazka.contacts.models import Affiliation, Organisation, Person
from svrazka.contacts.services import EditConflict
from svrazka.history.models import Action
from svrazka.history.services import record_change
from svrazka.partnerships import practice
from svrazka.partnerships.models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    Duty,
    Partnership,
    PartnershipPartner,
    Resource,
    ResourceKind,
    Signatory,
)

logger = logging.getLogger(__name__)

__all__ = ["EditConflict"]

DETAIL_FIELDS = ["title", "language", "start_date", "end_date", "remind_days_before"]
PLAIN_PARTS = ["common_goals", "period", "mechanism", "benefits"]
PER_PARTNER_PARTS = ["responsibilities", "contributions"]
CONTRIBUTION_KINDS = [k.value for k in ResourceKind]  # cash, in_kind, staff_time
TEXT_LIMIT = 20_000

# Which status may follow which. Expired is normally set by send_agreement_reminders.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    AgreementStatus.DRAFT: (AgreementStatus.SENT, AgreementStatus.SIGNED),
    AgreementStatus.SENT: (AgreementStatus.DRAFT, AgreementStatus.SIGNED),
    AgreementStatus.SIGNED: (AgreementStatus.EXPIRED,),
    AgreementStatus.EXPIRED: (),
}
EDITABLE_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.SENT)

SCAN_MAX_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {  # kind: (magic bytes, extension, content type)
    "pdf": (b"%PDF-", "pdf", "application/pdf"),
    "jpeg": (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
}


# --- the deck's parts -----------------------------------------------------------------------


def parts() -> list:
    return list(practice.AGREEMENT_PARTS)


def part_title(part, language: str) -> str:
    return part.title(language)


def part_hint(part, language: str) -> str:
    return part.hint(language)


# --- selectors ------------------------------------------------------------------------------


def get_agreement(workspace, pk: int) -> Agreement:
    try:
        return Agreement.objects.select_related("partnership", "workspace").get(
            workspace=workspace, pk=pk
        )
    except (Agreement.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def agreement_page(workspace, pk: int) -> Agreement:
    """An agreement with what its page shows: signatories and the list of versions."""
    try:
        return (
            Agreement.objects.filter(workspace=workspace, pk=pk)
            .select_related("partnership", "workspace")
            .prefetch_related(
                Prefetch(
                    "signatories",
                    queryset=Signatory.objects.select_related("person", "organisation").order_by(
                        "organisation__name", "id"
                    ),
                ),
                Prefetch(
                    "versions",
                    queryset=AgreementVersion.objects.select_related("created_by")
                    .only("id", "agreement_id", "number", "note", "created_at", "created_by")
                    .order_by("-number"),
                ),
            )
            .get()
        )
    except (Agreement.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def parties(agreement: Agreement) -> list[PartnershipPartner]:
    """The parties to the agreement: the partnership's partner organisations."""
    return list(
        PartnershipPartner.objects.filter(
            workspace_id=agreement.workspace_id, partnership_id=agreement.partnership_id
        )
        .select_related("organisation")
        .order_by("id")
    )


def latest_version(agreement: Agreement) -> AgreementVersion | None:
    return AgreementVersion.objects.filter(agreement=agreement).order_by("-number").first()


def get_version(agreement: Agreement, number) -> AgreementVersion:
    """A version by number; the latest when number is empty."""
    if number in (None, ""):
        version = latest_version(agreement)
    else:
        try:
            version = AgreementVersion.objects.filter(
                agreement=agreement, number=int(number)
            ).first()
        except (ValueError, TypeError, OverflowError):
            version = None
    if version is None:
        raise Http404
    return version


def signable_people(agreement: Agreement, party_list=None) -> list[Affiliation]:
    """Affiliations of people with the parties: whom one can choose as a signatory."""
    org_ids = [p.organisation_id for p in (party_list or parties(agreement))]
    return list(
        Affiliation.objects.filter(workspace_id=agreement.workspace_id, organisation_id__in=org_ids)
        .select_related("person", "organisation")
        .order_by("organisation__name", "person__sort_key", "id")[:500]
    )


def next_statuses(agreement: Agreement) -> list[tuple[str, str]]:
    return [(s, AgreementStatus(s).label) for s in TRANSITIONS.get(agreement.status, ())]


# --- word-level diff between versions -------------------------------------------------------

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def diff_html(old: str, new: str) -> SafeString:
    """The new text with deleted words in <del> and inserted words in <ins>, escaped."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    out = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f'<del class="diff-del">{escape("".join(a[i1:i2]))}</del>')
        if j2 > j1:
            out.append(f'<ins class="diff-ins">{escape("".join(b[j1:j2]))}</ins>')
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


@dataclass
class DiffRow:
    label: str
    html: SafeString
    changed: bool


@dataclass
class DiffPart:
    number: int
    title: str
    rows: list[DiffRow] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(r.changed for r in self.rows)


def _organisation_names(agreement: Agreement, *versions: AgreementVersion) -> dict[str, str]:
    """Names of the parties, and of organisations named in the versions that are no longer."""
    names = {str(p.organisation_id): p.organisation.name for p in parties(agreement)}
    named = {k for v in versions for k in (*v.responsibilities, *v.contributions)}
    missing = [int(k) for k in named - names.keys() if k.isdigit()]
    for org in Organisation.objects.filter(workspace_id=agreement.workspace_id, pk__in=missing):
        names[str(org.pk)] = org.name
    return names


def _kind_label(kind: str) -> str:
    return str(ResourceKind(kind).label)


def part_texts(part_key: str, version: AgreementVersion, names: dict[str, str]):
    """(label, text) pairs of one part of a version; per-partner parts give one per partner."""
    if part_key in PLAIN_PARTS:
        return [("", getattr(version, part_key) or "")]
    rows = []
    for org_id, name in names.items():
        if part_key == "responsibilities":
            rows.append((name, version.responsibilities.get(org_id, "") or ""))
        else:
            given = version.contributions.get(org_id) or {}
            for kind in CONTRIBUTION_KINDS:
                rows.append((f"{name} — {_kind_label(kind)}", given.get(kind, "") or ""))
    return rows


def version_diff(
    agreement: Agreement, old: AgreementVersion, new: AgreementVersion, language: str
) -> list[DiffPart]:
    names = _organisation_names(agreement, old, new)
    result = []
    for number, part in enumerate(parts(), 1):
        diff_part = DiffPart(number=number, title=part_title(part, language))
        before = dict(part_texts(part.key, old, names))
        for label, text in part_texts(part.key, new, names):
            previous = before.get(label, "")
            diff_part.rows.append(
                DiffRow(label=label, html=diff_html(previous, text), changed=previous != text)
            )
        result.append(diff_part)
    return result


# --- services: the agreement and its versions ----------------------------------------------


def _record(agreement: Agreement, actor, changes: dict, action=Action.UPDATE) -> None:
    record_change(
        workspace=agreement.workspace,
        actor=actor,
        obj=agreement.partnership,
        action=action,
        changes=changes,
    )


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _set_details(agreement: Agreement, data: dict) -> None:
    for name in DETAIL_FIELDS:
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            if value is None and not agreement._meta.get_field(name).null:
                value = agreement._meta.get_field(name).get_default()
            setattr(agreement, name, value)
    if agreement.start_date and agreement.end_date and agreement.end_date < agreement.start_date:
        raise ValidationError(
            {
                "end_date": _(
                    "The agreement cannot end before it starts: the end date is before "
                    "the start date."
                )
            }
        )
    agreement.full_clean(exclude=["workspace", "partnership", "signed_scan"])


def document_date(value: date | None, language: str) -> str:
    """A date as a document in that language writes it: "1 март 2026 г.", "1 March 2026"."""
    if value is None:
        return ""
    with translation.override(language):
        text = formats.date_format(value, "j F Y")
    return f"{text.lower()} г." if language.startswith("bg") else text


def _date_text(value: date) -> str:
    return document_date(value, translation.get_language() or "en")


def period_text(agreement: Agreement) -> str:
    """A first wording of the period of cooperation from the dates, in the agreement's language."""
    lang = agreement.language
    start = document_date(agreement.start_date, lang)
    end = document_date(agreement.end_date, lang)
    if lang == "bg":
        if start and end:
            return f"Партньорството се осъществява от {start} до {end}"
        if start:
            return f"Партньорството се осъществява от {start} за неопределен срок."
        return f"Партньорството се осъществява до {end}" if end else ""
    if start and end:
        return f"The partnership runs from {start} to {end}."
    if start:
        return f"The partnership runs from {start} for an indefinite period."
    return f"The partnership runs until {end}." if end else ""


def _first_text(agreement: Agreement, party_list: list[PartnershipPartner]) -> dict:
    """Version 1: goals from the partnership, the period from the dates, each partner's duties
    and the resources they brought as a first draft of their responsibilities and contributions."""
    partnership = agreement.partnership
    responsibilities: dict[str, str] = {}
    contributions: dict[str, dict[str, str]] = {}
    by_partner = {p.pk: str(p.organisation_id) for p in party_list}
    for p in party_list:
        key = str(p.organisation_id)
        responsibilities[key] = ""
        contributions[key] = {kind: "" for kind in CONTRIBUTION_KINDS}
    for duty in Duty.objects.filter(partnership=partnership, partner_id__in=by_partner).order_by(
        "start_date", "id"
    ):
        key = by_partner[duty.partner_id]
        responsibilities[key] = "\n".join(filter(None, [responsibilities[key], duty.description]))
    for resource in Resource.objects.filter(
        partnership=partnership, source_id__in=[p.organisation_id for p in party_list]
    ).order_by("received_on", "id"):
        entry = contributions[str(resource.source_id)]
        line = resource.description
        if resource.amount is not None:
            line += f": {resource.amount} {resource.currency}"
        entry[resource.kind] = "\n".join(filter(None, [entry.get(resource.kind, ""), line]))
    return {
        "common_goals": partnership.goals or "",
        "responsibilities": responsibilities,
        "contributions": contributions,
        "period": period_text(agreement),
        "mechanism": "",
        "benefits": "",
    }


def _clean_text(text: dict, party_list: list[PartnershipPartner]) -> dict:
    """The six parts as the version stores them: stripped, within limits, keyed by the parties."""
    keys = {str(p.organisation_id) for p in party_list}
    errors = {}
    cleaned = {}
    for name in PLAIN_PARTS:
        cleaned[name] = (text.get(name) or "").strip()
    responsibilities = text.get("responsibilities") or {}
    cleaned["responsibilities"] = {
        k: (responsibilities.get(k) or "").strip() for k in sorted(keys, key=int)
    }
    contributions = text.get("contributions") or {}
    cleaned["contributions"] = {
        k: {
            kind: ((contributions.get(k) or {}).get(kind) or "").strip()
            for kind in CONTRIBUTION_KINDS
        }
        for k in sorted(keys, key=int)
    }
    values = [cleaned[n] for n in PLAIN_PARTS] + list(cleaned["responsibilities"].values())
    values += [t for c in cleaned["contributions"].values() for t in c.values()]
    if any(len(v) > TEXT_LIMIT for v in values):
        errors["__all__"] = _("Each part can have at most %(n)s characters.") % {"n": TEXT_LIMIT}
    note = (text.get("note") or "").strip()
    if len(note) > 300:
        errors["note"] = _("Say what changed in at most 300 characters.")
    if errors:
        raise ValidationError(errors)
    cleaned["note"] = note
    return cleaned


def _text_of(version: AgreementVersion) -> dict:
    return {name: getattr(version, name) for name in PLAIN_PARTS + PER_PARTNER_PARTS}


@transaction.atomic
def agreement_create(*, partnership: Partnership, actor, data: dict) -> Agreement:
    """A new agreement in draft, with version 1 prefilled from the partnership."""
    agreement = Agreement(workspace=partnership.workspace, partnership=partnership)
    _set_details(agreement, data)
    agreement.save()
    party_list = parties(agreement)
    text = _first_text(agreement, party_list)
    AgreementVersion.objects.create(
        workspace=partnership.workspace,
        agreement=agreement,
        number=1,
        created_by=_user(actor),
        note=_("First draft"),
        **text,
    )
    _record(agreement, actor, {"agreement": [None, f"{agreement.title} (v1)"]})
    return agreement


@transaction.atomic
def agreement_save(
    *, agreement: Agreement, actor, data: dict, text: dict, base_number: int | None
) -> tuple[Agreement, AgreementVersion | None]:
    """Save the details and, when the text changed, add the next version.

    `base_number` is the version the editor started from: if a newer one exists, nothing is
    saved and EditConflict carries the latest version. Returns the new version, or None when
    the text did not change."""
    agreement = (
        Agreement.objects.select_for_update()
        .select_related("partnership", "workspace")
        .get(pk=agreement.pk)
    )
    latest = latest_version(agreement)
    if latest is not None and base_number != latest.number:
        raise EditConflict(latest)
    if agreement.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("A signed or expired agreement cannot be changed. Start a new agreement instead.")
        )
    before = {name: getattr(agreement, name) for name in DETAIL_FIELDS}
    _set_details(agreement, data)
    party_list = parties(agreement)
    cleaned = _clean_text(text, party_list)
    note = cleaned.pop("note")
    changes: dict[str, list] = {}
    if before["end_date"] != agreement.end_date:
        agreement.reminder_sent_at = None  # a new end date deserves a new reminder
    detail_changes = [
        str(agreement._meta.get_field(n).verbose_name)
        for n in DETAIL_FIELDS
        if before[n] != getattr(agreement, n)
    ]
    new_version = None
    if latest is None or cleaned != _text_of(latest):
        number = (latest.number if latest else 0) + 1
        new_version = AgreementVersion(
            workspace=agreement.workspace,
            agreement=agreement,
            number=number,
            note=note,
            created_by=_user(actor),
            **cleaned,
        )
        try:
            with transaction.atomic():
                new_version.save()
        except IntegrityError:  # someone saved the same number a moment earlier
            raise EditConflict(latest_version(agreement)) from None
        changes["agreement"] = [
            f"{agreement.title} (v{number - 1})" if latest else None,
            f"{agreement.title} (v{number})" + (f": {note}" if note else ""),
        ]
    if detail_changes:
        changes.setdefault("agreement", [agreement.title, agreement.title])
        changes["agreement"][1] += " · " + ", ".join(detail_changes)
    if new_version is None and not detail_changes:
        return agreement, None
    agreement.version = F("version") + 1
    agreement.save()
    agreement.refresh_from_db()
    _record(agreement, actor, changes)
    return agreement, new_version


@transaction.atomic
def agreement_set_status(
    *, agreement: Agreement, actor, status: str, signed_on: date | None = None
) -> Agreement:
    """Move the agreement to another status, if the rules allow it:
    signed needs the date of signing and a signatory for every party."""
    agreement = (
        Agreement.objects.select_for_update()
        .select_related("partnership", "workspace")
        .get(pk=agreement.pk)
    )
    old = agreement.status
    if status not in TRANSITIONS.get(old, ()):
        raise ValidationError(
            {
                "status": _("An agreement that is “%(old)s” cannot become “%(new)s”.")
                % {
                    "old": AgreementStatus(old).label,
                    "new": AgreementStatus(status).label
                    if status in AgreementStatus.values
                    else status,
                }
            }
        )
    if status == AgreementStatus.SIGNED:
        signed_on = signed_on or agreement.signed_on
        if signed_on is None:
            raise ValidationError({"signed_on": _("Give the date the agreement was signed.")})
        if signed_on > timezone.localdate():
            raise ValidationError({"signed_on": _("The date of signing cannot be in the future.")})
        signing = set(agreement.signatories.values_list("organisation_id", flat=True))
        missing = [
            p.organisation.name for p in parties(agreement) if p.organisation_id not in signing
        ]
        if missing:
            raise ValidationError(
                {
                    "status": _(
                        "Every party needs a signatory before the agreement is signed. "
                        "Missing: %(names)s."
                    )
                    % {"names": ", ".join(missing)}
                }
            )
        if not signing:
            raise ValidationError({"status": _("Add the signatories first.")})
        agreement.signed_on = signed_on
    agreement.status = status
    agreement.version = F("version") + 1
    agreement.save()
    agreement.refresh_from_db()
    _record(
        agreement,
        actor,
        {
            "agreement": [
                f"{agreement.title}: {AgreementStatus(old).label}",
                f"{agreement.title}: {AgreementStatus(status).label}",
            ]
        },
    )
    return agreement


# --- services: signatories ------------------------------------------------------------------


@transaction.atomic
def signatory_add(
    *,
    agreement: Agreement,
    actor,
    person: Person | None,
    organisation: Organisation | None = None,
    position: str = "",
    signed_on: date | None = None,
) -> Signatory:
    """A person who signs for a party; they must be affiliated with it."""
    ws = agreement.workspace
    if agreement.status not in EDITABLE_STATUSES:
        raise ValidationError(_("The signatories of a signed agreement stay as they signed."))
    if person is None or person.workspace_id != ws.pk:
        raise ValidationError({"person": _("Choose a person from this workspace.")})
    party_list = parties(agreement)
    party_orgs = {p.organisation_id: p.organisation for p in party_list}
    if not party_orgs:
        raise ValidationError(
            {"person": _("The partnership has no partners yet: add the parties first.")}
        )
    if organisation is not None and organisation.pk not in party_orgs:
        raise ValidationError(
            {
                "organisation": _("%(organisation)s is not a party to this agreement.")
                % {"organisation": organisation}
            }
        )
    affiliations = list(
        Affiliation.objects.filter(
            workspace=ws,
            person=person,
            organisation_id__in=[organisation.pk] if organisation else list(party_orgs),
        ).order_by("id")
    )
    if not affiliations:
        if organisation is not None:
            message = _(
                "%(person)s is not affiliated with %(organisation)s. Add the affiliation on the "
                "person's page first."
            ) % {"person": person, "organisation": organisation}
        else:
            message = _(
                "%(person)s is not affiliated with any party (%(parties)s). A signatory must "
                "work for one of them: add the affiliation on the person's page first."
            ) % {"person": person, "parties": ", ".join(o.name for o in party_orgs.values())}
        raise ValidationError({"person": message})
    affiliation = affiliations[0]
    organisation = party_orgs[affiliation.organisation_id]
    if Signatory.objects.filter(agreement=agreement, person=person).exists():
        raise ValidationError(
            {"person": _("%(person)s already signs this agreement.") % {"person": person}}
        )
    signatory = Signatory(
        workspace=ws,
        agreement=agreement,
        person=person,
        organisation=organisation,
        position=(position or "").strip() or affiliation.position,
        signed_on=signed_on,
    )
    signatory.full_clean(exclude=["workspace", "agreement", "person", "organisation"])
    signatory.save()
    _record(agreement, actor, {"signatory": [None, f"{signatory} — {agreement.title}"]})
    return signatory


@transaction.atomic
def signatory_remove(*, signatory: Signatory, actor) -> None:
    agreement = signatory.agreement
    if agreement.status in (AgreementStatus.SIGNED, AgreementStatus.EXPIRED):
        raise ValidationError(_("The signatories of a signed agreement stay as they signed."))
    _record(agreement, actor, {"signatory": [f"{signatory} — {agreement.title}", None]})
    signatory.delete()


def get_signatory(agreement: Agreement, pk) -> Signatory:
    try:
        return Signatory.objects.select_related("person", "organisation", "agreement").get(
            agreement=agreement, pk=int(pk)
        )
    except (Signatory.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


# --- services: the signed scan --------------------------------------------------------------


def scan_kind(head: bytes) -> str | None:
    """What the file is by its first bytes: pdf, jpeg, png, or None."""
    for kind, (magic, _ext, _type) in SCAN_TYPES.items():
        if head.startswith(magic):
            return kind
    return None


@transaction.atomic
def agreement_attach_scan(*, agreement: Agreement, actor, upload) -> Agreement:
    """Keep the signed scan: a PDF, JPEG or PNG (by its content, not its name) of at most 10 MB."""
    if upload is None:
        raise ValidationError({"scan": _("Choose the file of the signed agreement.")})
    if upload.size > SCAN_MAX_BYTES:
        raise ValidationError({"scan": _("The file is larger than 10 MB.")})
    upload.seek(0)
    kind = scan_kind(upload.read(16))
    upload.seek(0)
    if kind is None or upload.size < 16:
        raise ValidationError(
            {
                "scan": _(
                    "This file is not a PDF, JPEG or PNG. Upload the scan in one of these formats."
                )
            }
        )
    agreement = (
        Agreement.objects.select_for_update()
        .select_related("partnership", "workspace")
        .get(pk=agreement.pk)
    )
    old_name = agreement.signed_scan.name if agreement.signed_scan else ""
    ext = SCAN_TYPES[kind][1]
    agreement.signed_scan.save(f"agreement-{agreement.pk}-signed.{ext}", upload, save=False)
    agreement.version = F("version") + 1
    agreement.save()
    agreement.refresh_from_db()
    if old_name and old_name != agreement.signed_scan.name:
        storage = agreement.signed_scan.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    _record(
        agreement,
        actor,
        {"agreement": [None, _("%(title)s: signed scan uploaded") % {"title": agreement.title}]},
    )
    return agreement


def scan_content_type(agreement: Agreement) -> str:
    ext = agreement.signed_scan.name.rsplit(".", 1)[-1].lower()
    for _magic, kind_ext, content_type in SCAN_TYPES.values():
        if ext == kind_ext:
            return content_type
    return "application/octet-stream"


# --- reminders and expiry -------------------------------------------------------------------


def _reminder_recipients(agreement: Agreement) -> list:
    liaison = agreement.partnership.liaison
    if liaison is not None and liaison.is_active and liaison.email:
        return [liaison]
    return [
        m.user
        for m in Membership.objects.filter(
            workspace_id=agreement.workspace_id, role=Role.OWNER, user__is_active=True
        )
        .select_related("user")
        .order_by("id")
    ]


def _send_reminder(agreement: Agreement) -> None:
    link = settings.SITE_URL.rstrip("/") + reverse(
        "agreement_detail", args=[agreement.workspace.slug, agreement.pk]
    )
    for user in _reminder_recipients(agreement):
        with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
            end = _date_text(agreement.end_date)
            subject = _("The agreement “%(title)s” ends on %(date)s") % {
                "title": agreement.title,
                "date": end,
            }
            body = _(
                "The partnership agreement “%(title)s” (%(partnership)s) ends on %(date)s.\n\n"
                "Decide with the partners whether to renew it, and agree on what happens to "
                "the results.\n\n%(link)s\n"
            ) % {
                "title": agreement.title,
                "partnership": agreement.partnership.title,
                "date": end,
                "link": link,
            }
        send_mail(subject, body, None, [user.email])


def send_agreement_reminders(*, today: date | None = None) -> tuple[int, int]:
    """Remind once before a signed agreement ends; mark signed agreements past their end as
    expired. Safe to run again: returns (reminders sent, agreements expired)."""
    today = today or timezone.localdate()
    expired = 0
    for agreement in Agreement.objects.filter(
        status=AgreementStatus.SIGNED, end_date__lt=today
    ).select_related("partnership", "workspace"):
        with transaction.atomic():
            if Agreement.objects.filter(pk=agreement.pk, status=AgreementStatus.SIGNED).update(
                status=AgreementStatus.EXPIRED,
                version=F("version") + 1,
                updated_at=timezone.now(),
            ):
                _record(
                    agreement,
                    None,
                    {
                        "agreement": [
                            f"{agreement.title}: {AgreementStatus.SIGNED.label}",
                            f"{agreement.title}: {AgreementStatus.EXPIRED.label}",
                        ]
                    },
                )
                expired += 1
    sent = 0
    candidates = Agreement.objects.filter(
        status=AgreementStatus.SIGNED, reminder_sent_at__isnull=True, end_date__gte=today
    ).select_related("partnership__liaison", "workspace")
    for agreement in candidates:
        if (agreement.end_date - today).days > agreement.remind_days_before:
            continue
        # Claim the reminder first, so two runs at once send it once.
        if not Agreement.objects.filter(pk=agreement.pk, reminder_sent_at__isnull=True).update(
            reminder_sent_at=timezone.now()
        ):
            continue
        try:
            _send_reminder(agreement)
        except Exception:
            logger.exception(
                "Reminder for agreement %s failed; it will be tried again", agreement.pk
            )
            Agreement.objects.filter(pk=agreement.pk).update(reminder_sent_at=None)
            continue
        sent += 1
    return sent, expired


# --- test data ------------------------------------------------------------------------------
