"""Record changes. Services call these inside their transaction, so history and data commit
together."""

from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from svrazka.history.models import Action, ChangeRecord


def _as_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple, set)):
        return ", ".join(sorted(str(v) for v in value)) or None
    if isinstance(value, (date, datetime, Decimal)):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, str | None]:
    """The tracked fields' values as text, to diff before and after an update."""
    return {name: _as_text(getattr(obj, name)) for name in fields}


def diff(before: dict, after: dict) -> dict[str, list]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record_change(*, workspace, actor, obj: models.Model, action: str, changes: dict) -> None:
    if action == Action.UPDATE and not changes:
        return
    ChangeRecord.objects.create(
        workspace=workspace,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        changes=changes,
    )


def history_for(*, workspace, obj: models.Model, limit: int = 100):
    return (
        ChangeRecord.objects.filter(
            workspace=workspace,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
        )
        .select_related("actor", "content_type")
        .order_by("-created_at", "-id")[:limit]
    )
