"""Relationship health: response times, cadence, overdue replies, and silence noticed from a
partner's own pattern before the agreed cadence is broken."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from svrazka.contacts import services as contacts
from svrazka.partnerships import services as partnerships
from svrazka.touchpoints import health, services
from svrazka.touchpoints.health import DAY, Event, assess, silence_threshold
from svrazka.touchpoints.models import Health
from tests.factories import make_organisation, make_person

START = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.get_current_timezone())


def _quick_replier(exchanges=5, reply_after=timedelta(hours=20), every=timedelta(days=7)):
    """We write every week; they answer within a day. Then we write once more."""
    events, t = [], START
    for _ in range(exchanges):
        events.append(Event(t.timestamp(), "out", "email"))
        events.append(Event((t + reply_after).timestamp(), "in", "email"))
        t += every
    events.append(Event(t.timestamp(), "out", "email"))
    return events, t


def test_the_silence_alert_fires_on_the_day_their_pattern_is_broken_and_not_before():
    events, last_sent = _quick_replier()
    median = timedelta(hours=20).total_seconds()
    fires_at = last_sent.timestamp() + silence_threshold(median)  # 2 days 20 hours later
    day_before = assess(events, now=fires_at - 3600, cadence_days=14, name="Мария Иванова")
    on_the_day = assess(events, now=fires_at + 60, cadence_days=14, name="Мария Иванова")
    assert not day_before.alert
    assert day_before.score == 100
    assert on_the_day.alert
    assert on_the_day.score < 100
    # ... well before the two-week cadence is broken.
    assert fires_at < last_sent.timestamp() + 14 * DAY
    with override("en"):
        assert health.describe_all(on_the_day.reasons) == [
            "No reply from Мария Иванова for 2 days; they usually reply in 1 day."
        ]
    with override("bg"):
        text = health.describe_all(on_the_day.reasons)[0]
        assert "Мария Иванова" in text
        assert "No reply" not in text


def test_a_slow_replier_is_not_called_silent_after_the_same_wait():
    events, last_sent = _quick_replier(reply_after=timedelta(days=4))
    three_days_later = last_sent.timestamp() + 3 * DAY
    assert not assess(events, now=three_days_later, cadence_days=30).alert
    assert assess(events, now=last_sent.timestamp() + 13 * DAY, cadence_days=30).alert


def test_a_partner_without_a_history_of_replies_is_judged_by_the_cadence_only():
    t = START.timestamp()
    events = [Event(t, "out", "email")]
    assert not assess(events, now=t + 10 * DAY, cadence_days=14).alert
    late = assess(events, now=t + 15 * DAY, cadence_days=14)
    assert late.alert
    assert [r["code"] for r in late.reasons] == ["cadence_broken"]
    assert late.score <= 75


def test_median_reply_times_of_both_sides():
    t = START.timestamp()
    events = [
        Event(t, "out", "email"),
        Event(t + 2 * 3600, "in", "email"),  # they answer in 2 h
        Event(t + 8 * 3600, "out", "email"),  # we answer in 6 h
        Event(t + 12 * 3600, "in", "email"),  # they answer in 4 h
    ]
    a = assess(events, now=t + DAY, cadence_days=30)
    assert a.their_median_reply_hours == pytest.approx(3.0)
    assert a.our_median_reply_hours == pytest.approx(6.0)
    assert a.last_heard_at == t + 12 * 3600
    assert a.score == 100


def test_a_meeting_closes_what_was_pending():
    events, last_sent = _quick_replier()
    met = last_sent + timedelta(hours=5)
    events.append(Event(met.timestamp(), "out", "meeting"))
    assert not assess(events, now=met.timestamp() + 5 * DAY, cadence_days=14).alert


def test_overdue_awaited_reply_lowers_the_score_and_names_the_person():
    t = START.timestamp()
    events = [Event(t, "out", "email", awaiting=True, expected_by=t + 3 * DAY, person="Νίκος")]
    a = assess(events, now=t + 6 * DAY, cadence_days=30)
    assert a.overdue_replies == 1
    assert a.alert
    assert a.reasons[0] == {"code": "overdue_reply", "name": "Νίκος", "count": 1, "days": 3}
    assert a.score == 85


def test_no_touchpoints_has_no_score():
    a = assess([], now=START.timestamp(), cadence_days=14)
    assert a.score is None
    assert a.reasons == [{"code": "no_touchpoints"}]


def _log(workspace, actor, person, when, direction, **kw):
    return services.log_interaction(
        workspace=workspace,
        actor=actor,
        channel=kw.pop("channel", "email"),
        direction=direction,
        occurred_at=when,
        people=[person],
        **kw,
    )


def test_replaying_a_partner_going_silent_raises_the_alert_on_its_day(workspace, alice):
    """Quick replies for weeks, then none: the stored health alerts on the right day."""
    org = make_organisation(workspace, alice, name="Асоциация Мост")
    maria = make_person(workspace, alice, given_name="Мария", family_name="Иванова")
    contacts.affiliation_create(
        workspace=workspace, actor=alice, person=maria, organisation=org, data={}
    )
    pship = partnerships.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Мостове", "form": "coalition"}
    )
    partnerships.partner_add(partnership=pship, actor=alice, organisation=org, role="partner")
    t = START
    for _ in range(6):
        _log(workspace, alice, maria, t, "out", partnership=pship)
        _log(workspace, alice, maria, t + timedelta(hours=18), "in", partnership=pship)
        t += timedelta(days=5)
    _log(workspace, alice, maria, t, "out", partnership=pship)
    # The threshold: three times 18 hours, at least 18 hours + 2 days = 2 days 18 hours.
    for days, expect_alert in ((1, False), (2, False), (3, True), (6, True)):
        health.recompute_all(workspace, now=t + timedelta(days=days))
        row = Health.objects.get(workspace=workspace, subject="person", object_id=maria.pk)
        assert row.alert is expect_alert, (days, row.reasons)
        pship_row = Health.objects.get(
            workspace=workspace, subject="partnership", object_id=pship.pk
        )
        assert pship_row.alert is expect_alert, days
    assert row.alert_since == timezone.localdate(t + timedelta(days=2, hours=18))
    assert row.reasons[0]["code"] == "silent"
    assert row.reasons[0]["name"] == "Мария Иванова"
    assert row.their_median_reply_hours == pytest.approx(18)
    org_row = Health.objects.get(workspace=workspace, subject="organisation", object_id=org.pk)
    assert org_row.alert
    # Coalitions expect contact every 14 days by default.
    assert pship_row.cadence_days == 14
    assert org_row.cadence_days == 14


def test_an_answer_closes_the_awaited_reply_and_refreshes_health(workspace, alice):
    nikos = make_person(workspace, alice, given_name="Νίκος", family_name="Παπαδόπουλος")
    asked = _log(
        workspace,
        alice,
        nikos,
        START,
        "out",
        awaiting_reply=True,
        reply_expected_by=START.date() + timedelta(days=3),
    )
    answer = _log(workspace, alice, nikos, START + timedelta(hours=5), "in")
    asked.refresh_from_db()
    assert not asked.awaiting_reply
    assert asked.answered_by == answer
    assert asked.answered_at == answer.occurred_at
    row = Health.objects.get(workspace=workspace, subject="person", object_id=nikos.pk)
    assert row.their_median_reply_hours == pytest.approx(5)
    assert row.overdue_replies == 0


def test_recompute_all_matches_the_incremental_refresh(workspace, alice):
    people = [make_person(workspace, alice, given_name=f"Иван{i}") for i in range(4)]
    now = START + timedelta(days=40)
    for i, p in enumerate(people):
        t = START
        for k in range(i + 2):
            _log(workspace, alice, p, t, "out" if k % 2 == 0 else "in")
            t += timedelta(days=3 + i)
    health.refresh(workspace, people=[p.pk for p in people], now=now)
    incremental = {
        h.object_id: (h.score, h.reasons, h.their_median_reply_hours, h.alert)
        for h in Health.objects.filter(workspace=workspace, subject="person")
    }
    health.recompute_all(workspace, now=now)
    full = {
        h.object_id: (h.score, h.reasons, h.their_median_reply_hours, h.alert)
        for h in Health.objects.filter(workspace=workspace, subject="person")
    }
    assert full == incremental
    assert len(full) == 4


def test_cadence_set_by_hand_wins_over_the_default(workspace, alice):
    p = make_person(workspace, alice)
    _log(workspace, alice, p, timezone.now() - timedelta(days=20), "out", channel="phone")
    row = Health.objects.get(workspace=workspace, subject="person", object_id=p.pk)
    assert row.cadence_days == health.DEFAULT_RELATIONSHIP_CADENCE
    assert not row.alert
    services.set_cadence(workspace=workspace, actor=alice, subject=p, days=10)
    row.refresh_from_db()
    assert row.cadence_days == 10
    assert row.alert
    assert row.reasons[0]["code"] == "cadence_broken"
    services.set_cadence(workspace=workspace, actor=alice, subject=p, days=None)
    row.refresh_from_db()
    assert row.cadence_days == health.DEFAULT_RELATIONSHIP_CADENCE
