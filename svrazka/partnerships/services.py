"""Writes to partnerships: the partnership itself, its partners, key people's duties, the flow
checklist, joint projects and resources. Atomic, validated, recorded in the history."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from svrazka.contacts.models import Affiliation, Organisation, Person
from svrazka.contacts.services import EditConflict
from svrazka.history.models import Action
from svrazka.history.services import diff, record_change, snapshot
from svrazka.lib import translit
from svrazka.partnerships import practice
from svrazka.partnerships.models import (
    ChecklistItem,
    ChecklistTemplateItem,
    Duty,
    JointProject,
    Partnership,
    PartnershipPartner,
    Resource,
    Signatory,
)

PARTNERSHIP_FIELDS = [
    "title",
    "form",
    "status",
    "goals",
    "description",
    "liaison",
    "facilitator",
    "start_date",
    "end_date",
]
PROJECT_FIELDS = ["title", "programme", "start_date", "end_date", "budget", "currency", "status"]
RESOURCE_FIELDS = ["kind", "description", "amount", "currency", "source", "received_on", "project"]

__all__ = ["EditConflict"]


def _same_workspace(workspace, obj, field: str) -> None:
    if obj is not None and obj.workspace_id != workspace.pk:
        raise ValidationError({field: _("Choose from this workspace.")})


def _check_liaison(workspace, user) -> None:
    if user is not None and not user.memberships.filter(workspace=workspace).exists():
        raise ValidationError({"liaison": _("Our liaison must be a member of the workspace.")})


def _record(partnership, actor, changes: dict, action=Action.UPDATE) -> None:
    record_change(
        workspace=partnership.workspace,
        actor=actor,
        obj=partnership,
        action=action,
        changes=changes,
    )


# --- checklist templates --------------------------------------------------------------------


def checklist_templates(workspace, form: str):
    """The workspace's checklist template for a form, created from the deck's defaults the
    first time it is needed."""
    items = list(ChecklistTemplateItem.objects.filter(workspace=workspace, form=form))
    if not items:
        items = ChecklistTemplateItem.objects.bulk_create(
            [
                ChecklistTemplateItem(
                    workspace=workspace,
                    form=form,
                    step=d.step,
                    position=i,
                    title_en=d.title_en,
                    title_bg=d.title_bg,
                    hint_en=d.hint_en,
                    hint_bg=d.hint_bg,
                )
                for i, d in enumerate(practice.checklist_for(form))
            ]
        )
    return sorted(items, key=lambda t: (practice.step_index(t.step), t.position, t.pk or 0))


@transaction.atomic
def checklist_template_save(*, workspace, form: str, rows: list[dict]) -> None:
    """Replace the workspace's template for a form. Each row: step, title_en, title_bg."""
    valid_steps = {s.key for s in practice.STEPS}
    cleaned = []
    for i, row in enumerate(rows):
        title_en = (row.get("title_en") or "").strip()
        title_bg = (row.get("title_bg") or "").strip()
        if not title_en and not title_bg:
            continue
        if row.get("step") not in valid_steps:
            raise ValidationError(_("Unknown step of the flow."))
        item = ChecklistTemplateItem(
            workspace=workspace,
            form=form,
            step=row["step"],
            position=i,
            title_en=title_en or title_bg,
            title_bg=title_bg,
            hint_en=(row.get("hint_en") or "").strip(),
            hint_bg=(row.get("hint_bg") or "").strip(),
        )
        item.full_clean(exclude=["workspace"])
        cleaned.append(item)
    ChecklistTemplateItem.objects.filter(workspace=workspace, form=form).delete()
    ChecklistTemplateItem.objects.bulk_create(cleaned)


# --- partnerships ---------------------------------------------------------------------------


def _prepare(partnership: Partnership, data: dict) -> None:
    ws = partnership.workspace
    for name in PARTNERSHIP_FIELDS:
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            setattr(
                partnership,
                name,
                value
                if value is not None
                else (None if partnership._meta.get_field(name).null else ""),
            )
    _same_workspace(ws, partnership.facilitator, "facilitator")
    _check_liaison(ws, partnership.liaison)
    partnership.search_text = translit.fold(f"{partnership.title} {partnership.goals}")
    partnership.full_clean(exclude=["workspace", "created_by"])


@transaction.atomic
def partnership_create(*, workspace, actor, data: dict) -> Partnership:
    partnership = Partnership(workspace=workspace, created_by=_user(actor))
    _prepare(partnership, data)
    first = practice.STEPS[0]
    partnership.step, partnership.phase = first.key, first.phase
    partnership.save()
    items = [
        ChecklistItem(
            workspace=workspace,
            partnership=partnership,
            step=t.step,
            position=i,
            title=t.title_en,
            title_bg=t.title_bg,
            hint=t.hint_en,
            hint_bg=t.hint_bg,
        )
        for i, t in enumerate(checklist_templates(workspace, partnership.form))
    ]
    ChecklistItem.objects.bulk_create(items)
    _record(partnership, actor, diff({}, snapshot(partnership, PARTNERSHIP_FIELDS)), Action.CREATE)
    return partnership


