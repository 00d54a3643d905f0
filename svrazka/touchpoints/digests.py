"""The daily digest: one email a day per member and workspace of what needs them.

What a member's digest holds, in their language (User.language, else settings.LANGUAGE_CODE):

- **Overdue tasks** and **tasks due today** assigned to them (open, due_date ≤ the day).
- **Awaited replies that are late**: interactions awaiting a reply whose `reply_expected_by`
  is before the day, where they are among our participants (`users`) or logged it
  (`created_by`) — the ones they are waiting on.
- **Partners gone quiet** (silences): relationships whose last computed health
  (touchpoints.Health) raises an alert, limited to those that are theirs to look after:
    * partnerships where they are our liaison (Partnership.liaison), and
    * people they were in touch with in the last RECENT_DAYS days (an interaction with the
      person where they were among our participants or logged it).
  Organisations are left out: their alerts repeat those of their people and partnerships.
  Each silence comes with its reasons in words (svrazka.touchpoints.health.describe).

Nothing to say → no mail. Members with `daily_digest` off, or inactive, get nothing.

Once a day: before sending, a DigestSent row (unique per workspace, user and day) is inserted
and committed in its own transaction; a second run, even at the same moment, fails to insert
it and sends nothing. If sending fails the row is deleted again, so a later run retries. (A crash
between the insert and the send means no digest that day rather than two.)

Scheduling: `manage.py send_digests` from cron, or the `send_digests_task` background task on
the database queue (`manage.py db_worker`) — see the command's help.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from svrazka.accounts.models import Membership, Workspace
from svrazka.touchpoints.health import describe_all
from svrazka.touchpoints.models import (
    DigestSent,
    Health,
    Interaction,
    InteractionPerson,
    Subject,
    Task,
)

logger = logging.getLogger(__name__)

RECENT_DAYS = 90  # people "they were in touch with": an interaction this recent
MAX_ITEMS = 25  # per section; the rest is a link away


@dataclass
class Item:
    title: str
    url: str
    details: list[str] = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    items: list[Item]
    more: int = 0  # how many were left out


@dataclass
class Digest:
    workspace: Workspace
    user: object
    day: date
    overdue: list[Task] = field(default_factory=list)
    due_today: list[Task] = field(default_factory=list)
    late_replies: list[Interaction] = field(default_factory=list)
    silences: list[tuple[str, str, int, list[dict]]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # before the MAX_ITEMS cut

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.due_today or self.late_replies or self.silences)


# --- what to say --------------------------------------------------------------------------------


def _ours(user) -> Q:
    return Q(users=user) | Q(created_by=user)


def collect(*, workspace, user, day: date) -> Digest:
    """What the digest of `user` in `workspace` says on `day` (see the module's docstring)."""
    from svrazka.partnerships.models import Partnership

    digest = Digest(workspace=workspace, user=user, day=day)
    tasks = Task.objects.filter(
        workspace=workspace, assignee=user, done_at__isnull=True
    ).select_related("person", "organisation", "partnership")
    overdue = tasks.filter(due_date__lt=day).order_by("due_date", "id")
    due_today = tasks.filter(due_date=day).order_by("id")
    digest.counts["overdue"] = overdue.count()
    digest.counts["due_today"] = due_today.count()
    digest.overdue = list(overdue[:MAX_ITEMS])
    digest.due_today = list(due_today[:MAX_ITEMS])

    mine = Interaction.objects.filter(_ours(user), workspace=workspace).values("pk")
    late = (
        Interaction.objects.filter(
            workspace=workspace,
            awaiting_reply=True,
            reply_expected_by__lt=day,
            pk__in=mine,
        )
        .select_related("partnership")
        .prefetch_related("people")
        .order_by("reply_expected_by", "id")
    )
    digest.counts["late_replies"] = late.count()
    digest.late_replies = list(late[:MAX_ITEMS])

    liaison_of = Partnership.objects.filter(workspace=workspace, liaison=user).values("pk")
    since = timezone.make_aware(
        datetime.combine(day - timedelta(days=RECENT_DAYS), datetime.min.time())
    )
    in_touch = InteractionPerson.objects.filter(
        workspace=workspace,
        person_id=OuterRef("object_id"),
        occurred_at__gte=since,
        interaction__in=mine,
    )
    silences = (
        Health.objects.filter(workspace=workspace, alert=True)
        .filter(
            Q(subject=Subject.PARTNERSHIP, object_id__in=liaison_of)
            | Q(Exists(in_touch), subject=Subject.PERSON)
        )
        .order_by("alert_since", "subject", "object_id")
    )
    digest.counts["silences"] = silences.count()
    rows = list(silences[:MAX_ITEMS])
    names = _names(workspace, rows)
    digest.silences = [
        (r.subject, names.get((r.subject, r.object_id), ""), r.object_id, r.reasons)
        for r in rows
        if (r.subject, r.object_id) in names
    ]
    return digest


def _names(workspace, rows: list[Health]) -> dict[tuple[str, int], str]:
    from svrazka.contacts.models import Person
    from svrazka.partnerships.models import Partnership

    people = [r.object_id for r in rows if r.subject == Subject.PERSON]
    partnerships = [r.object_id for r in rows if r.subject == Subject.PARTNERSHIP]
    names: dict[tuple[str, int], str] = {}
    for p in Person.objects.filter(workspace=workspace, pk__in=people):
        names[(Subject.PERSON, p.pk)] = p.full_name
    for pk, title in Partnership.objects.filter(
        workspace=workspace, pk__in=partnerships
    ).values_list("pk", "title"):
        names[(Subject.PARTNERSHIP, pk)] = title
    return names


# --- putting it into words ----------------------------------------------------------------------


def _url(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _date(d: date) -> str:
    return date_format(d, "SHORT_DATE_FORMAT")


def _task_item(digest: Digest, task: Task) -> Item:
    details = []
    if task.due_date and task.due_date < digest.day:
        late = (digest.day - task.due_date).days
        details.append(
            ngettext(
                "due %(date)s, %(days)d day late",
                "due %(date)s, %(days)d days late",
                late,
            )
            % {"date": _date(task.due_date), "days": late}
        )
    about = [
        str(x)
        for x in (task.partnership, task.person and task.person.full_name, task.organisation)
        if x
    ]
    if about:
        details.append(_("about %(names)s") % {"names": ", ".join(about)})
    return Item(
        title=task.title, url=_url("task_edit", digest.workspace.slug, task.pk), details=details
    )


def _reply_item(digest: Digest, interaction: Interaction) -> Item:
    people = [p.full_name for p in interaction.people.all()]
    who = ", ".join(people) or (interaction.partnership.title if interaction.partnership else "")
    details = [
        _("a reply was expected by %(date)s") % {"date": _date(interaction.reply_expected_by)},
        _("%(channel)s of %(date)s")
        % {
            "channel": interaction.get_channel_display(),
            "date": _date(timezone.localdate(interaction.occurred_at)),
        },
    ]
    title = f"{who}: {interaction}" if who else str(interaction)
    slug = digest.workspace.slug
    if interaction.people.all():
        url = _url("person_detail", slug, next(iter(interaction.people.all())).pk)
    elif interaction.partnership_id:
        url = _url("partnership_detail", slug, interaction.partnership_id)
    else:
        url = _url("my_tasks", slug)
    return Item(title=title, url=url, details=details)


def _silence_item(digest: Digest, subject: str, name: str, pk: int, reasons: list) -> Item:
    page = "partnership_detail" if subject == Subject.PARTNERSHIP else "person_detail"
    return Item(
        title=name,
        url=_url(page, digest.workspace.slug, pk),
        details=describe_all(reasons),
    )


def sections(digest: Digest) -> list[Section]:
    """The digest's sections, in the active language."""
    result = []
    parts = [
        ("overdue", _("Overdue tasks"), [_task_item(digest, t) for t in digest.overdue]),
        ("due_today", _("Due today"), [_task_item(digest, t) for t in digest.due_today]),
        (
            "late_replies",
            _("Awaited replies that are late"),
            [_reply_item(digest, i) for i in digest.late_replies],
        ),
        (
            "silences",
            _("Partners gone quiet"),
            [_silence_item(digest, *s) for s in digest.silences],
        ),
    ]
    for key, title, items in parts:
        if items:
            result.append(
                Section(key, title, items, more=max(0, digest.counts.get(key, 0) - len(items)))
            )
    return result


def compose(digest: Digest) -> EmailMultiAlternatives:
    """The digest as an email (plain text and HTML) in the user's language."""
    user = digest.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Svrazka · %(workspace)s: your follow-ups for %(date)s") % {
            "workspace": digest.workspace.name,
            "date": date_format(digest.day, "DATE_FORMAT"),
        }
        context = {
            "user": user,
            "workspace": digest.workspace,
            "day": digest.day,
            "sections": sections(digest),
            "my_tasks_url": _url("my_tasks", digest.workspace.slug),
            "profile_url": _url("profile"),
            "language": translation.get_language(),
        }
        text = render_to_string("touchpoints/email/digest.txt", context)
        html = render_to_string("touchpoints/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        None,
        [user.email],
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )
    message.attach_alternative(html, "text/html")
    return message


# --- sending ------------------------------------------------------------------------------------

SENT, NOTHING, ALREADY, FAILED = "sent", "nothing to say", "already sent", "failed"


def send_digest(*, workspace, user, day: date) -> str:
    """Send one digest, at most once per workspace, user and day. Returns what happened."""
    digest = collect(workspace=workspace, user=user, day=day)
    if digest.is_empty:
        return NOTHING
    message = compose(digest)
    try:
        with transaction.atomic():
            claim = DigestSent.objects.create(workspace=workspace, user=user, day=day)
    except IntegrityError:
        return ALREADY
    try:
        message.send()
    except Exception:
        DigestSent.objects.filter(pk=claim.pk).delete()
        raise
    return SENT


def recipients(workspace):
    """The members of the workspace who want the digest."""
    return [
        m.user
        for m in Membership.objects.filter(
            workspace=workspace, user__daily_digest=True, user__is_active=True
        )
        .select_related("user")
        .order_by("user_id")
    ]


def send_digests(*, day: date | None = None, workspace_slug: str | None = None) -> Counter:
    """Send today's digests (or `day`'s) in every workspace, or in one. Returns the counts of
    what happened (SENT, NOTHING, ALREADY, FAILED); one member's failure does not stop the
    others."""
    day = day or timezone.localdate()
    workspaces = Workspace.objects.order_by("pk")
    if workspace_slug:
        workspaces = workspaces.filter(slug=workspace_slug)
    counts: Counter = Counter()
    for workspace in workspaces:
        for user in recipients(workspace):
            try:
                counts[send_digest(workspace=workspace, user=user, day=day)] += 1
            except Exception:
                logger.exception(
                    "The digest of user %s in workspace %s failed", user.pk, workspace.slug
                )
                counts[FAILED] += 1
    return counts


@task()
def send_digests_task(workspace_slug: str | None = None, day: str | None = None) -> dict:
    """The digest run as a background task (the database queue, `manage.py db_worker`)."""
    counts = send_digests(
        day=date.fromisoformat(day) if day else None, workspace_slug=workspace_slug
    )
    return dict(counts)
