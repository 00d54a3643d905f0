"""Relationship health: how recently and how often we are in touch, how fast each side answers,
what is awaited and overdue, and whether a partner has gone quiet — for each person,
organisation and partnership, with a score 0–100 and its reasons in words.

`assess` is the whole judgement as a pure function of the touchpoints; `refresh` recomputes
a few subjects after a write, `recompute_all` every subject of a workspace.

Silence is measured against the partner's own pattern, so it is noticed before the agreed
cadence is broken: someone who usually answers in a day is "silent" after three days, while the
cadence may be two weeks. The rule (`silence_threshold`): three times their median reply time,
and at least their median plus two days; the alert fires on the day the wait passes it.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

HOUR = 3600.0
DAY = 86400.0

# Expected contact every N days, by partnership form (a partnership may set its own).
DEFAULT_CADENCE_BY_FORM = {
    "formal": 14,
    "coalition": 14,
    "informal_coalition": 30,
    "media": 30,
    "sponsorship": 30,
    "licensing": 90,
    "supporter": 60,
    "crowdsourcing": 14,
}
# Partnerships that are over still deserve a follow-up now and then (the deck's "after").
CADENCE_AFTER_THE_END = 180
CADENCE_ON_HOLD = 60
# People and organisations in no partnership and with no cadence of their own.
DEFAULT_RELATIONSHIP_CADENCE = 90
# Channels where one side writes and the other answers; meetings and events are contact both
# ways and close what was pending.
MESSAGE_CHANNELS = frozenset({"email", "phone", "social", "letter"})
MIN_PAIRS_FOR_PATTERN = 3
RECENT_PAIRS = 3
MAX_EVENTS = 400  # the newest touchpoints a single refresh reads per subject


@dataclass(frozen=True, slots=True)
class Event:
    """One touchpoint as health sees it. Times are Unix seconds."""

    at: float
    direction: str  # "out" (we to them) or "in" (they to us)
    channel: str
    awaiting: bool = False
    expected_by: float | None = None  # end of the expected-by day
    interaction_id: int = 0
    person: str = ""  # a name to put in the reasons


@dataclass
class Assessment:
    score: int | None
    last_contact_at: float | None = None
    last_heard_at: float | None = None
    their_median_reply_hours: float | None = None
    our_median_reply_hours: float | None = None
    touchpoints_90_days: int = 0
    cadence_days: int | None = None
    overdue_replies: int = 0
    alert: bool = False
    alert_since: float | None = None
    reasons: list[dict] = field(default_factory=list)


def silence_threshold(median_reply_seconds: float) -> float:
    """How long a wait is "well beyond" someone's usual reply time."""
    return max(3 * median_reply_seconds, median_reply_seconds + 2 * DAY)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _days(seconds: float) -> int:
    return int(seconds // DAY)


def _usual_days(seconds: float) -> int:
    return max(1, round(seconds / DAY))


def assess(
    events: list[Event], *, now: float, cadence_days: int | None, name: str = ""
) -> Assessment:
    """Judge one relationship from its touchpoints (oldest first)."""
    if not events:
        return Assessment(
            score=None, cadence_days=cadence_days, reasons=[{"code": "no_touchpoints"}]
        )
    theirs: list[float] = []  # their reply times, oldest first
    ours: list[float] = []
    pending_out: Event | None = None  # the first of our messages they have not answered
    pending_in: Event | None = None
    in_times: list[float] = []
    for e in events:
        if e.channel not in MESSAGE_CHANNELS:
            pending_out = pending_in = None
        elif e.direction == "in":
            if pending_out is not None:
                theirs.append(e.at - pending_out.at)
                pending_out = None
            if pending_in is None:
                pending_in = e
        else:
            if pending_in is not None:
                ours.append(e.at - pending_in.at)
                pending_in = None
            if pending_out is None:
                pending_out = e
        if e.direction == "in":
            in_times.append(e.at)

    result = Assessment(score=100, cadence_days=cadence_days)
    result.last_contact_at = events[-1].at
    result.last_heard_at = in_times[-1] if in_times else None
    their_median = _median(theirs[-20:])
    our_median = _median(ours[-20:])
    result.their_median_reply_hours = their_median / HOUR if their_median is not None else None
    result.our_median_reply_hours = our_median / HOUR if our_median is not None else None
    result.touchpoints_90_days = sum(1 for e in events if e.at >= now - 90 * DAY)

    reasons = result.reasons
    penalty = 0
    alert_at: list[float] = []

    # Awaited replies: from them (overdue), and from us.
    overdue_theirs = [
        e
        for e in events
        if e.awaiting and e.direction == "out" and e.expected_by is not None and e.expected_by < now
    ]
    overdue_ours = [
        e
        for e in events
        if e.awaiting and e.direction == "in" and e.expected_by is not None and e.expected_by < now
    ]
    result.overdue_replies = len(overdue_theirs)
    if overdue_theirs:
        first = overdue_theirs[0]
        reasons.append(
            {
                "code": "overdue_reply",
                "name": first.person or name,
                "count": len(overdue_theirs),
                "days": _days(now - first.expected_by),
            }
        )
        penalty += min(30, 15 * len(overdue_theirs))
        alert_at.append(first.expected_by)
    if overdue_ours:
        first = overdue_ours[0]
        reasons.append(
            {
                "code": "we_owe_reply",
                "name": first.person or name,
                "count": len(overdue_ours),
                "days": _days(now - first.expected_by),
            }
        )
        penalty += min(20, 10 * len(overdue_ours))

    # Silence: waiting for them well beyond their own usual reply time.
    waiting = pending_out
    awaited_open = [e for e in events if e.awaiting and e.direction == "out"]
    if awaited_open and (waiting is None or awaited_open[0].at < waiting.at):
        waiting = awaited_open[0]
    silent = False
    if waiting is not None and len(theirs) >= MIN_PAIRS_FOR_PATTERN:
        threshold = silence_threshold(their_median)
        waited = now - waiting.at
        if waited >= threshold:
            silent = True
            reasons.append(
                {
                    "code": "silent",
                    "name": waiting.person or name,
                    "days": _days(waited),
                    "usual_days": _usual_days(their_median),
                }
            )
            penalty += 30
            alert_at.append(waiting.at + threshold)
    # Slowing: their latest replies took far longer than they used to.
    if not silent and len(theirs) >= MIN_PAIRS_FOR_PATTERN + RECENT_PAIRS:
        earlier = statistics.median(theirs[:-RECENT_PAIRS])
        recent = statistics.median(theirs[-RECENT_PAIRS:])
        if recent >= silence_threshold(earlier):
            reasons.append(
                {
                    "code": "slowing",
                    "name": name or (waiting.person if waiting else ""),
                    "recent_days": _usual_days(recent),
                    "usual_days": _usual_days(earlier),
                }
            )
            penalty += 15
            alert_at.append(events[-1].at)
    # Their own rhythm of writing to us, broken before the cadence is.
    if not silent and len(in_times) >= MIN_PAIRS_FOR_PATTERN + 1 and result.last_heard_at:
        gaps = [b - a for a, b in zip(in_times, in_times[1:], strict=False)]
        usual_gap = statistics.median(gaps[-20:])
        quiet = now - result.last_heard_at
        limit = max(2 * usual_gap, usual_gap + 7 * DAY)
        if quiet >= limit and (cadence_days is None or quiet < cadence_days * DAY):
            reasons.append(
                {
                    "code": "rhythm_broken",
                    "name": name,
                    "days": _days(quiet),
                    "usual_days": _usual_days(usual_gap),
                }
            )
            penalty += 20
            alert_at.append(result.last_heard_at + limit)

    # Cadence: how long since the last touchpoint, against what was agreed.
    since = now - result.last_contact_at
    if cadence_days:
        ratio = since / (cadence_days * DAY)
        if ratio > 1:
            reasons.append(
                {"code": "cadence_broken", "days": math.ceil(since / DAY), "cadence": cadence_days}
            )
            penalty += min(50, round(25 + 25 * (ratio - 1)))
            alert_at.append(result.last_contact_at + cadence_days * DAY)
        elif ratio >= 0.75:
            reasons.append({"code": "cadence_due", "days": _days(since), "cadence": cadence_days})
            penalty += 10

    if not reasons:
        reasons.append({"code": "in_touch", "days": _days(since)})
    result.score = max(0, min(100, 100 - penalty))
    if alert_at:
        result.alert = True
        result.alert_since = min(alert_at)
    return result


def describe(reason: dict) -> str:
    """A reason in words, in the active language."""
    code = reason.get("code")
    n = reason.get("days", 0)
    name = reason.get("name") or _("them")
    if code == "no_touchpoints":
        return _("No touchpoints yet.")
    if code == "in_touch":
        return ngettext(
            "In touch: last contact %(days)d day ago.",
            "In touch: last contact %(days)d days ago.",
            n,
        ) % {"days": n}
    if code == "silent":
        usual = reason.get("usual_days", 1)
        return ngettext(
            "No reply from %(name)s for %(days)d day; ",
            "No reply from %(name)s for %(days)d days; ",
            n,
        ) % {"name": name, "days": n} + ngettext(
            "they usually reply in %(usual)d day.",
            "they usually reply in %(usual)d days.",
            usual,
        ) % {"usual": usual}
    if code == "slowing":
        usual = reason.get("usual_days", 1)
        recent = reason.get("recent_days", 1)
        return ngettext(
            "Replies from %(name)s are slowing: lately %(recent)d day, ",
            "Replies from %(name)s are slowing: lately %(recent)d days, ",
            recent,
        ) % {"name": name, "recent": recent} + ngettext(
            "usually %(usual)d day.", "usually %(usual)d days.", usual
        ) % {"usual": usual}
    if code == "rhythm_broken":
        usual = reason.get("usual_days", 1)
        return ngettext(
            "Nothing from %(name)s for %(days)d day; ",
            "Nothing from %(name)s for %(days)d days; ",
            n,
        ) % {"name": name, "days": n} + ngettext(
            "they usually write every %(usual)d day.",
            "they usually write every %(usual)d days.",
            usual,
        ) % {"usual": usual}
    if code == "overdue_reply":
        count = reason.get("count", 1)
        return ngettext(
            "%(count)d awaited reply is overdue; ",
            "%(count)d awaited replies are overdue; ",
            count,
        ) % {"count": count} + ngettext(
            "%(name)s's is %(days)d day late.",
            "%(name)s's is %(days)d days late.",
            n,
        ) % {"name": name, "days": n}
    if code == "we_owe_reply":
        return ngettext(
            "We owe %(name)s a reply, %(days)d day late.",
            "We owe %(name)s a reply, %(days)d days late.",
            n,
        ) % {"name": name, "days": n}
    if code == "cadence_broken":
        return _("No contact for %(days)d days; we agreed on every %(cadence)d.") % {
            "days": n,
            "cadence": reason.get("cadence", 0),
        }
    if code == "cadence_due":
        return _("Contact due soon: %(days)d days since the last, expected every %(cadence)d.") % {
            "days": n,
            "cadence": reason.get("cadence", 0),
        }
    return str(code)


def describe_all(reasons: list[dict]) -> list[str]:
    return [describe(r) for r in reasons]


# --- cadences --------------------------------------------------------------------------------


def partnership_cadence(partnership) -> int:
    return _partnership_cadence(partnership.status, partnership.form, partnership.cadence_days)


def _partnership_cadence(status: str, form: str, own: int | None) -> int:
    if own:
        return own
    if status in ("completed", "ended"):
        return CADENCE_AFTER_THE_END
    if status == "on_hold":
        return CADENCE_ON_HOLD
    return DEFAULT_CADENCE_BY_FORM.get(form, 30)


def _cadences(workspace, subject: str, ids: set[int] | None) -> dict[int, int]:
    """Each subject's expected cadence in days: its own, else the shortest of the partnerships
    it takes part in, else the default for a relationship."""
    from svrazka.partnerships.models import Partnership, PartnershipPartner
    from svrazka.touchpoints.models import Cadence

    result: dict[int, int] = {}
    if subject == "partnership":
        qs = Partnership.objects.filter(workspace=workspace)
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        for pk, status, form, own in qs.values_list("pk", "status", "form", "cadence_days"):
            result[pk] = _partnership_cadence(status, form, own)
        return result
    field_name = "organisation_id" if subject == "organisation" else "liaison_id"
    partners = PartnershipPartner.objects.filter(workspace=workspace)
    if ids is not None:
        partners = partners.filter(**{f"{field_name}__in": ids})
    for owner, status, form, own in partners.values_list(
        field_name, "partnership__status", "partnership__form", "partnership__cadence_days"
    ):
        if owner is None:
            continue
        days = _partnership_cadence(status, form, own)
        result[owner] = min(days, result.get(owner, days))
    own_field = "organisation_id" if subject == "organisation" else "person_id"
    cadences = Cadence.objects.filter(workspace=workspace, **{f"{own_field}__isnull": False})
    if ids is not None:
        cadences = cadences.filter(**{f"{own_field}__in": ids})
    for owner, days in cadences.values_list(own_field, "days"):
        result[owner] = days
    return result


# --- reading touchpoints ------------------------------------------------------------------------


def _end_of_day(d: date) -> float:
    tz = timezone.get_current_timezone()
    return datetime.combine(d + timedelta(days=1), datetime.min.time(), tzinfo=tz).timestamp()


def _events_for(workspace, subject: str, pk: int) -> list[Event]:
    from svrazka.touchpoints.models import Interaction, InteractionOrganisation, InteractionPerson

    fields = ("direction", "channel", "awaiting_reply", "reply_expected_by")
    if subject in ("person", "organisation"):
        # The newest MAX_EVENTS from the end of the subject's timeline index (the participant
        # table repeats the time), not all of its touchpoints sorted.
        model = InteractionPerson if subject == "person" else InteractionOrganisation
        columns = ["interaction_id", "occurred_at", *(f"interaction__{f}" for f in fields)]
        rows = list(
            model.objects.filter(workspace=workspace, **{f"{subject}_id": pk})
            .order_by("-occurred_at", "-interaction_id")
            .values_list(*columns)[:MAX_EVENTS]
        )
    else:
        rows = list(
            Interaction.objects.filter(workspace=workspace, partnership_id=pk)
            .order_by("-occurred_at", "-id")
            .values_list("pk", "occurred_at", *fields)[:MAX_EVENTS]
        )
    rows.reverse()
    names = _first_person_names([r[0] for r in rows if r[4]]) if subject != "person" else {}
    return [
        Event(
            at=occurred.timestamp(),
            direction=direction,
            channel=channel,
            awaiting=awaiting,
            expected_by=_end_of_day(expected) if expected else None,
            interaction_id=pk_,
            person=names.get(pk_, ""),
        )
        for pk_, occurred, direction, channel, awaiting, expected in rows
    ]


NAME_BATCH = 5000  # ids per query: SQLite limits a statement's variables


def _batches(ids: list[int]):
    for start in range(0, len(ids), NAME_BATCH):
        yield ids[start : start + NAME_BATCH]


def _full_name(*parts: str) -> str:
    """Person.full_name from its parts (read as values: instances cost more than the query)."""
    return " ".join(p for p in parts if p)


def _first_person_names(interaction_ids: list[int]) -> dict[int, str]:
    from svrazka.touchpoints.models import InteractionPerson

    names: dict[int, str] = {}
    for part in _batches(sorted(set(interaction_ids))):
        for iid, given, middle, family in (
            InteractionPerson.objects.filter(interaction_id__in=part)
            .order_by("id")
            .values_list(
                "interaction_id", "person__given_name", "person__middle_name", "person__family_name"
            )
        ):
            if iid not in names:
                names[iid] = _full_name(given, middle, family)
    return names


def _subject_names(workspace, subject: str, ids) -> dict[int, str]:
    from svrazka.contacts.models import Organisation, Person
    from svrazka.partnerships.models import Partnership

    names: dict[int, str] = {}
    for part in _batches(list(ids)):
        if subject == "person":
            names.update(
                (pk, _full_name(given, middle, family))
                for pk, given, middle, family in Person.objects.filter(
                    workspace=workspace, pk__in=part
                ).values_list("pk", "given_name", "middle_name", "family_name")
            )
        elif subject == "organisation":
            names.update(
                Organisation.objects.filter(workspace=workspace, pk__in=part).values_list(
                    "pk", "name"
                )
            )
        else:
            names.update(
                Partnership.objects.filter(workspace=workspace, pk__in=part).values_list(
                    "pk", "title"
                )
            )
    return names


def _row(workspace, subject: str, pk: int, a: Assessment, computed_at: datetime):
    from svrazka.touchpoints.models import Health

    def dt(x: float | None) -> datetime | None:
        return datetime.fromtimestamp(x, tz=UTC) if x is not None else None

    return Health(
        workspace=workspace,
        subject=subject,
        object_id=pk,
        score=a.score,
        last_contact_at=dt(a.last_contact_at),
        last_heard_at=dt(a.last_heard_at),
        their_median_reply_hours=a.their_median_reply_hours,
        our_median_reply_hours=a.our_median_reply_hours,
        touchpoints_90_days=a.touchpoints_90_days,
        cadence_days=a.cadence_days,
        overdue_replies=a.overdue_replies,
        alert=a.alert,
        alert_since=timezone.localdate(dt(a.alert_since)) if a.alert_since is not None else None,
        reasons=a.reasons,
        computed_at=computed_at,
    )


HEALTH_FIELDS = [
    "score",
    "last_contact_at",
    "last_heard_at",
    "their_median_reply_hours",
    "our_median_reply_hours",
    "touchpoints_90_days",
    "cadence_days",
    "overdue_replies",
    "alert",
    "alert_since",
    "reasons",
    "computed_at",
]


def _save(rows: list) -> None:
    from svrazka.touchpoints.models import Health

    Health.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["workspace", "subject", "object_id"],
        update_fields=HEALTH_FIELDS,
    )