@transaction.atomic
def partnership_update(
    *, partnership: Partnership, actor, data: dict, version: int | None
) -> Partnership:
    filters = {"pk": partnership.pk}
    if version is not None:
        filters["version"] = version
    if Partnership.objects.filter(**filters).update(version=F("version") + 1) == 0:
        raise EditConflict(Partnership.objects.get(pk=partnership.pk))
    partnership = Partnership.objects.select_related("workspace").get(pk=partnership.pk)
    before = snapshot(partnership, PARTNERSHIP_FIELDS)
    _prepare(partnership, data)
    partnership.save()
    _record(partnership, actor, diff(before, snapshot(partnership, PARTNERSHIP_FIELDS)))
    return partnership


@transaction.atomic
def partnership_move(
    *, partnership: Partnership, actor, step: str, before_id: int | None = None
) -> Partnership:
    """Move a partnership to a step of the flow (a board column), optionally before a card."""
    target = practice.step_or_none(step)
    if target is None:
        raise ValidationError({"step": _("Unknown step of the flow.")})
    old = practice.step_or_none(partnership.step)
    column = Partnership.objects.filter(workspace=partnership.workspace, step=step).exclude(
        pk=partnership.pk
    )
    position = (column.aggregate(m=Max("board_position"))["m"] or 0) + 1
    if before_id is not None:
        anchor = column.filter(pk=before_id).first()
        if anchor is not None:
            column.filter(board_position__gte=anchor.board_position).update(
                board_position=F("board_position") + 1
            )
            position = anchor.board_position
    Partnership.objects.filter(pk=partnership.pk).update(
        step=target.key,
        phase=target.phase,
        board_position=position,
        updated_at=timezone.now(),
    )
    if old is None or old.key != target.key:
        language = get_language()
        _record(
            partnership,
            actor,
            {"step": [old.title(language) if old else None, target.title(language)]},
        )
    partnership.refresh_from_db()
    return partnership


@transaction.atomic
def partnership_delete(*, partnership: Partnership, actor) -> None:
    _record(partnership, actor, {}, Action.DELETE)
    Duty.objects.filter(partnership=partnership).delete()
    partnership.delete()


# --- partners -------------------------------------------------------------------------------


def _check_partner_liaison(organisation: Organisation, person: Person | None) -> None:
    if person is None:
        return
    if not Affiliation.objects.filter(person=person, organisation=organisation).exists():
        raise ValidationError(
            {
                "liaison": _(
                    "%(person)s is not affiliated with %(organisation)s. "
                    "Add the affiliation on the person's page first."
                )
                % {"person": person, "organisation": organisation}
            }
        )


@transaction.atomic
def partner_add(
    *,
    partnership: Partnership,
    actor,
    organisation: Organisation,
    role: str,
    liaison: Person | None = None,
    joined_on=None,
) -> PartnershipPartner:
    ws = partnership.workspace
    _same_workspace(ws, organisation, "organisation")
    _same_workspace(ws, liaison, "liaison")
    _check_partner_liaison(organisation, liaison)
    if PartnershipPartner.objects.filter(
        partnership=partnership, organisation=organisation
    ).exists():
        raise ValidationError({"organisation": _("This organisation is already a partner.")})
    partner = PartnershipPartner(
        workspace=ws,
        partnership=partnership,
        organisation=organisation,
        role=role,
        liaison=liaison,
        joined_on=joined_on,
    )
    partner.full_clean(exclude=["workspace"])
    partner.save()
    _record(partnership, actor, {"partner": [None, str(partner)]})
    return partner


@transaction.atomic
def partner_update(
    *, partner: PartnershipPartner, actor, role: str, liaison: Person | None
) -> PartnershipPartner:
    _same_workspace(partner.partnership.workspace, liaison, "liaison")
    _check_partner_liaison(partner.organisation, liaison)
    before = str(partner), str(partner.liaison or "")
    partner.role, partner.liaison = role, liaison
    partner.full_clean(exclude=["workspace"])
    partner.save()
    _record(
        partner.partnership,
        actor,
        {"partner": [" / ".join(before), f"{partner} / {liaison or ''}"]},
    )
    return partner


@transaction.atomic
def partner_remove(*, partner: PartnershipPartner, actor) -> None:
    """Remove a partner, unless duties or signatories still name it: then say which."""
    duties = list(Duty.objects.filter(partner=partner).values_list("description", flat=True))
    if duties:
        raise ValidationError(
            _(
                "%(organisation)s is named in duties (%(duties)s). "
                "Move or remove those duties first."
            )
            % {"organisation": partner.organisation, "duties": "; ".join(duties[:5])}
        )
    if Signatory.objects.filter(
        agreement__partnership=partner.partnership, organisation=partner.organisation
    ).exists():
        raise ValidationError(
            _(
                "%(organisation)s signs an agreement of this partnership. Remove its signatories "
                "first."
            )
            % {"organisation": partner.organisation}
        )
    _record(partner.partnership, actor, {"partner": [str(partner), None]})
    partner.delete()


