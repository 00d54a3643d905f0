"""Writing relationships: create, update (refused when someone else changed it meanwhile) and
delete. Keyword-only, atomic, validated; every change goes into both sides' history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from svrazka.contacts.models import Organisation, Person
from svrazka.contacts.services import EditConflict
from svrazka.history.models import Action
from svrazka.history.services import diff, record_change, snapshot
from svrazka.network.models import REVERSE, Relationship, RelationshipKind

FIELDS = ["kind", "strength", "started_on", "ended_on", "note"]
TRACKED = ["kind", "source", "target", "strength", "started_on", "ended_on", "note"]


def _side(obj, workspace, which: str):
    if not isinstance(obj, Person | Organisation):
        raise ValidationError({which: _("Choose a person or an organisation.")})
    if obj.workspace_id != workspace.pk:
        raise ValidationError({which: _("Choose a person or an organisation of this workspace.")})
    return obj


def _set_sides(rel: Relationship, source, target) -> None:
    rel.from_person = source if isinstance(source, Person) else None
    rel.from_organisation = source if isinstance(source, Organisation) else None
    rel.to_person = target if isinstance(target, Person) else None
    rel.to_organisation = target if isinstance(target, Organisation) else None


def _check(rel: Relationship) -> None:
    if rel.source_node == rel.target_node:
        raise ValidationError(
            _("A relationship needs two different sides, not the same one twice.")
        )
    if rel.kind not in RelationshipKind.values:
        raise ValidationError({"kind": _("Choose a kind of relationship.")})
    if rel.strength is None or not 1 <= int(rel.strength) <= 5:
        raise ValidationError({"strength": _("The strength is a whole number from 1 to 5.")})
    if rel.started_on and rel.ended_on and rel.ended_on < rel.started_on:
        raise ValidationError({"ended_on": _("The end cannot be before the start.")})
    # The same tie twice (either direction), over overlapping dates, is a duplicate.
    same = Relationship.objects.filter(workspace_id=rel.workspace_id, kind=rel.kind).exclude(
        pk=rel.pk
    )
    forward = Q(**_side_filter("from", rel.source), **_side_filter("to", rel.target))
    backward = Q(**_side_filter("from", rel.target), **_side_filter("to", rel.source))
    for other in same.filter(forward | backward):
        start_a, end_a = rel.started_on or date.min, rel.ended_on or date.max
        start_b, end_b = other.started_on or date.min, other.ended_on or date.max
        if start_a <= end_b and start_b <= end_a:
            raise ValidationError(
                _("This relationship is already recorded (%(rel)s).") % {"rel": other}
            )
    rel.full_clean(exclude=["workspace", "created_by"])


def _side_filter(prefix: str, obj) -> dict:
    if isinstance(obj, Person):
        return {f"{prefix}_person": obj, f"{prefix}_organisation__isnull": True}
    return {f"{prefix}_organisation": obj, f"{prefix}_person__isnull": True}


def _tracked(rel: Relationship) -> dict:
    values = snapshot(rel, FIELDS)
    values["source"] = str(rel.source)
    values["target"] = str(rel.target)
    return {k: values.get(k) for k in TRACKED}


def _record(workspace, actor, rel: Relationship, action: str, changes: dict) -> None:
    record_change(workspace=workspace, actor=actor, obj=rel, action=action, changes=changes)
    summary = {"relationship": [None, str(rel)] if action != Action.DELETE else [str(rel), None]}
    for side in (rel.source, rel.target):
        record_change(
            workspace=workspace, actor=actor, obj=side, action=Action.UPDATE, changes=summary
        )


@transaction.atomic
def relationship_create(
    *,
    workspace,
    actor,
    kind: str,
    source,
    target,
    strength: int = 3,
    started_on: date | None = None,
    ended_on: date | None = None,
    note: str = "",
) -> Relationship:
    _side(source, workspace, "source")
    _side(target, workspace, "target")
    rel = Relationship(
        workspace=workspace,
        kind=kind,
        strength=strength,
        started_on=started_on,
        ended_on=ended_on,
        note=(note or "").strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _set_sides(rel, source, target)
    _check(rel)
    rel.save()
    _record(workspace, actor, rel, Action.CREATE, diff({}, _tracked(rel)))
    return rel


@transaction.atomic
def relationship_update(
    *, relationship: Relationship, actor, version: int, **fields
) -> Relationship:
    rel = Relationship.objects.select_for_update().get(pk=relationship.pk)
    if version != rel.version:
        raise EditConflict(rel)
    before = _tracked(rel)
    unknown = set(fields) - set(FIELDS) - {"source", "target"}
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    source = (
        _side(fields.pop("source"), rel.workspace, "source") if "source" in fields else rel.source
    )
    target = (
        _side(fields.pop("target"), rel.workspace, "target") if "target" in fields else rel.target
    )
    _set_sides(rel, source, target)
    for name, value in fields.items():
        setattr(rel, name, (value or "").strip() if name == "note" else value)
    _check(rel)
    rel.version += 1
    rel.save()
    _record(rel.workspace, actor, rel, Action.UPDATE, diff(before, _tracked(rel)))
    relationship.__dict__.update(rel.__dict__)
    return rel


@transaction.atomic
def relationship_delete(*, relationship: Relationship, actor) -> None:
    _record(
        relationship.workspace, actor, relationship, Action.DELETE, diff(_tracked(relationship), {})
    )
    relationship.delete()


@dataclass
class Row:
    relationship: Relationship
    other: Person | Organisation
    label: str
    outgoing: bool

    @property
    def other_is_person(self) -> bool:
        return isinstance(self.other, Person)


def relationships_of(subject, *, limit: int = 200) -> list[Row]:
    """A person's or organisation's relationships, each read from the subject's side ("mentor
    of Иван" on the mentor's page, "mentee of Мария" on the mentee's)."""
    key = "person" if isinstance(subject, Person) else "organisation"
    qs = (
        Relationship.objects.filter(workspace_id=subject.workspace_id)
        .filter(Q(**{f"from_{key}": subject}) | Q(**{f"to_{key}": subject}))
        .select_related("from_person", "from_organisation", "to_person", "to_organisation")
        .order_by("-strength", "kind", "id")[:limit]
    )
    rows = []
    for rel in qs:
        outgoing = rel.source == subject and type(rel.source) is type(subject)
        if outgoing:
            rows.append(Row(rel, rel.target, rel.get_kind_display(), True))
        else:
            rows.append(
                Row(rel, rel.source, str(REVERSE.get(rel.kind, rel.get_kind_display())), False)
            )
    return rows
