"""Private calendar feeds (iCalendar, RFC 5545): one secret URL per user and workspace with the
user's open tasks, the agreements' ends of cooperation and the meetings, video calls and events
ahead that the user takes part in.

The text is written here rather than by a library so that what goes out is plain to see:
CRLF line endings, TEXT values escaped (backslash, semicolon, comma, newline), and lines
folded at 75 octets without splitting a UTF-8 sequence (Cyrillic letters are two octets).
The tests read the feed back with the `icalendar` library.

Only a hash of the token is stored (CalendarFeed.token_hash); the URL is shown once when it is
made. Revoking deletes the row: the URL answers 404 and nothing else is touched.
"""

import secrets
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from svrazka.accounts.models import Membership, hash_secret
from svrazka.touchpoints.models import CalendarFeed, Channel, Interaction, Task

EVENT_CHANNELS = (Channel.MEETING, Channel.EVENT, Channel.VIDEO)
AGREEMENTS_PAST_DAYS = 90  # ends of cooperation kept in the feed after they pass
EVENTS_PAST_DAYS = 30  # meetings kept after they happened
MAX_ITEMS = 2000  # of each kind
EVENT_LENGTH = timedelta(hours=1)  # interactions have a start, not a length


# --- the feed's token ---------------------------------------------------------------------------


def feed_issue(*, workspace, user) -> tuple[CalendarFeed, str]:
    """Make the user's private feed URL for the workspace, replacing any earlier one (whose
    URL stops working). Returns the feed and its secret token, to be shown once."""
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(workspace=workspace, user=user).delete()
        feed = CalendarFeed.objects.create(
            workspace=workspace, user=user, token_hash=hash_secret(secret)
        )
    return feed, secret


def feed_revoke(*, workspace, user) -> bool:
    """Revoke the user's feed URL. True if there was one."""
    deleted, _rows = CalendarFeed.objects.filter(workspace=workspace, user=user).delete()
    return bool(deleted)


def feed_for_token(token: str) -> CalendarFeed | None:
    """The feed of a token, if it exists and its user still belongs to its workspace."""
    if not token or len(token) > 200:
        return None
    feed = (
        CalendarFeed.objects.select_related("user", "workspace")
        .filter(token_hash=hash_secret(token))
        .first()
    )
    if feed is None or not feed.user.is_active:
        return None
    if not Membership.objects.filter(workspace=feed.workspace, user=feed.user).exists():
        return None
    return feed


def feed_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("calendar_ics", args=[token])


# --- writing iCalendar --------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, line breaks as
    \\n, other control characters dropped."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\n", "\\n")
    return "".join(c for c in value if c == "\t" or ord(c) >= 32 and c != "\x7f")


def _param(value: str) -> str:
    """A parameter value: quoted, without the characters a quoted value may not hold."""
    cleaned = "".join(c for c in str(value) if c not in '"\r\n' and (ord(c) >= 32 or c == "\t"))
    return f'"{cleaned}"'