def refresh(
    workspace,
    *,
    people=(),
    organisations=(),
    partnerships=(),
    now: datetime | None = None,
) -> None:
    """Recompute the health of these subjects (ids) from their newest touchpoints."""
    now = now or timezone.now()
    rows = []
    for subject, ids in (
        ("person", set(people)),
        ("organisation", set(organisations)),
        ("partnership", set(partnerships)),
    ):
        if not ids:
            continue
        cadences = _cadences(workspace, subject, ids)
        names = _subject_names(workspace, subject, ids)
        for pk in ids:
            if pk not in names:
                continue  # deleted meanwhile
            a = assess(
                _events_for(workspace, subject, pk),
                now=now.timestamp(),
                cadence_days=cadences.get(
                    pk, DEFAULT_RELATIONSHIP_CADENCE if subject != "partnership" else None
                ),
                name=names[pk],
            )
            rows.append(_row(workspace, subject, pk, a, now))
    if rows:
        _save(rows)


# --- everything at once -------------------------------------------------------------------------


def _epoch_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})::float8"
    return f"((julianday({column}) - 2440587.5) * 86400.0)"


_new_event = object.__new__
_EVENT_SLOTS = tuple(
    Event.__dict__[f].__set__
    for f in ("at", "direction", "channel", "awaiting", "expected_by", "interaction_id", "person")
)