# --- duties ---------------------------------------------------------------------------------


@transaction.atomic
def duty_add(*, partnership: Partnership, actor, data: dict) -> Duty:
    ws = partnership.workspace
    duty = Duty(
        workspace=ws,
        partnership=partnership,
        description=(data.get("description") or "").strip(),
        partner=data.get("partner"),
        person=data.get("person"),
        user=data.get("user"),
        start_date=data.get("start_date"),
        end_date=data.get("end_date"),
    )
    if duty.partner is not None and duty.partner.partnership_id != partnership.pk:
        raise ValidationError({"partner": _("Choose a partner of this partnership.")})
    _same_workspace(ws, duty.person, "person")
    if duty.user is not None:
        _check_liaison(ws, duty.user)
    if duty.person is None and duty.user is None:
        raise ValidationError({"person": _("Name who does it: a person or a team member.")})
    if (
        duty.person is not None
        and duty.partner is not None
        and not Affiliation.objects.filter(
            person=duty.person, organisation=duty.partner.organisation
        ).exists()
    ):
        raise ValidationError(
            {
                "person": _("%(person)s is not affiliated with %(organisation)s.")
                % {"person": duty.person, "organisation": duty.partner.organisation}
            }
        )
    if duty.start_date and duty.end_date and duty.end_date < duty.start_date:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
    duty.full_clean(exclude=["workspace"])
    duty.save()
    who = duty.person or duty.user
    _record(partnership, actor, {"duty": [None, f"{who}: {duty.description}"]})
    return duty


@transaction.atomic
def duty_remove(*, duty: Duty, actor) -> None:
    _record(duty.partnership, actor, {"duty": [duty.description, None]})
    duty.delete()


# --- checklist ------------------------------------------------------------------------------


@transaction.atomic
def checklist_item_set_done(*, item: ChecklistItem, actor, done: bool) -> ChecklistItem:
    if done and item.done_at is None:
        item.done_at, item.done_by = timezone.now(), _user(actor)
    elif not done:
        item.done_at, item.done_by = None, None
    item.save(update_fields=["done_at", "done_by"])
    _record(
        item.partnership,
        actor,
        {"checklist": [None, ("✓ " if done else "✗ ") + item.title_in(get_language())]},
    )
    return item


@transaction.atomic
def checklist_item_add(
    *, partnership: Partnership, actor, step: str, title: str, due_date=None
) -> ChecklistItem:
    if practice.step_or_none(step) is None:
        raise ValidationError({"step": _("Unknown step of the flow.")})
    position = (partnership.checklist.aggregate(m=Max("position"))["m"] or 0) + 1
    item = ChecklistItem(
        workspace=partnership.workspace,
        partnership=partnership,
        step=step,
        position=position,
        title=(title or "").strip(),
        due_date=due_date,
    )
    item.full_clean(exclude=["workspace"])
    item.save()
    _record(partnership, actor, {"checklist": [None, "+ " + item.title]})
    return item


@transaction.atomic
def checklist_item_delete(*, item: ChecklistItem, actor) -> None:
    _record(item.partnership, actor, {"checklist": ["- " + item.title_in(get_language()), None]})
    item.delete()


# --- joint projects and resources -----------------------------------------------------------


@transaction.atomic
def project_save(
    *, partnership: Partnership, actor, data: dict, project: JointProject | None = None
) -> JointProject:
    project = project or JointProject(workspace=partnership.workspace, partnership=partnership)
    before = snapshot(project, PROJECT_FIELDS) if project.pk else {}
    for name in PROJECT_FIELDS:
        if name in data:
            value = data[name]
            setattr(project, name, value.strip() if isinstance(value, str) else value)
    project.currency = (project.currency or "EUR").upper()
    if project.start_date and project.end_date and project.end_date < project.start_date:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
    project.full_clean(exclude=["workspace"])
    project.save()
    _record(partnership, actor, {"project": [before.get("title"), project.title]})
    return project


@transaction.atomic
def project_delete(*, project: JointProject, actor) -> None:
    _record(project.partnership, actor, {"project": [project.title, None]})
    project.delete()


@transaction.atomic
def resource_add(*, partnership: Partnership, actor, data: dict) -> Resource:
    ws = partnership.workspace
    resource = Resource(workspace=ws, partnership=partnership)
    for name in RESOURCE_FIELDS:
        if name in data:
            value = data[name]
            setattr(resource, name, value.strip() if isinstance(value, str) else value)
    _same_workspace(ws, resource.source, "source")
    if resource.project is not None and resource.project.partnership_id != partnership.pk:
        raise ValidationError({"project": _("Choose a project of this partnership.")})
    resource.currency = (resource.currency or "EUR").upper()
    resource.full_clean(exclude=["workspace"])
    resource.save()
    _record(partnership, actor, {"resource": [None, str(resource)]})
    return resource


@transaction.atomic
def resource_delete(*, resource: Resource, actor) -> None:
    _record(resource.partnership, actor, {"resource": [str(resource), None]})
    resource.delete()


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
