"""The daily digest, received by a real SMTP server (aiosmtpd): each member's overdue and
due-today tasks, late awaited replies and partners gone quiet, in their language, once a day."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from django.utils.formats import date_format

from svrazka.partnerships import services as partnerships
from svrazka.touchpoints import digests, followups
from svrazka.touchpoints import services as touchpoints
from svrazka.touchpoints.health import describe_all
from svrazka.touchpoints.models import DigestSent, Health
from tests.factories import make_person
from tests.smtpserver import SMTPServer, smtp_server  # noqa: F401 (a fixture)

SITE = "https://svrazka.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def bulgarian_bob(bob):
    bob.language = "bg"
    bob.full_name = "Боб Борисов"
    bob.save()
    return bob


@pytest.fixture
def bobs_day(workspace, alice, bulgarian_bob):
    """Bob has an overdue task, a task due today, a reply he waits for that is late, and a
    partner (Ivan, whom he wrote to) gone quiet."""
    bob = bulgarian_bob
    today = timezone.localdate()
    ivan = make_person(workspace, alice, given_name="Иван", family_name="Петров")
    overdue = followups.task_create(
        workspace=workspace,
        actor=alice,
        data={
            "title": "Изпрати отчета на фондацията",
            "assignee": bob,
            "due_date": today - timedelta(days=3),
            "person": ivan,
        },
    )
    due_today = followups.task_create(
        workspace=workspace,
        actor=alice,
        data={"title": "Обади се на медиите", "assignee": bob, "due_date": today},
    )
    followups.task_create(
        workspace=workspace,
        actor=alice,
        data={"title": "Следващата седмица", "assignee": bob, "due_date": today + timedelta(7)},
    )
    letter = touchpoints.log_interaction(
        workspace=workspace,
        actor=bob,
        channel="email",
        direction="out",
        occurred_at=timezone.now() - timedelta(days=20),
        people=[ivan],
        users=[bob],
        subject="Покана за партньорство",
        awaiting_reply=True,
        reply_expected_by=today - timedelta(days=10),
    )
    health = Health.objects.get(workspace=workspace, subject="person", object_id=ivan.pk)
    assert health.alert
    return {
        "ivan": ivan,
        "overdue": overdue,
        "due_today": due_today,
        "letter": letter,
        "health": health,
    }


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_a_bulgarian_member_gets_the_digest_in_bulgarian(smtp_server, bobs_day, bob, alice):  # noqa: F811
    call_command("send_digests")
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["bob@example.org"]]
    [message] = smtp_server.messages
    today = timezone.localdate()
    with translation.override("bg"):
        month = date_format(today, "F")
        expected_subject = translation.gettext(
            "Svrazka · %(workspace)s: your follow-ups for %(date)s"
        ) % {"workspace": "Our NGO", "date": date_format(today, "DATE_FORMAT")}
        reasons = describe_all(bobs_day["health"].reasons)
    assert message["Subject"] == expected_subject
    assert month in message["Subject"]  # the Bulgarian month name: "ноември", "януари"…
    assert month != date_format(today, "F")  # …not the English one
    body = _text(message)
    assert "Изпрати отчета на фондацията" in body
    assert "Обади се на медиите" in body
    assert "Следващата седмица" not in body
    assert "Иван Петров: Покана за партньорство" in body
    assert reasons and all(r in body for r in reasons)
    assert f"{SITE}/w/ngo/tasks/{bobs_day['overdue'].pk}/edit/" in body
    assert f"{SITE}/w/ngo/people/{bobs_day['ivan'].pk}/" in body
    html = _html(message)
    assert 'lang="bg"' in html and "Изпрати отчета на фондацията" in html
    assert f'href="{SITE}/w/ngo/tasks/{bobs_day["overdue"].pk}/edit/"' in html
    assert message["Auto-Submitted"] == "auto-generated"
    assert DigestSent.objects.filter(user=bob, day=today).count() == 1


def test_a_second_run_the_same_day_sends_nothing(smtp_server, bobs_day):  # noqa: F811
    call_command("send_digests")
    call_command("send_digests")
    assert len(smtp_server.envelopes) == 1


def test_a_digest_already_claimed_by_another_run_is_not_sent_again(
    smtp_server,  # noqa: F811
    bobs_day,
    workspace,
    bob,
):
    DigestSent.objects.create(workspace=workspace, user=bob, day=timezone.localdate())
    counts = digests.send_digests()
    assert counts[digests.ALREADY] == 1 and counts[digests.SENT] == 0
    assert smtp_server.envelopes == []


def test_a_member_with_the_digest_off_gets_nothing(smtp_server, bobs_day, bob):  # noqa: F811
    bob.daily_digest = False
    bob.save()
    call_command("send_digests")
    assert smtp_server.envelopes == []
    assert not DigestSent.objects.exists()


def test_nothing_to_say_sends_nothing(smtp_server, workspace, alice, bob, vera):  # noqa: F811
    followups.task_create(
        workspace=workspace,
        actor=alice,
        data={"title": "Later", "assignee": alice, "due_date": timezone.localdate() + timedelta(3)},
    )
    counts = digests.send_digests()
    assert counts[digests.NOTHING] == 3 and counts[digests.SENT] == 0
    assert smtp_server.envelopes == []
    assert not DigestSent.objects.exists()


def test_a_liaison_hears_of_their_partnership_gone_quiet(smtp_server, workspace, alice, bob):  # noqa: F811
    mine = partnerships.partnership_create(
        workspace=workspace,
        actor=alice,
        data={"title": "Медийно партньорство", "form": "media", "liaison": bob},
    )
    theirs = partnerships.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Чужда коалиция", "form": "coalition"}
    )
    reasons = [{"code": "cadence_broken", "days": 45, "cadence": 30}]
    for p in (mine, theirs):
        Health.objects.update_or_create(
            workspace=workspace,
            subject="partnership",
            object_id=p.pk,
            defaults={
                "alert": True,
                "reasons": reasons,
                "computed_at": timezone.now(),
                "score": 40,
            },
        )
    call_command("send_digests", "--workspace", "ngo")
    [message] = smtp_server.messages
    body = _text(message)
    assert message["To"] == "bob@example.org"
    assert "Медийно партньорство" in body and "Чужда коалиция" not in body
    assert "No contact for 45 days; we agreed on every 30." in body  # bob's language: English
    assert f"{SITE}/w/ngo/partnerships/{mine.pk}/" in body


def test_a_failed_send_is_retried_by_the_next_run(settings, bobs_day):
    down = SMTPServer()  # never started: nothing listens on its port
    settings.MAILERS = down.mailers
    with pytest.raises(CommandError):
        call_command("send_digests")
    assert not DigestSent.objects.exists()
    up = SMTPServer()
    up.start()
    try:
        settings.MAILERS = up.mailers
        call_command("send_digests")
        assert len(up.envelopes) == 1
    finally:
        up.stop()


def test_the_background_task_sends_them_too(smtp_server, bobs_day):  # noqa: F811
    result = digests.send_digests_task.call(workspace_slug="ngo")
    assert result[digests.SENT] == 1
    assert len(smtp_server.envelopes) == 1


def test_the_date_option_and_bad_options(smtp_server, bobs_day, workspace):  # noqa: F811
    # Tomorrow, the task due today is overdue too; a digest for another day is another digest.
    tomorrow = timezone.localdate() + timedelta(days=1)
    call_command("send_digests", "--date", tomorrow.isoformat())
    assert DigestSent.objects.get().day == tomorrow
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_digests", "--date", "31.01.2026")
    with pytest.raises(CommandError, match="no workspace"):
        call_command("send_digests", "--workspace", "nope")


def test_enqueue_puts_the_run_on_the_database_queue_for_the_worker(
    smtp_server,  # noqa: F811
    bobs_day,
    monkeypatch,
):
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    # The worker closes "old" connections between tasks; inside the test's transaction on
    # PostgreSQL that would close the connection the test itself still uses.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    call_command("send_digests", "--enqueue", "--workspace", "ngo")
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "svrazka.touchpoints.digests.send_digests_task"
    assert smtp_server.envelopes == []  # the worker sends them, not the command
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["bob@example.org"]]