def _event(at, direction, channel, awaiting, expected_by, interaction_id) -> Event:
    """Event(...) for millions of rows: sets the slots directly, without the frozen
    dataclass's __init__ (a third of the time)."""
    e = _new_event(Event)
    s_at, s_direction, s_channel, s_awaiting, s_expected, s_id, s_person = _EVENT_SLOTS
    s_at(e, at)
    s_direction(e, direction)
    s_channel(e, channel)
    s_awaiting(e, awaiting)
    s_expected(e, expected_by)
    s_id(e, interaction_id)
    s_person(e, "")
    return e


class _Facts:
    """What health needs of every interaction of a workspace, read in one pass over the
    table: direction, channel and whether a reply is awaited as a one-byte code per id, and
    the end of the expected-by day of those awaiting a reply. The participant tables then
    stream in the order of their timeline index without a join (a primary-key lookup per row
    costs more than this pass)."""

    AWAITING = 64

    def __init__(self, workspace):
        from svrazka.touchpoints.models import Channel, Interaction

        table = connection.ops.quote_name(Interaction._meta.db_table)
        channels = list(Channel.values)
        # code = 1 + 2 * channel + (direction is "in"), + AWAITING; 0: not known.
        self.decode: list[tuple] = [("", "", False)] * (2 * self.AWAITING)
        for awaiting in (False, True):
            for c, channel in enumerate(channels):
                for d, direction in enumerate(("out", "in")):
                    code = 1 + 2 * c + d + (self.AWAITING if awaiting else 0)
                    self.decode[code] = (direction, channel, awaiting)
        self.expected: dict[int, float] = {}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT MIN(id), MAX(id) FROM {table} WHERE workspace_id = %s", [workspace.pk]
            )
            low, high = cursor.fetchone()
        self.base = low or 0
        self.codes = bytearray((high - low + 1) if low is not None else 0)
        if low is None:
            return
        codes = self.codes
        channel_case = " ".join(f"WHEN %s THEN {2 * c}" for c in range(len(channels)))
        # "+workspace_id": SQLite reads the table in id order instead of through an index.
        where = "+workspace_id" if connection.vendor == "sqlite" else "workspace_id"
        with connection.chunked_cursor() as cursor:
            cursor.execute(
                f"SELECT id, 1 + CASE channel {channel_case} END + "
                f"CASE WHEN direction = 'in' THEN 1 ELSE 0 END FROM {table} "
                f"WHERE {where} = %s AND id BETWEEN %s AND %s",
                [*channels, workspace.pk, low, high],
            )
            while batch := cursor.fetchmany(50000):
                for iid, code in batch:
                    if code is not None:
                        codes[iid - low] = code
        day_ends: dict = {}
        # Through the partial index of awaited replies (its condition, literally).
        awaiting = '"awaiting_reply" = 1' if connection.vendor == "sqlite" else "awaiting_reply"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, reply_expected_by FROM {table} WHERE workspace_id = %s AND {awaiting}",
                [workspace.pk],
            )
            for iid, expected in cursor.fetchall():
                if low <= iid <= high and codes[iid - low]:
                    codes[iid - low] |= self.AWAITING
                if expected:
                    end = day_ends.get(expected)
                    if end is None:
                        d = expected if isinstance(expected, date) else date.fromisoformat(expected)
                        end = day_ends[expected] = _end_of_day(d)
                    self.expected[iid] = end


