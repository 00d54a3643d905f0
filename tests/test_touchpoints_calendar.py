"""The private calendar feed: valid iCalendar (read back by the `icalendar` library) with the
user's tasks, the agreements' ends and the meetings ahead; a secret URL that can be replaced
and revoked, and that shows only what its user may see."""

from datetime import date, datetime, timedelta

import icalendar
import pytest
from django.utils import timezone

from svrazka.accounts.models import Membership
from svrazka.partnerships import agreements
from svrazka.partnerships import services as partnerships
from svrazka.touchpoints import calendar, followups
from svrazka.touchpoints import services as touchpoints
from svrazka.touchpoints.models import CalendarFeed, Task
from tests.factories import make_person

LONG_TITLE = (
    "Подготви доклада за партньорството с Фондация „Мост“; покани, обади се, "
    "изпрати бележки\\отчет — и не забравяй Гърция, Румъния и България"
)


@pytest.fixture
def feed_token(alice_client):
    response = alice_client.post("/w/ngo/calendar/", {"action": "create"})
    assert response.status_code == 200
    url = response.context["url"]
    assert url.startswith("http://") and url.endswith(".ics")
    return url.rsplit("/", 1)[1][: -len(".ics")]


@pytest.fixture
def things(workspace, alice, bob):
    ivan = make_person(
        workspace, alice, given_name="Иван", family_name="Петров", emails=["ivan@most.example"]
    )
    partnership = partnerships.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Коалиция, „Мост“", "form": "coalition"}
    )
    agreement = agreements.agreement_create(
        partnership=partnership,
        actor=alice,
        data={"title": "Споразумение за сътрудничество", "end_date": date(2030, 6, 30)},
    )
    task = followups.task_create(
        workspace=workspace,
        actor=alice,
        data={
            "title": LONG_TITLE,
            "assignee": alice,
            "due_date": date(2030, 1, 15),
            "notes": "Ред 1\nРед 2; с точка и запетая, и наклонена \\ черта",
            "partnership": partnership,
        },
    )
    bobs = followups.task_create(
        workspace=workspace,
        actor=alice,
        data={"title": "Задача на Боб", "assignee": bob, "due_date": date(2030, 1, 16)},
    )
    meeting = touchpoints.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="meeting",
        direction="out",
        occurred_at=timezone.now() + timedelta(days=3),
        people=[ivan],
        users=[alice, bob],
        partnership=partnership,
        subject="Среща в София",
    )
    call = touchpoints.log_interaction(
        workspace=workspace,
        actor=bob,
        channel="phone",
        direction="out",
        occurred_at=timezone.now() + timedelta(days=3),
        people=[ivan],
        subject="Телефонен разговор",
    )
    return {
        "ivan": ivan,
        "partnership": partnership,
        "agreement": agreement,
        "task": task,
        "bobs": bobs,
        "meeting": meeting,
        "call": call,
    }


