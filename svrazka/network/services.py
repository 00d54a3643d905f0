"""Writing relationships: create, update (refused when someone else changed it meanwhile) and
delete. Keyword-only, atomic, validated; every change goes into both sides' history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from svrazka.contacts.models import Organisation, Person
from svrazka.contacts.services import EditConflict
from svrazka.history.models import Action
from svrazka.history.services import diff, record_change, snapshot
from svrazka.network.models import Relationship, RelationshipKind

FIELDS = ["kind", "strength", "started_on", "ended_on", "note"]
TRACKED = ["kind", "source", "target", "strength", "started_on", "ended_on", "note"]
# Kinds that read the same both ways: "Мария knows Иван" is "Иван knows Мария".
SYMMETRIC = {RelationshipKind.KNOWS, RelationshipKind.PARTNERED_WITH, RelationshipKind.FAMILY_OF}


class RelationshipChanged(EditConflict):
    """Someone else changed the relationship since the editor read it (a stale `version`).
    An EditConflict, so the API answers 409 with the current version."""

    def __init__(self, current: Relationship):
        super().__init__(current)
        self.args = (
            _(
                "Someone else changed this relationship while you were editing it. "
                "Nothing was saved; reload it and repeat your change."
            ),
        )


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
    if not _is_strength(rel.strength):
        raise ValidationError({"strength": _("The strength is a whole number from 1 to 5.")})
    if rel.started_on and rel.ended_on and rel.ended_on < rel.started_on:
        raise ValidationError({"ended_on": _("The end cannot be before the start.")})
    # The same tie twice over overlapping dates is a duplicate; a kind that reads the same both
    # ways ("knows") is the same tie whichever side it was recorded from.
    same = Relationship.objects.filter(workspace_id=rel.workspace_id, kind=rel.kind).exclude(
        pk=rel.pk
    )
    sides = Q(**_side_filter("from", rel.source), **_side_filter("to", rel.target))
    if rel.kind in SYMMETRIC:
        sides |= Q(**_side_filter("from", rel.target), **_side_filter("to", rel.source))
    for other in same.filter(sides).select_related(
        "from_person", "from_organisation", "to_person", "to_organisation"
    ):
        start_a, end_a = rel.started_on or date.min, rel.ended_on or date.max
        start_b, end_b = other.started_on or date.min, other.ended_on or date.max
        if start_a <= end_b and start_b <= end_a:
            raise ValidationError(
                _("This relationship is already recorded (%(rel)s).") % {"rel": other}
            )
    rel.full_clean(exclude=["workspace", "created_by"])


def _is_strength(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


def _side_filter(prefix: str, obj) -> dict:
    if isinstance(obj, Person):
        return {f"{prefix}_person": obj, f"{prefix}_organisation__isnull": True}
    return {f"{prefix}_organisation": obj, f"{prefix}_person__isnull": True}


def _tracked(rel: Relationship) -> dict:
    values = snapshot(rel, FIELDS)
    values["source"] = str(rel.source)
    values["target"] = str(rel.target)
    return {k: values.get(k) for k in TRACKED}


def _record(workspace, actor, rel, action: str, changes: dict, *, was: dict, now: dict) -> None:
    """The relationship's own record, and a line in the history of each side it had or has
    ("relationship": [what it was, what it is]). `was`/`now`: _sides_of before and after."""
    record_change(workspace=workspace, actor=actor, obj=rel, action=action, changes=changes)
    for node in dict.fromkeys([*was, *now]):
        side = (now.get(node) or was[node])[0]
        old = was[node][1] if node in was else None
        new = now[node][1] if node in now else None
        if old != new:
            record_change(
                workspace=workspace,
                actor=actor,
                obj=side,
                action=Action.UPDATE,
                changes={"relationship": [old, new]},
            )


def _sides_of(rel: Relationship) -> dict:
    text = str(rel)
    return {rel.source_node: (rel.source, text), rel.target_node: (rel.target, text)}


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
    _record(
        workspace, actor, rel, Action.CREATE, diff({}, _tracked(rel)), was={}, now=_sides_of(rel)
    )
    return rel


@transaction.atomic
def relationship_update(
    *, relationship: Relationship, actor, version: int, **fields
) -> Relationship:
    rel = Relationship.objects.select_for_update().get(pk=relationship.pk)
    if version != rel.version:
        raise RelationshipChanged(rel)
    before = _tracked(rel)
    was = _sides_of(rel)
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
    changes = diff(before, _tracked(rel))
    _record(rel.workspace, actor, rel, Action.UPDATE, changes, was=was, now=_sides_of(rel))
    relationship.__dict__.update(rel.__dict__)
    return rel


@transaction.atomic
def relationship_delete(*, relationship: Relationship, actor) -> None:
    gone = {name: [value, None] for name, value in _tracked(relationship).items() if value}
    was = _sides_of(relationship)
    _record(relationship.workspace, actor, relationship, Action.DELETE, gone, was=was, now={})
    relationship.delete()


@dataclass
class Row:
    """One relationship as the page of one of its sides shows it."""

    relationship: Relationship
    other: Person | Organisation
    label: str  # read from the subject's side: "mentor of" or "mentee of"
    outgoing: bool  # the subject is the relationship's first side
    subject_node: str = ""
    slug: str = ""

    @property
    def other_is_person(self) -> bool:
        return isinstance(self.other, Person)

    @property
    def other_name(self) -> str:
        return str(self.other)

    @property
    def strength(self) -> int:
        return self.relationship.strength

    @property
    def started_on(self) -> date | None:
        return self.relationship.started_on

    @property
    def ended_on(self) -> date | None:
        return self.relationship.ended_on

    @property
    def note(self) -> str:
        return self.relationship.note

    @property
    def other_url(self) -> str:
        name = "person_detail" if self.other_is_person else "organisation_detail"
        return reverse(name, args=[self.slug, self.other.pk])

    @property
    def edit_url(self) -> str:
        url = reverse("relationship_edit", args=[self.slug, self.relationship.pk])
        return f"{url}?from={self.subject_node}"

    @property
    def delete_url(self) -> str:
        url = reverse("relationship_delete", args=[self.slug, self.relationship.pk])
        return f"{url}?from={self.subject_node}"


def node_of(obj: Person | Organisation) -> str:
    """The network's name for a person ("p12") or an organisation ("o3")."""
    return f"p{obj.pk}" if isinstance(obj, Person) else f"o{obj.pk}"


def relationships_of(subject: Person | Organisation, *, limit: int = 200) -> list[Row]:
    """A person's or organisation's relationships, each read from the subject's side ("mentor
    of Иван" on the mentor's page, "mentee of Мария" on the mentee's), strongest first."""
    key = "person" if isinstance(subject, Person) else "organisation"
    qs = (
        Relationship.objects.filter(workspace_id=subject.workspace_id)
        .filter(Q(**{f"from_{key}": subject}) | Q(**{f"to_{key}": subject}))
        .select_related("from_person", "from_organisation", "to_person", "to_organisation")
        .order_by("-strength", "kind", "id")[:limit]
    )
    rows = list(qs)
    if not rows:
        return []
    slug = subject.workspace.slug
    node = node_of(subject)
    out = []
    for rel in rows:
        if rel.source_node == node:
            out.append(Row(rel, rel.target, rel.get_kind_display(), True, node, slug))
        else:
            out.append(Row(rel, rel.source, rel.reverse_label, False, node, slug))
    return out