def _stream(workspace, subject: str, facts: _Facts | None = None):
    """(subject id, events oldest first) for every subject with touchpoints, one at a time.

    People and organisations are read in the order of the participant table's timeline index
    (workspace, subject, occurred_at, interaction), which repeats the time: no sort of
    millions of rows and no join; the rest of each interaction comes from `facts`."""
    from svrazka.touchpoints.models import Interaction, InteractionOrganisation, InteractionPerson

    current = None
    events: list[Event] = []
    if subject in ("person", "organisation"):
        facts = facts or _Facts(workspace)
        model = InteractionPerson if subject == "person" else InteractionOrganisation
        link = connection.ops.quote_name(model._meta.db_table)
        owner = f"{subject}_id"
        sql = (
            f"SELECT {owner}, {_epoch_sql('occurred_at')}, interaction_id FROM {link} "
            f"WHERE workspace_id = %s ORDER BY workspace_id, {owner}, occurred_at, interaction_id"
        )
        base, codes, decode, expected = facts.base, facts.codes, facts.decode, facts.expected
        size = len(codes)
        new = _new_event
        s_at, s_direction, s_channel, s_awaiting, s_expected, s_id, s_person = _EVENT_SLOTS
        # PostgreSQL: a server-side cursor (inside the caller's transaction), so that millions
        # of rows are not all fetched at once.
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, [workspace.pk])
            while batch := cursor.fetchmany(20000):
                for pk, at, iid in batch:
                    if pk != current:
                        if events:
                            yield current, events
                        current, events = pk, []
                    k = iid - base
                    code = codes[k] if 0 <= k < size else 0
                    if not code:
                        continue  # logged after `facts` was read: its own refresh covers it
                    direction, channel, awaiting = decode[code]
                    # _event(), inlined: this line runs for every participant row.
                    e = new(Event)
                    s_at(e, at)
                    s_direction(e, direction)
                    s_channel(e, channel)
                    s_awaiting(e, awaiting)
                    s_expected(e, expected.get(iid) if awaiting else None)
                    s_id(e, iid)
                    s_person(e, "")
                    events.append(e)
        if events:
            yield current, events
        return
    i = connection.ops.quote_name(Interaction._meta.db_table)
    sql = (
        f"SELECT partnership_id, {_epoch_sql('occurred_at')}, direction, channel, "
        f"awaiting_reply, reply_expected_by, id FROM {i} "
        f"WHERE workspace_id = %s AND partnership_id IS NOT NULL "
        f"ORDER BY partnership_id, occurred_at, id"
    )
    day_ends: dict = {}
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [workspace.pk])
        while batch := cursor.fetchmany(20000):
            for pk, at, direction, channel, awaiting, expected_by, iid in batch:
                if pk != current:
                    if events:
                        yield current, events
                    current, events = pk, []
                expected_end = None
                if awaiting and expected_by:
                    expected_end = day_ends.get(expected_by)
                    if expected_end is None:
                        d = (
                            expected_by
                            if isinstance(expected_by, date)
                            else date.fromisoformat(expected_by)
                        )
                        expected_end = day_ends[expected_by] = _end_of_day(d)
                events.append(
                    _event(float(at), direction, channel, bool(awaiting), expected_end, iid)
                )
    if events:
        yield current, events


