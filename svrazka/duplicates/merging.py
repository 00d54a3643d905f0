"""Merging two people (or two organisations) into one, field by field, and undoing it.

Nothing is lost: every row that points at the merged record (emails, phones, affiliations,
interactions, tasks, partnerships, causes, tags …, found through the model's relations, so a
new app's rows are moved too) is moved to the kept record; a row that would repeat one the
kept record already has (the same email twice) is deleted and kept in the snapshot. The merged
record's history is moved as well, and the kept record's history says what was merged.

Undo puts everything back: the merged record with its own id and fields, its rows moved back,
deleted rows restored, the kept record's fields as they were. It is refused when the kept
record was edited after the merge (that edit would be silently lost otherwise).
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from svrazka.contacts import services as contacts
from svrazka.contacts.models import Organisation, OrganisationToken, Person, PersonToken
from svrazka.duplicates.models import Candidate, CandidateStatus, Kind, Merge
from svrazka.history.models import Action, ChangeRecord
from svrazka.history.services import record_change

FIELDS = {
    Kind.PERSON: contacts.PERSON_FIELDS + ["notes"],
    Kind.ORGANISATION: contacts.ORGANISATION_FIELDS,
}
MODELS = {Kind.PERSON: Person, Kind.ORGANISATION: Organisation}
TOKENS = {Kind.PERSON: PersonToken, Kind.ORGANISATION: OrganisationToken}


def _unique_sets(model, fk: str) -> list[tuple[str, ...]]:
    """The unique field sets of `model` that contain the foreign key `fk`, minus `fk`."""
    sets = []
    for c in model._meta.constraints:
        fields = getattr(c, "fields", ())
        if fk in fields and getattr(c, "condition", None) is None:
            sets.append(tuple(f for f in fields if f != fk))
    for fields in model._meta.unique_together:
        if fk in fields:
            sets.append(tuple(f for f in fields if f != fk))
    field = model._meta.get_field(fk)
    if field.one_to_one or field.unique:
        sets.append(())
    return sets


def _relations(model):
    """(related model, foreign key name) of every row that points at a `model` record, but
    the search tokens (rebuilt instead)."""
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            continue  # their "through" rows are relations of their own
        if rel.related_model in TOKENS.values():
            continue
        yield rel.related_model, rel.field.name


def _row_data(row: models.Model) -> dict:
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}


def _jsonable(data):
    import json

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _record_fields(obj, names: list[str]) -> dict:
    return {name: obj.serializable_value(name) for name in names}


def _display(obj) -> str:
    return str(obj)[:300]


@transaction.atomic
def merge(*, workspace, actor, kind: str, kept, merged, choices: dict[str, str]) -> Merge:
    """Merge `merged` into `kept`. `choices`: field name -> "merged" to take the merged
    record's value (anything else keeps the kept record's); an empty kept value is filled
    from the merged one anyway."""
    model = MODELS[kind]
    if kept.pk == merged.pk:
        raise ValidationError(_("A record cannot be merged with itself."), code="same")
    # Lock both and read them fresh: a concurrent edit or merge waits, then sees this one.
    rows = {
        r.pk: r
        for r in model.objects.select_for_update().filter(
            workspace=workspace, pk__in=[kept.pk, merged.pk]
        )
    }
    if len(rows) != 2:
        raise ValidationError(_("One of the two records no longer exists."), code="gone")
    kept, merged = rows[kept.pk], rows[merged.pk]
    names = FIELDS[kind]
    snapshot: dict = {
        "merged": _row_data(merged),
        "kept_before": _record_fields(kept, names),
        "moved": [],
        "deleted": [],
        "history": [],
    }
    changes = {}
    for name in names:
        field = model._meta.get_field(name)
        mine, theirs = getattr(kept, name), getattr(merged, name)
        empty = mine in (None, "", [])
        if theirs in (None, "", []) or mine == theirs:
            continue
        if choices.get(name) == "merged" or empty:
            changes[name] = [str(mine) if mine not in (None, []) else None, str(theirs)]
            setattr(kept, name, theirs)
        elif name == "notes" and theirs not in mine:
            kept.notes = f"{mine}\n\n{theirs}"[: field.max_length or 20000]
    for related, fk in _relations(model):
        _move_rows(related, fk, kept, merged, snapshot)
    # The merged record's history becomes the kept one's.
    content_type = ContentType.objects.get_for_model(model)
    history = ChangeRecord.objects.filter(
        workspace=workspace, content_type=content_type, object_id=merged.pk
    )
    snapshot["history"] = list(history.values_list("id", flat=True))
    history.update(object_id=kept.pk)
    TOKENS[kind].objects.filter(**{_fk_name(kind): merged}).delete()
    model.objects.filter(pk=merged.pk).delete()
    kept.version += 1
    if kind == Kind.PERSON:
        kept.sort_key = contacts.translit.sort_key(kept.sort_name)
    else:
        kept.sort_key = contacts.translit.sort_key(kept.name)
    kept.save()
    _reindex(kind, kept)
    record_change(
        workspace=workspace,
        actor=actor,
        obj=kept,
        action=Action.UPDATE,
        changes={"merged": [None, _display(merged)], **changes},
    )
    result = Merge.objects.create(
        workspace=workspace,
        kind=kind,
        kept_id=kept.pk,
        merged_id=merged.pk,
        kept_name=_display(kept),
        merged_name=_display(merged),
        snapshot=_jsonable(snapshot),
        kept_version=kept.version,
        merged_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    a, b = sorted((kept.pk, merged.pk))
    Candidate.objects.filter(workspace=workspace, kind=kind, a_id=a, b_id=b).update(
        status=CandidateStatus.MERGED
    )
    # Other proposed pairs with the merged record now concern the kept one.
    Candidate.objects.filter(workspace=workspace, kind=kind, status=CandidateStatus.OPEN).filter(
        models.Q(a_id=merged.pk) | models.Q(b_id=merged.pk)
    ).delete()
    _refresh_health(workspace, kind, [kept.pk, merged.pk])
    return result


def _fk_name(kind: str) -> str:
    return "person" if kind == Kind.PERSON else "organisation"


def _move_rows(related, fk: str, kept, merged, snapshot: dict) -> None:
    label = related._meta.label
    rows = list(related.objects.filter(**{fk: merged}))
    if not rows:
        return
    unique_sets = _unique_sets(related, fk)
    taken: set = set()
    if unique_sets:
        for row in related.objects.filter(**{fk: kept}):
            for fields in unique_sets:
                taken.add(
                    (
                        fields,
                        tuple(getattr(row, related._meta.get_field(f).attname) for f in fields),
                    )
                )
    move, drop = [], []
    for row in rows:
        keys = [
            (fields, tuple(getattr(row, related._meta.get_field(f).attname) for f in fields))
            for fields in unique_sets
        ]
        if any(k in taken for k in keys):
            drop.append(row)
        else:
            move.append(row.pk)
            taken.update(keys)
    if drop:
        snapshot["deleted"].append({"model": label, "rows": [_row_data(r) for r in drop]})
        related.objects.filter(pk__in=[r.pk for r in drop]).delete()
    if move:
        snapshot["moved"].append({"model": label, "fk": fk, "ids": move})
        related.objects.filter(pk__in=move).update(**{fk: kept})


def _still_pointing(related, rows: list[dict], workspace_id: int) -> list[dict]:
    """The rows (as kept by the merge) whose records of the workspace (a label, a cause…)
    are still there, held until the commit (contacts.services.hold: some are pointed at
    without a database constraint, contacts.models.PERSON_ROW); a label deleted since the
    merge is not brought back, and does not stop the undo."""
    for field in related._meta.concrete_fields:
        if not (field.is_relation and field.many_to_one):
            continue
        ids = {row[field.attname] for row in rows if row.get(field.attname) is not None}
        meta = field.related_model._meta
        if not ids or not any(f.name == "workspace" for f in meta.concrete_fields):
            continue
        there = contacts.hold(field.related_model, workspace_id, ids) | {None}
        rows = [row for row in rows if row.get(field.attname) in there]
    return rows


def _reindex(kind: str, obj) -> None:
    if kind == Kind.PERSON:
        emails = [e.email for e in obj.emails.all()]
        phones = [p.number for p in obj.phones.all()]
        contacts._reindex_person(obj, emails, phones)
    else:
        contacts._reindex_organisation(obj)


def _refresh_health(workspace, kind: str, ids: list[int]) -> None:
    from svrazka.touchpoints import health
    from svrazka.touchpoints.models import Health

    subject = "person" if kind == Kind.PERSON else "organisation"
    Health.objects.filter(workspace=workspace, subject=subject, object_id__in=ids).delete()
    if kind == Kind.PERSON:
        health.refresh(workspace, people=ids)
    else:
        health.refresh(workspace, organisations=ids)


@transaction.atomic
def undo(*, merge_record: Merge, actor) -> None:
    from django.apps import apps

    m = Merge.objects.select_for_update().get(pk=merge_record.pk)
    if m.undone_at:
        raise ValidationError(_("This merge was already undone."), code="undone")
    model = MODELS[m.kind]
    kept = (
        model.objects.select_for_update().filter(workspace_id=m.workspace_id, pk=m.kept_id).first()
    )
    if kept is None:
        raise ValidationError(
            _("%(name)s no longer exists, so the merge cannot be undone.") % {"name": m.kept_name},
            code="gone",
        )
    if kept.version != m.kept_version:
        raise ValidationError(
            _(
                "%(name)s was changed after the merge; undoing it would lose that change. "
                "Nothing was undone."
            )
            % {"name": m.kept_name},
            code="edited",
        )
    snap = m.snapshot
    merged = model(**snap["merged"])
    merged.save(force_insert=True)
    for name, value in snap["kept_before"].items():
        field = model._meta.get_field(name)
        setattr(kept, field.attname, field.to_python(value) if value is not None else value)
    kept.version += 1
    kept.save()
    for group in snap["moved"]:
        related = apps.get_model(group["model"])
        related.objects.filter(pk__in=group["ids"]).update(**{group["fk"]: merged})
    for group in snap["deleted"]:
        related = apps.get_model(group["model"])
        rows = _still_pointing(related, group["rows"], m.workspace_id)
        related.objects.bulk_create([related(**row) for row in rows])
    ChangeRecord.objects.filter(pk__in=snap["history"]).update(object_id=merged.pk)
    _reindex(m.kind, kept)
    _reindex(m.kind, merged)
    record_change(
        workspace=kept.workspace,
        actor=actor,
        obj=kept,
        action=Action.UPDATE,
        changes={"merged": [_display(merged), None]},
    )
    m.undone_at = timezone.now()
    m.undone_by = actor if getattr(actor, "is_authenticated", False) else None
    m.save(update_fields=["undone_at", "undone_by"])
    a, b = sorted((m.kept_id, m.merged_id))
    Candidate.objects.filter(workspace_id=m.workspace_id, kind=m.kind, a_id=a, b_id=b).update(
        status=CandidateStatus.OPEN
    )
    _refresh_health(kept.workspace, m.kind, [kept.pk, merged.pk])