def fold(line: str) -> str:
    """Fold a content line into lines of at most 75 octets (RFC 5545 §3.1), each continuation
    starting with a space, never cutting a character's UTF-8 sequence."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    limit = 75
    for char in line:
        n = len(char.encode("utf-8"))
        if size + n > limit:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += n
    out.append("".join(current))
    return "\r\n".join(out)


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _day(d: date) -> str:
    return d.strftime("%Y%m%d")


class _Calendar:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, name: str, value: str, params: str = "") -> None:
        self.lines.append(fold(f"{name}{params}:{value}"))

    def text(self, name: str, value: str) -> None:
        if value:
            self.add(name, escape_text(value))

    def event(
        self,
        *,
        uid: str,
        stamp: datetime,
        summary: str,
        description: str = "",
        url: str = "",
        day: date | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        categories: str = "",
        attendees: list[tuple[str, str]] = (),
    ) -> None:
        self.add("BEGIN", "VEVENT")
        self.add("UID", uid)
        self.add("DTSTAMP", _utc(stamp))
        if day is not None:
            self.add("DTSTART", _day(day), ";VALUE=DATE")
            self.add("DTEND", _day(day + timedelta(days=1)), ";VALUE=DATE")
            self.add("TRANSP", "TRANSPARENT")
        else:
            self.add("DTSTART", _utc(start))
            self.add("DTEND", _utc(end or start + EVENT_LENGTH))
        self.text("SUMMARY", summary)
        self.text("DESCRIPTION", description)
        self.text("CATEGORIES", categories)
        for name, email in attendees:
            self.add("ATTENDEE", f"mailto:{email}", f";CN={_param(name)};ROLE=REQ-PARTICIPANT")
        if url:
            self.add("URL", url, ";VALUE=URI")
        self.add("END", "VEVENT")

    def __str__(self) -> str:
        return "\r\n".join(self.lines) + "\r\n"


# --- the feed -----------------------------------------------------------------------------------


def build_feed(*, workspace, user, now: datetime | None = None) -> str:
    """The iCalendar text of the user's feed in the workspace, in the active language."""
    from svrazka.contacts.models import PersonEmail
    from svrazka.partnerships.models import Agreement

    now = now or timezone.now()
    today = timezone.localdate(now)
    site = settings.SITE_URL.rstrip("/")
    host = urlsplit(site).hostname or "svrazka"
    slug = workspace.slug

    def link(name: str, *args) -> str:
        return site + reverse(name, args=[slug, *args])

    cal = _Calendar()
    cal.add("BEGIN", "VCALENDAR")
    cal.add("VERSION", "2.0")
    cal.add("PRODID", "-//Svrazka//Svrazka calendar feed//EN")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    cal.text("X-WR-CALNAME", f"Svrazka · {workspace.name}")
    cal.text("NAME", f"Svrazka · {workspace.name}")
    cal.add("REFRESH-INTERVAL", "PT1H", ";VALUE=DURATION")
    cal.add("X-PUBLISHED-TTL", "PT1H")

    # The user's open tasks with a date.
    tasks = (
        Task.objects.filter(
            workspace=workspace, assignee=user, done_at__isnull=True, due_date__isnull=False
        )
        .select_related("person", "organisation", "partnership")
        .order_by("due_date", "id")[:MAX_ITEMS]
    )
    for task in tasks:
        about = [
            str(x)
            for x in (task.partnership, task.person and task.person.full_name, task.organisation)
            if x
        ]
        description = task.notes
        if about:
            description = _("About: %(names)s") % {"names": ", ".join(about)} + (
                "\n\n" + task.notes if task.notes else ""
            )
        cal.event(
            uid=f"task-{task.pk}@{host}",
            stamp=task.updated_at,
            day=task.due_date,
            summary=_("Task: %(title)s") % {"title": task.title},
            description=description,
            url=link("task_edit", task.pk),
            categories=_("Tasks"),
        )

    # Ends of cooperation in the workspace's agreements.
    agreements = (
        Agreement.objects.filter(
            workspace=workspace,
            end_date__gte=today - timedelta(days=AGREEMENTS_PAST_DAYS),
        )
        .select_related("partnership")
        .order_by("end_date", "id")[:MAX_ITEMS]
    )
    for agreement in agreements:
        cal.event(
            uid=f"agreement-{agreement.pk}-end@{host}",
            stamp=agreement.updated_at,
            day=agreement.end_date,
            summary=_("Agreement ends: %(title)s") % {"title": agreement.title},
            description=_("Partnership: %(partnership)s. Status: %(status)s.")
            % {
                "partnership": agreement.partnership.title,
                "status": agreement.get_status_display(),
            },
            url=link("partnership_detail", agreement.partnership_id),
            categories=_("Agreements"),
        )

    # Meetings, video calls and events the user takes part in (or logged), from a month back.
    events = list(
        Interaction.objects.filter(
            Q(users=user) | Q(created_by=user),
            workspace=workspace,
            channel__in=EVENT_CHANNELS,
            occurred_at__gte=now - timedelta(days=EVENTS_PAST_DAYS),
        )
        .distinct()
        .select_related("partnership")
        .prefetch_related("people", "users")
        .order_by("occurred_at", "id")[:MAX_ITEMS]
    )
    emails: dict[int, str] = {}
    person_ids = {p.pk for e in events for p in e.people.all()}
    if person_ids:
        for person_id, email in (
            PersonEmail.objects.filter(workspace=workspace, person_id__in=person_ids)
            .order_by("person_id", "-position", "-id")
            .values_list("person_id", "email")
        ):
            emails[person_id] = email  # the first by position wins (last written)
    for event in events:
        people = list(event.people.all())
        ours = list(event.users.all())
        names = [p.full_name for p in people] + [str(u) for u in ours]
        parts = []
        if names:
            parts.append(_("Participants: %(names)s") % {"names": ", ".join(names)})
        if event.partnership:
            parts.append(_("Partnership: %(title)s") % {"title": event.partnership.title})
        if event.summary:
            parts.append(event.summary)
        attendees = [(p.full_name, emails[p.pk]) for p in people if p.pk in emails]
        attendees += [(str(u), u.email) for u in ours]
        if people:
            url = link("person_detail", people[0].pk)
        elif event.partnership_id:
            url = link("partnership_detail", event.partnership_id)
        else:
            url = site + reverse("my_tasks", args=[slug])
        cal.event(
            uid=f"interaction-{event.pk}@{host}",
            stamp=event.updated_at,
            start=event.occurred_at,
            summary=event.subject or f"{event.get_channel_display()}: {', '.join(names[:3])}",
            description="\n\n".join(parts),
            url=url,
            categories=event.get_channel_display(),
            attendees=attendees,
        )
    cal.add("END", "VCALENDAR")
    return str(cal)