HEALTH_COLUMNS = ["workspace_id", "subject", "object_id", *(f for f in HEALTH_FIELDS)]


class _Replacer:
    """Replaces the stored health of one kind of subject in a workspace: DELETE, then the new
    rows written in batches (executemany on SQLite, COPY on PostgreSQL). Call inside a
    transaction, so that readers see the old rows or the new ones."""

    BATCH = 20000

    def __init__(self, workspace, subject: str, now: datetime):
        from svrazka.touchpoints.models import Health

        self.ws, self.subject, self.now = workspace.pk, subject, now
        self.sqlite = connection.vendor == "sqlite"
        q = connection.ops.quote_name
        self.table = q(Health._meta.db_table)
        cols = ", ".join(q(Health._meta.get_field(f).column) for f in HEALTH_FIELDS)
        cols = f"workspace_id, subject, object_id, {cols}"
        if self.sqlite:
            marks = ", ".join("?" for _ in HEALTH_COLUMNS)
            self.sql = f"INSERT INTO {self.table} ({cols}) VALUES ({marks})"
            self.computed = str(now.astimezone(UTC).replace(tzinfo=None))
        else:
            self.sql = f"COPY {self.table} ({cols}) FROM STDIN"
            self.computed = now
        self.rows: list[tuple] = []
        self.count = 0
        self.tz = timezone.get_current_timezone()

    def start(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self.table} WHERE workspace_id = %s AND subject = %s",
                [self.ws, self.subject],
            )

    def _dt(self, x: float | None):
        if x is None:
            return None
        value = datetime.fromtimestamp(x, tz=UTC)
        return str(value.replace(tzinfo=None)) if self.sqlite else value

    def add(self, pk: int, a: Assessment) -> None:
        since = None
        if a.alert_since is not None:
            since = datetime.fromtimestamp(a.alert_since, tz=self.tz).date()
            if self.sqlite:
                since = since.isoformat()
        self.rows.append(
            (
                self.ws,
                self.subject,
                pk,
                a.score,
                self._dt(a.last_contact_at),
                self._dt(a.last_heard_at),
                a.their_median_reply_hours,
                a.our_median_reply_hours,
                a.touchpoints_90_days,
                a.cadence_days,
                a.overdue_replies,
                (1 if a.alert else 0) if self.sqlite else a.alert,
                since,
                json.dumps(a.reasons),
                self.computed,
            )
        )
        if len(self.rows) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        connection.ensure_connection()
        raw = connection.connection
        if self.sqlite:
            raw.executemany(self.sql, self.rows)
        else:
            with raw.cursor() as cursor, cursor.copy(self.sql) as copy:
                for row in self.rows:
                    copy.write_row(row)
        self.count += len(self.rows)
        self.rows = []


