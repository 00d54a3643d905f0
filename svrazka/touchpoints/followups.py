"""Follow-up tasks: who does what by when, about whom — writes and reads.

(Named `followups` rather than `tasks` so it is not mistaken for background tasks of
`django.tasks`; the digest's background task lives in `digests.py`.)

Writes are atomic, validated, recorded in the history; an update based on a stale version is
refused with `EditConflict`. Completing a repeating task creates its next occurrence.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from svrazka.accounts.models import Membership
from svrazka.contacts.services import EditConflict
from svrazka.history.models import Action
from svrazka.history.services import diff, record_change, snapshot
from svrazka.touchpoints.models import Recurrence, Task

__all__ = [
    "EditConflict",
    "task_create",
    "task_update",
    "task_complete",
    "task_reopen",
    "task_delete",
    "next_due_date",
    "get_task",
    "open_tasks",
    "tasks_grouped",
    "open_tasks_for",
]

TASK_FIELDS = [
    "title",
    "notes",
    "assignee",
    "due_date",
    "recurrence",
    "person",
    "organisation",
    "partnership",
    "interaction",
]
LINKS = ("person", "organisation", "partnership", "interaction")


# --- recurrence ---------------------------------------------------------------------------------


def _add_months(d: date, months: int) -> date:
    """The same day `months` later; a day the month lacks becomes its last (Jan 31 → Feb 28)."""
    index = d.month - 1 + months
    year, month = d.year + index // 12, index % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _occurrence(start: date, recurrence: str, n: int) -> date:
    """The n-th occurrence after `start`, always counted from `start` so that a monthly task
    of the 31st comes back to the 31st after a short month."""
    if recurrence == Recurrence.DAILY:
        return start + timedelta(days=n)
    if recurrence == Recurrence.WEEKLY:
        return start + timedelta(weeks=n)
    if recurrence == Recurrence.MONTHLY:
        return _add_months(start, n)
    if recurrence == Recurrence.QUARTERLY:
        return _add_months(start, 3 * n)
    if recurrence == Recurrence.YEARLY:
        return _add_months(start, 12 * n)
    raise ValueError(recurrence)


def next_due_date(due: date, recurrence: str, *, today: date | None = None) -> date:
    """The next occurrence after `due` by the recurrence. A task done late does not leave a
    trail of occurrences already past: the next one is the first that is not before `today`."""
    n = 1
    following = _occurrence(due, recurrence, n)
    while today is not None and following < today:
        n += 1
        following = _occurrence(due, recurrence, n)
    return following


# --- validation ---------------------------------------------------------------------------------


def _validate(task: Task) -> None:
    errors: dict[str, str] = {}
    task.title = (task.title or "").strip()
    task.notes = (task.notes or "").strip()
    if not task.title:
        errors["title"] = _("Write what is to be done.")
    if task.recurrence not in Recurrence.values:
        errors["recurrence"] = _("Choose how it repeats from the list.")
    elif task.recurrence and task.due_date is None:
        errors["due_date"] = _("A repeating task needs a date to repeat from.")
    if (
        task.assignee_id is not None
        and not Membership.objects.filter(
            workspace_id=task.workspace_id, user_id=task.assignee_id
        ).exists()
    ):
        errors["assignee"] = _("Assign it to a member of the workspace.")
    for name in LINKS:
        linked = getattr(task, name)
        if linked is not None and linked.workspace_id != task.workspace_id:
            errors[name] = _("Choose from this workspace.")
    if errors:
        raise ValidationError(errors)
    task.full_clean(exclude=["workspace", "created_by", *LINKS, "assignee"])


def _apply(task: Task, data: dict) -> None:
    for name, value in data.items():
        if name in TASK_FIELDS:
            setattr(task, name, value)
    task.title = task.title or ""
    task.notes = task.notes or ""
    task.recurrence = task.recurrence or ""
    if (
        task.interaction is not None
        and task.interaction.workspace_id == task.workspace_id
        and not any(getattr(task, f"{n}_id") for n in ("person", "organisation", "partnership"))
    ):
        # A task after an interaction is about whom the interaction was with.
        task.partnership = task.interaction.partnership
        if task.partnership is None:
            first = task.interaction.people.order_by("interactionperson__id").first()
            task.person = first


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- writes -------------------------------------------------------------------------------------


@transaction.atomic
def task_create(*, workspace, actor, data: dict) -> Task:
    """Create a task. `data` holds TASK_FIELDS (model instances for the links)."""
    task = Task(workspace=workspace, created_by=_user(actor))
    _apply(task, data)
    _validate(task)
    task.save()
    record_change(
        workspace=workspace,
        actor=actor,
        obj=task,
        action=Action.CREATE,
        changes=diff({}, snapshot(task, TASK_FIELDS)),
    )
    return task


@transaction.atomic
def task_update(*, task: Task, actor, data: dict, version: int | None = None) -> Task:
    """Change a task, refusing it (EditConflict) if someone changed it since `version`."""
    filters = {"pk": task.pk}
    if version is not None:
        filters["version"] = version
    if Task.objects.filter(**filters).update(version=F("version") + 1) == 0:
        raise EditConflict(Task.objects.get(pk=task.pk))
    task = Task.objects.select_related(*LINKS, "assignee").get(pk=task.pk)
    before = snapshot(task, TASK_FIELDS)
    _apply(task, data)
    _validate(task)
    task.save()
    record_change(
        workspace=task.workspace,
        actor=actor,
        obj=task,
        action=Action.UPDATE,
        changes=diff(before, snapshot(task, TASK_FIELDS)),
    )
    return task


@dataclass
class Completion:
    task: Task
    next: Task | None = None  # the next occurrence of a repeating task
    changed: bool = True  # False when it was already done


@transaction.atomic
def task_complete(
    *, task: Task, actor, when: datetime | None = None, today: date | None = None
) -> Completion:
    """Mark a task done. A repeating task gets its next occurrence, once: completing a task
    that is already done (a second click, another tab) changes nothing."""
    when = when or timezone.now()
    today = today or timezone.localdate(when)
    claimed = Task.objects.filter(pk=task.pk, done_at__isnull=True).update(
        done_at=when, version=F("version") + 1, updated_at=timezone.now()
    )
    task = Task.objects.select_related(*LINKS, "assignee").get(pk=task.pk)
    if not claimed:
        return Completion(task=task, changed=False)
    record_change(
        workspace=task.workspace,
        actor=actor,
        obj=task,
        action=Action.UPDATE,
        changes={"done_at": [None, when.isoformat()]},
    )
    following = None
    if task.recurrence and task.due_date:
        data = {name: getattr(task, name) for name in TASK_FIELDS}
        data["due_date"] = next_due_date(task.due_date, task.recurrence, today=today)
        if (
            task.assignee_id
            and not Membership.objects.filter(
                workspace_id=task.workspace_id, user_id=task.assignee_id
            ).exists()
        ):
            data["assignee"] = None  # who had it has left the workspace
        following = task_create(workspace=task.workspace, actor=actor, data=data)
    return Completion(task=task, next=following)


@transaction.atomic
def task_reopen(*, task: Task, actor) -> Task:
    """Mark a done task as not done again (its next occurrence, if any, stays)."""
    reopened = Task.objects.filter(pk=task.pk, done_at__isnull=False).update(
        done_at=None, version=F("version") + 1, updated_at=timezone.now()
    )
    before = task.done_at
    task = Task.objects.select_related(*LINKS, "assignee").get(pk=task.pk)
    if reopened:
        record_change(
            workspace=task.workspace,
            actor=actor,
            obj=task,
            action=Action.UPDATE,
            changes={"done_at": [before.isoformat() if before else None, None]},
        )
    return task


@transaction.atomic
def task_delete(*, task: Task, actor) -> None:
    record_change(workspace=task.workspace, actor=actor, obj=task, action=Action.DELETE, changes={})
    task.delete()


# --- reads --------------------------------------------------------------------------------------


def get_task(workspace, pk) -> Task:
    """A task of this workspace, or 404."""
    try:
        return Task.objects.select_related(*LINKS, "assignee").get(workspace=workspace, pk=pk)
    except (Task.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def open_tasks(workspace, *, assignee=None) -> QuerySet[Task]:
    """Open tasks of the workspace; of one member when `assignee` is given (a user or an id)."""
    qs = Task.objects.filter(workspace=workspace, done_at__isnull=True).select_related(
        *LINKS, "assignee"
    )
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    return qs


@dataclass
class TaskGroups:
    overdue: list[Task] = field(default_factory=list)
    today: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)
    no_date: list[Task] = field(default_factory=list)
    more: dict[str, bool] = field(default_factory=dict)  # groups cut at `limit`

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.upcoming) + len(self.no_date)


def tasks_grouped(
    workspace, *, assignee=None, today: date | None = None, limit: int = 200
) -> TaskGroups:
    """Open tasks grouped: overdue, due today, upcoming, without a date — each group at most
    `limit` long (four indexed queries, whatever the number of tasks)."""
    today = today or timezone.localdate()
    qs = open_tasks(workspace, assignee=assignee)
    groups = TaskGroups()
    parts = {
        "overdue": qs.filter(due_date__lt=today).order_by("due_date", "id"),
        "today": qs.filter(due_date=today).order_by("id"),
        "upcoming": qs.filter(due_date__gt=today).order_by("due_date", "id"),
        "no_date": qs.filter(due_date__isnull=True).order_by("-created_at", "-id"),
    }
    for name, part in parts.items():
        rows = list(part[: limit + 1])
        groups.more[name] = len(rows) > limit
        setattr(groups, name, rows[:limit])
    return groups


def open_tasks_for(obj, *, limit: int = 50) -> list[Task]:
    """Open tasks about a person, an organisation or a partnership, soonest first."""
    from svrazka.contacts.models import Organisation, Person
    from svrazka.partnerships.models import Partnership

    if isinstance(obj, Person):
        link = Q(person=obj)
    elif isinstance(obj, Organisation):
        link = Q(organisation=obj)
    elif isinstance(obj, Partnership):
        link = Q(partnership=obj)
    else:
        raise TypeError(f"Tasks are not linked to {type(obj).__name__}")
    return list(
        open_tasks(obj.workspace_id)
        .filter(link)
        .order_by(F("due_date").asc(nulls_last=True), "id")[:limit]
    )