def _events(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_the_feed_is_valid_icalendar_with_tasks_agreements_and_meetings(
    alice_client, client, feed_token, things
):
    response = client.get(f"/calendar/{feed_token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content
    cal = icalendar.Calendar.from_ical(raw)
    assert cal["VERSION"] == "2.0" and cal["PRODID"] and cal["CALSCALE"] == "GREGORIAN"
    events = _events(cal)
    task = events[f"task-{things['task'].pk}@127.0.0.1"]
    assert str(task["SUMMARY"]) == f"Task: {LONG_TITLE}"
    assert task["DTSTART"].dt == date(2030, 1, 15)  # all-day
    assert task["DTSTART"].params.get("VALUE") == "DATE"
    assert str(task["URL"]).endswith(f"/w/ngo/tasks/{things['task'].pk}/edit/")
    assert "Ред 1\nРед 2; с точка и запетая, и наклонена \\ черта" in str(task["DESCRIPTION"])
    assert "Коалиция, „Мост“" in str(task["DESCRIPTION"])
    assert isinstance(task["DTSTAMP"].dt, datetime)
    # Bob's task is not in Alice's calendar.
    assert f"task-{things['bobs'].pk}@127.0.0.1" not in events
    agreement = events[f"agreement-{things['agreement'].pk}-end@127.0.0.1"]
    assert agreement["DTSTART"].dt == date(2030, 6, 30)
    assert "Споразумение за сътрудничество" in str(agreement["SUMMARY"])
    meeting = events[f"interaction-{things['meeting'].pk}@127.0.0.1"]
    assert str(meeting["SUMMARY"]) == "Среща в София"
    assert meeting["DTSTART"].dt == things["meeting"].occurred_at.replace(microsecond=0)
    assert "Иван Петров" in str(meeting["DESCRIPTION"])
    attendees = meeting["ATTENDEE"]
    assert {str(a) for a in attendees} == {
        "mailto:ivan@most.example",
        "mailto:alice@example.org",
        "mailto:bob@example.org",
    }
    assert "Иван Петров" in [a.params["CN"] for a in attendees]
    # A phone call is not an event in a calendar.
    assert f"interaction-{things['call'].pk}@127.0.0.1" not in events


def test_lines_are_crlf_and_folded_at_75_octets_without_splitting_letters(
    client, feed_token, things
):
    raw = client.get(f"/calendar/{feed_token}.ics").content
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # no line ends inside a Cyrillic letter
    assert any(line.startswith(b" ") for line in lines)  # the long summary is folded
    # Unfolded, the summary is escaped as RFC 5545 says.
    unfolded = raw.replace(b"\r\n ", b"").decode()
    assert "\\;" in unfolded and "\\," in unfolded and "\\\\" in unfolded and "\\n" in unfolded


def test_escape_and_fold_helpers():
    assert calendar.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "ж" * 100
    folded = calendar.fold(line)
    parts = folded.encode().split(b"\r\n")
    assert all(len(p) <= 75 for p in parts)
    assert folded.replace("\r\n ", "") == line


def test_the_url_is_shown_once_and_stored_hashed(alice_client, workspace, alice, feed_token):
    feed = CalendarFeed.objects.get(workspace=workspace, user=alice)
    assert feed_token not in feed.token_hash
    page = alice_client.get("/w/ngo/calendar/").content.decode()
    assert feed_token not in page


def test_a_new_url_replaces_the_old_one(alice_client, client, workspace, alice, feed_token):
    response = alice_client.post("/w/ngo/calendar/", {"action": "create"})
    new_token = response.context["url"].rsplit("/", 1)[1][:-4]
    assert new_token != feed_token
    assert client.get(f"/calendar/{feed_token}.ics").status_code == 404
    assert client.get(f"/calendar/{new_token}.ics").status_code == 200
    assert CalendarFeed.objects.filter(workspace=workspace, user=alice).count() == 1


def test_revoking_makes_the_url_404_and_loses_nothing(
    alice_client, client, workspace, feed_token, things
):
    assert client.get(f"/calendar/{feed_token}.ics").status_code == 200
    response = alice_client.post("/w/ngo/calendar/", {"action": "revoke"})
    assert response.status_code == 302
    assert client.get(f"/calendar/{feed_token}.ics").status_code == 404
    assert not CalendarFeed.objects.exists()
    assert Task.objects.filter(workspace=workspace).count() == 2  # nothing else touched
    # Revoking again is harmless; a new URL works.
    assert alice_client.post("/w/ngo/calendar/", {"action": "revoke"}).status_code == 302
    again = alice_client.post("/w/ngo/calendar/", {"action": "create"}).context["url"]
    assert client.get(again.split("127.0.0.1:8000")[1]).status_code == 200


def test_unknown_tokens_are_404(client, db):
    assert client.get("/calendar/nope.ics").status_code == 404
    assert client.get("/calendar/" + "x" * 500 + ".ics").status_code == 404


def test_a_member_who_left_gets_404(bob_client, client, workspace, bob):
    response = bob_client.post("/w/ngo/calendar/", {"action": "create"})
    token = response.context["url"].rsplit("/", 1)[1][:-4]
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    Membership.objects.filter(workspace=workspace, user=bob).delete()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_token_shows_only_its_own_workspace(
    alice_client, oscar_client, client, workspace, alice, oscar, other_workspace, things
):
    response = oscar_client.post("/w/other/calendar/", {"action": "create"})
    token = response.context["url"].rsplit("/", 1)[1][:-4]
    followups.task_create(
        workspace=other_workspace,
        actor=oscar,
        data={"title": "Oscar's own", "assignee": oscar, "due_date": date(2030, 2, 1)},
    )
    cal = icalendar.Calendar.from_ical(client.get(f"/calendar/{token}.ics").content)
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert summaries == ["Task: Oscar's own"]
    # Oscar cannot make a feed for a workspace he does not belong to.
    assert oscar_client.post("/w/ngo/calendar/", {"action": "create"}).status_code == 404
    assert not CalendarFeed.objects.filter(user=oscar, workspace=workspace).exists()


def test_the_feed_speaks_the_users_language(alice, client, workspace, things, feed_token):
    alice.language = "bg"
    alice.save()
    raw = client.get(f"/calendar/{feed_token}.ics").content
    cal = icalendar.Calendar.from_ical(raw)
    assert cal.walk("VEVENT")  # parses; the words follow the translations of the day


def test_the_settings_page(alice_client, vera_client):
    page = alice_client.get("/w/ngo/calendar/")
    assert page.status_code == 200 and "Make my calendar address" in page.content.decode()
    # A viewer may have their own feed too (it only reads).
    assert vera_client.post("/w/ngo/calendar/", {"action": "create"}).status_code == 200
    assert alice_client.post("/w/ngo/calendar/", {"action": "explode"}).status_code == 400