def recompute_all(workspace, *, now: datetime | None = None) -> dict[str, int]:
    """Recompute the health of every person, organisation and partnership of the workspace
    with touchpoints (and of partnerships without any). Returns how many of each.

    Each kind of subject is replaced in one transaction: its rows are deleted and written
    again (subjects whose touchpoints are all gone lose theirs)."""
    from svrazka.partnerships.models import Partnership

    now = now or timezone.now()
    stamp = now.timestamp()
    counts = {}
    facts = None
    for subject in ("person", "organisation", "partnership"):
        cadences = _cadences(workspace, subject, None)
        default = DEFAULT_RELATIONSHIP_CADENCE if subject != "partnership" else None
        seen: set[int] = set()
        alerted: list = []
        with transaction.atomic():
            out = _Replacer(workspace, subject, now)
            out.start()
            if subject != "partnership" and facts is None:
                facts = _Facts(workspace)
            for pk, events in _stream(workspace, subject, facts):
                seen.add(pk)
                a = assess(events, now=stamp, cadence_days=cadences.get(pk, default))
                if any("name" in r for r in a.reasons):
                    alerted.append((pk, events))
                    continue
                out.add(pk, a)
            if subject == "partnership":
                for pk in Partnership.objects.filter(workspace=workspace).values_list(
                    "pk", flat=True
                ):
                    if pk not in seen:
                        seen.add(pk)
                        out.add(pk, assess([], now=stamp, cadence_days=cadences.get(pk)))
            # Reasons that name someone are assessed again with the names.
            names = _subject_names(workspace, subject, [pk for pk, _e in alerted])
            people = (
                _first_person_names(
                    [e.interaction_id for _pk, evs in alerted for e in evs if e.awaiting]
                )
                if subject != "person"
                else {}
            )
            for pk, events in alerted:
                if people:
                    events = [
                        Event(
                            e.at,
                            e.direction,
                            e.channel,
                            e.awaiting,
                            e.expected_by,
                            e.interaction_id,
                            people.get(e.interaction_id, ""),
                        )
                        for e in events
                    ]
                a = assess(
                    events,
                    now=stamp,
                    cadence_days=cadences.get(pk, default),
                    name=names.get(pk, ""),
                )
                out.add(pk, a)
            out.flush()
        counts[subject] = len(seen)
    return counts
