"""Follow-up tasks: who does what by when, about whom; repeating tasks; "my tasks"; the pages
for each write (result, stored state, history, wrong method, wrong user)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from svrazka.accounts.models import Membership
from svrazka.history.models import ChangeRecord
from svrazka.partnerships import services as partnerships
from svrazka.touchpoints import followups
from svrazka.touchpoints import services as touchpoints
from svrazka.touchpoints.models import Task
from tests.factories import make_organisation, make_person


@pytest.fixture
def ivan(workspace, alice):
    return make_person(workspace, alice, given_name="Иван", family_name="Петров")


@pytest.fixture
def partnership(workspace, alice):
    return partnerships.partnership_create(
        workspace=workspace,
        actor=alice,
        data={"title": "Коалиция за младежта", "form": "coalition"},
    )


def make_task(workspace, actor, **data):
    data.setdefault("title", "Обади се")
    return followups.task_create(workspace=workspace, actor=actor, data=data)


# --- recurrence ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "recurrence", "expected"),
    [
        (date(2026, 3, 10), "daily", date(2026, 3, 11)),
        (date(2026, 3, 10), "weekly", date(2026, 3, 17)),
        (date(2026, 1, 31), "monthly", date(2026, 2, 28)),
        (date(2028, 1, 31), "monthly", date(2028, 2, 29)),
        (date(2026, 3, 31), "monthly", date(2026, 4, 30)),
        (date(2026, 12, 15), "monthly", date(2027, 1, 15)),
        (date(2026, 11, 30), "quarterly", date(2027, 2, 28)),
        (date(2028, 2, 29), "yearly", date(2029, 2, 28)),
    ],
)
def test_next_occurrence(due, recurrence, expected):
    assert followups.next_due_date(due, recurrence) == expected


def test_a_task_done_late_repeats_from_its_own_day_not_into_the_past():
    # Monthly on the 31st, done in mid-April: the next is April 30, not February or March.
    assert followups.next_due_date(date(2026, 1, 31), "monthly", today=date(2026, 4, 15)) == date(
        2026, 4, 30
    )
    # Daily, done a week late: tomorrow-ish, not a trail of past days.
    assert followups.next_due_date(date(2026, 3, 1), "daily", today=date(2026, 3, 8)) == date(
        2026, 3, 8
    )


def test_completing_a_monthly_task_of_january_31_creates_february_28(workspace, alice, bob, ivan):
    task = make_task(
        workspace,
        alice,
        title="Месечен отчет",
        assignee=bob,
        due_date=date(2026, 1, 31),
        recurrence="monthly",
        person=ivan,
        notes="Към фондацията",
    )
    result = followups.task_complete(task=task, actor=bob, today=date(2026, 1, 31))
    assert result.task.done_at is not None and result.changed
    following = result.next
    assert following.due_date == date(2026, 2, 28)
    assert (following.title, following.assignee, following.person, following.notes) == (
        "Месечен отчет",
        bob,
        ivan,
        "Към фондацията",
    )
    assert following.recurrence == "monthly" and following.done_at is None
    # A second click (another tab) changes nothing and creates no second occurrence.
    again = followups.task_complete(task=task, actor=bob, today=date(2026, 1, 31))
    assert not again.changed and again.next is None
    assert Task.objects.filter(workspace=workspace, title="Месечен отчет").count() == 2


def test_a_one_off_task_done_and_reopened(workspace, alice):
    task = make_task(workspace, alice, due_date=date(2026, 5, 1))
    result = followups.task_complete(task=task, actor=alice)
    assert result.next is None and result.task.done_at is not None
    task = followups.task_reopen(task=result.task, actor=alice)
    assert task.done_at is None
    changes = [
        r.changes
        for r in ChangeRecord.objects.filter(object_id=task.pk, content_type__model="task")
    ]
    assert len(changes) == 3  # created, done, reopened


# --- validation ---------------------------------------------------------------------------------


def test_validation_messages_and_nothing_saved(workspace, alice, oscar, other_workspace):
    stranger = make_person(other_workspace, oscar, given_name="Чужд")
    with pytest.raises(ValidationError) as e:
        make_task(workspace, alice, title="   ")
    assert e.value.message_dict["title"] == ["Write what is to be done."]
    with pytest.raises(ValidationError) as e:
        make_task(workspace, alice, assignee=oscar)
    assert e.value.message_dict["assignee"] == ["Assign it to a member of the workspace."]
    with pytest.raises(ValidationError) as e:
        make_task(workspace, alice, person=stranger)
    assert e.value.message_dict["person"] == ["Choose from this workspace."]
    with pytest.raises(ValidationError) as e:
        make_task(workspace, alice, recurrence="weekly")
    assert e.value.message_dict["due_date"] == ["A repeating task needs a date to repeat from."]
    with pytest.raises(ValidationError):
        make_task(workspace, alice, recurrence="hourly", due_date=date(2026, 1, 1))
    assert not Task.objects.exists()
    assert not ChangeRecord.objects.filter(content_type__model="task").exists()


def test_a_stale_update_is_a_conflict(workspace, alice, bob):
    task = make_task(workspace, alice, title="Покана")
    version = task.version
    followups.task_update(
        task=task, actor=alice, data={"title": "Покана за среща"}, version=version
    )
    with pytest.raises(followups.EditConflict) as e:
        followups.task_update(task=task, actor=bob, data={"title": "Друго"}, version=version)
    assert e.value.current.title == "Покана за среща"
    task.refresh_from_db()
    assert task.title == "Покана за среща"


def test_a_task_after_an_interaction_is_about_its_people(workspace, alice, ivan):
    interaction = touchpoints.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="meeting",
        direction="out",
        occurred_at=timezone.now(),
        people=[ivan],
        subject="Среща",
    )
    task = make_task(workspace, alice, interaction=interaction)
    assert task.person == ivan


# --- selectors ----------------------------------------------------------------------------------


def test_my_tasks_are_grouped(workspace, alice, bob):
    today = timezone.localdate()
    make_task(workspace, alice, title="late", assignee=alice, due_date=today - timedelta(days=2))
    make_task(workspace, alice, title="now", assignee=alice, due_date=today)
    make_task(workspace, alice, title="soon", assignee=alice, due_date=today + timedelta(days=3))
    make_task(workspace, alice, title="someday", assignee=alice)
    make_task(workspace, alice, title="bob's", assignee=bob, due_date=today)
    done = make_task(workspace, alice, title="done", assignee=alice, due_date=today)
    followups.task_complete(task=done, actor=alice)
    groups = followups.tasks_grouped(workspace, assignee=alice)
    assert [[t.title for t in g] for g in (groups.overdue, groups.today)] == [["late"], ["now"]]
    assert [t.title for t in groups.upcoming] == ["soon"]
    assert [t.title for t in groups.no_date] == ["someday"]
    everyone = followups.tasks_grouped(workspace)
    assert sorted(t.title for t in everyone.today) == ["bob's", "now"]


def test_open_tasks_for_each_kind(workspace, alice, ivan, partnership):
    org = make_organisation(workspace, alice, name="Фондация")
    a = make_task(workspace, alice, title="за Иван", person=ivan)
    b = make_task(workspace, alice, title="за фондацията", organisation=org)
    c = make_task(workspace, alice, title="за коалицията", partnership=partnership)
    assert followups.open_tasks_for(ivan) == [a]
    assert followups.open_tasks_for(org) == [b]
    assert followups.open_tasks_for(partnership) == [c]


# --- pages --------------------------------------------------------------------------------------


def test_my_tasks_page(alice_client, workspace, alice, bob, ivan):
    today = timezone.localdate()
    make_task(workspace, alice, title="Просрочена", assignee=alice, due_date=today - timedelta(1))
    make_task(workspace, alice, title="Днешна", assignee=alice, due_date=today, person=ivan)
    make_task(workspace, alice, title="На Боб", assignee=bob, due_date=today)
    page = alice_client.get("/w/ngo/tasks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Просрочена" in html and "Днешна" in html and "На Боб" not in html
    assert html.index("Overdue") < html.index("Просрочена") < html.index("Today")
    assert "Иван Петров" in html
    everyone = alice_client.get("/w/ngo/tasks/?who=all").content.decode()
    assert "На Боб" in everyone and "Просрочена" in everyone
    bobs = alice_client.get(f"/w/ngo/tasks/?who={bob.pk}").content.decode()
    assert "На Боб" in bobs and "Просрочена" not in bobs


def test_my_tasks_query_count_does_not_grow(alice_client, workspace, alice, ivan, partnership):
    today = timezone.localdate()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert alice_client.get("/w/ngo/tasks/?who=all").status_code == 200
        return len(ctx.captured_queries)

    make_task(workspace, alice, assignee=alice, due_date=today, person=ivan)
    count()  # the first request of a session writes it
    before = count()
    for i in range(10):
        make_task(
            workspace,
            alice,
            title=f"t{i}",
            assignee=alice,
            due_date=today + timedelta(days=i - 5),
            person=ivan,
            partnership=partnership,
        )
    assert count() == before


def test_the_page_shows_dates_in_bulgarian(alice_client, workspace, alice):
    make_task(workspace, alice, title="Отчет", assignee=alice, due_date=date(2030, 3, 9))
    session = alice_client.session
    session["language"] = "bg"
    session.save()
    html = alice_client.get("/w/ngo/tasks/").content.decode()
    assert "09.03.2030" in html


def test_new_task_is_prefilled_from_a_person(alice_client, workspace, alice, ivan):
    page = alice_client.get(f"/w/ngo/tasks/new/?person={ivan.pk}")
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["assignee"] == alice.pk and form.initial["person"] == ivan.pk
    assert "Иван Петров" in page.content.decode()
    response = alice_client.post(
        "/w/ngo/tasks/new/",
        {
            "title": "Изпрати поканата",
            "assignee": alice.pk,
            "due_date": "2030-01-31",
            "recurrence": "monthly",
            "person": ivan.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/w/ngo/people/{ivan.pk}/"
    task = Task.objects.get(workspace=workspace)
    assert (task.person, task.assignee, task.due_date) == (ivan, alice, date(2030, 1, 31))
    assert ChangeRecord.objects.filter(content_type__model="task", object_id=task.pk).exists()


def test_new_task_from_a_partnership_and_an_interaction(alice_client, workspace, alice, ivan):
    interaction = touchpoints.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="email",
        direction="in",
        occurred_at=timezone.now(),
        people=[ivan],
        subject="Покана",
    )
    page = alice_client.get(f"/w/ngo/tasks/new/?interaction={interaction.pk}")
    assert page.context["form"].initial["title"] == "Follow up: Покана"
    response = alice_client.post(
        "/w/ngo/tasks/new/", {"title": "Отговори", "interaction": interaction.pk}
    )
    assert response.status_code == 302
    task = Task.objects.get(workspace=workspace)
    assert task.interaction == interaction and task.person == ivan


def test_bad_input_shows_a_message_and_saves_nothing(alice_client, workspace, oscar):
    response = alice_client.post(
        "/w/ngo/tasks/new/", {"title": "", "recurrence": "weekly", "due_date": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved." in html and "This field is required." in html
    response = alice_client.post(
        "/w/ngo/tasks/new/", {"title": "Повтаряща", "recurrence": "weekly", "due_date": ""}
    )
    assert response.status_code == 400
    assert "A repeating task needs a date to repeat from." in response.content.decode()
    response = alice_client.post("/w/ngo/tasks/new/", {"title": "Чужда", "assignee": oscar.pk})
    assert response.status_code == 400
    assert not Task.objects.exists()


def test_a_person_of_another_workspace_cannot_be_linked(
    alice_client, workspace, oscar, other_workspace
):
    stranger = make_person(other_workspace, oscar, given_name="Чужд")
    response = alice_client.post("/w/ngo/tasks/new/", {"title": "X", "person": stranger.pk})
    assert response.status_code == 400
    assert "Choose from this workspace." in response.content.decode()
    assert not Task.objects.exists()
    # A prefill with it is ignored, not shown.
    page = alice_client.get(f"/w/ngo/tasks/new/?person={stranger.pk}")
    assert "Чужд" not in page.content.decode()


def test_the_bulgarian_form_says_nothing_was_saved_in_bulgarian(alice_client):
    session = alice_client.session
    session["language"] = "bg"
    session.save()
    response = alice_client.post("/w/ngo/tasks/new/", {"title": ""})
    assert response.status_code == 400
    assert "Нищо не е запазено." in response.content.decode()


def test_edit_and_stale_edit(alice_client, bob_client, workspace, alice):
    task = make_task(workspace, alice, title="Покана", assignee=alice)
    data = {"title": "Покана А", "assignee": alice.pk, "version": task.version}
    assert alice_client.get(f"/w/ngo/tasks/{task.pk}/edit/").status_code == 200
    assert alice_client.post(f"/w/ngo/tasks/{task.pk}/edit/", data).status_code == 302
    response = bob_client.post(f"/w/ngo/tasks/{task.pk}/edit/", dict(data, title="Покана Б"))
    assert response.status_code == 409
    assert "Nothing was saved." in response.content.decode()
    task.refresh_from_db()
    assert task.title == "Покана А"


def test_done_with_htmx_returns_the_row_and_the_next_occurrence(bob_client, workspace, alice, bob):
    task = make_task(
        workspace,
        alice,
        title="Седмичен звън",
        assignee=bob,
        due_date=date.today(),
        recurrence="weekly",
    )
    response = bob_client.post(f"/w/ngo/tasks/{task.pk}/done/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="check-item done" id="task-{task.pk}"')
    assert "next one due on" in html
    task.refresh_from_db()
    assert task.done_at is not None
    assert Task.objects.filter(done_at__isnull=True, title="Седмичен звън").count() == 1
    # Reopen, then done again without htmx: a redirect back.
    response = bob_client.post(f"/w/ngo/tasks/{task.pk}/reopen/", HTTP_HX_REQUEST="true")
    assert 'aria-checked="false"' in response.content.decode()
    response = bob_client.post(f"/w/ngo/tasks/{task.pk}/done/", {"next": "/w/ngo/tasks/?who=all"})
    assert response.status_code == 302 and response["Location"] == "/w/ngo/tasks/?who=all"
    response = bob_client.post(f"/w/ngo/tasks/{task.pk}/done/", {"next": "https://evil.example/"})
    assert response["Location"] == "/w/ngo/tasks/"


def test_delete(alice_client, workspace, alice):
    task = make_task(workspace, alice)
    assert alice_client.get(f"/w/ngo/tasks/{task.pk}/delete/").status_code == 405
    assert alice_client.post(f"/w/ngo/tasks/{task.pk}/delete/").status_code == 302
    assert not Task.objects.exists()
    assert ChangeRecord.objects.filter(
        content_type__model="task", object_id=task.pk, action="delete"
    ).exists()


def test_wrong_method(alice_client, workspace, alice):
    task = make_task(workspace, alice)
    for action in ("done", "reopen"):
        assert alice_client.get(f"/w/ngo/tasks/{task.pk}/{action}/").status_code == 405


def test_a_viewer_reads_but_cannot_write(vera_client, workspace, alice):
    task = make_task(workspace, alice, title="Видима", assignee=alice)
    assert vera_client.get("/w/ngo/tasks/?who=all").status_code == 200
    assert "Видима" in vera_client.get("/w/ngo/tasks/?who=all").content.decode()
    assert vera_client.get("/w/ngo/tasks/new/").status_code == 403
    assert vera_client.post("/w/ngo/tasks/new/", {"title": "x"}).status_code == 403
    for url in ("edit", "done", "reopen", "delete"):
        assert vera_client.post(f"/w/ngo/tasks/{task.pk}/{url}/").status_code == 403
    task.refresh_from_db()
    assert task.done_at is None and Task.objects.count() == 1


def test_an_outsider_gets_404(oscar_client, workspace, alice, other_workspace, oscar):
    task = make_task(workspace, alice)
    assert oscar_client.get("/w/ngo/tasks/").status_code == 404
    assert oscar_client.get("/w/ngo/tasks/new/").status_code == 404
    for url in ("edit", "done", "reopen", "delete"):
        assert oscar_client.post(f"/w/ngo/tasks/{task.pk}/{url}/").status_code == 404
    # In their own workspace, another workspace's task does not exist either.
    assert oscar_client.get(f"/w/other/tasks/{task.pk}/edit/").status_code == 404
    assert oscar_client.post(f"/w/other/tasks/{task.pk}/done/").status_code == 404
    assert Task.objects.get(pk=task.pk).done_at is None


def test_open_tasks_for_tag_renders_with_an_add_link(workspace, alice, ivan):
    make_task(workspace, alice, title="Обади се на Иван", person=ivan, assignee=alice)
    request = RequestFactory().get(f"/w/ngo/people/{ivan.pk}/")
    request.user = alice
    html = Template("{% load followups %}{% open_tasks_for person %}").render(
        Context(
            {
                "person": ivan,
                "request": request,
                "workspace": workspace,
                "membership": Membership.objects.get(user=alice, workspace=workspace),
            }
        )
    )
    assert "Обади се на Иван" in html
    assert f"/w/ngo/tasks/new/?person={ivan.pk}&amp;next=%2Fw%2Fngo%2Fpeople%2F{ivan.pk}%2F" in html
    assert "+ Add a task" in html
