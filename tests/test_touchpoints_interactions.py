"""Logging touchpoints: the quick form on a person's page, the full form, timelines on person,
organisation and partnership pages, editing with conflicts, deleting, and the dashboard."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from svrazka.contacts import services as contacts
from svrazka.history.models import ChangeRecord
from svrazka.partnerships import services as partnerships
from svrazka.touchpoints import selectors, services
from svrazka.touchpoints.models import Health, Interaction, InteractionOrganisation
from tests.factories import make_organisation, make_person


@pytest.fixture
def maria(workspace, alice):
    org = make_organisation(workspace, alice, name="Сдружение „Мост“")
    person = make_person(
        workspace, alice, given_name="Мария", family_name="Иванова", emails=["maria@most.bg"]
    )
    contacts.affiliation_create(
        workspace=workspace, actor=alice, person=person, organisation=org, data={}
    )
    return person


def _url(name, *args):
    return reverse(name, args=["ngo", *args])


def test_quick_log_from_a_person_page_updates_timeline_and_health(alice_client, maria, alice):
    page = alice_client.get(_url("person_detail", maria.pk))
    assert page.status_code == 200
    assert "No touchpoints yet." in page.content.decode()
    when = timezone.localtime().replace(second=0, microsecond=0)
    response = alice_client.post(
        _url("interaction_new"),
        {
            "quick": "1",
            "for_person": maria.pk,
            "quick-people": maria.pk,
            "quick-users": alice.pk,
            "quick-channel": "phone",
            "quick-direction": "out",
            "quick-occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
            "quick-summary": "Обсъдихме общия проект по Еразъм+.",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="touchpoints"' in html
    assert "Обсъдихме общия проект по Еразъм+." in html
    assert "No touchpoints yet." not in html
    interaction = Interaction.objects.get()
    assert interaction.channel == "phone"
    assert interaction.created_by == alice
    assert list(interaction.users.all()) == [alice]
    # Linked to her organisation too, so it shows on its timeline.
    org_id = maria.affiliations.get().organisation_id
    assert InteractionOrganisation.objects.filter(
        interaction=interaction, organisation_id=org_id
    ).exists()
    assert "Обсъдихме" in alice_client.get(_url("organisation_detail", org_id)).content.decode()
    row = Health.objects.get(subject="person", object_id=maria.pk)
    assert row.score == 100
    assert ChangeRecord.objects.filter(object_id=interaction.pk, action="create").exists()


def test_quick_log_with_bad_input_changes_nothing_and_says_why(alice_client, maria, alice):
    response = alice_client.post(
        _url("interaction_new"),
        {
            "quick": "1",
            "for_person": maria.pk,
            "quick-people": maria.pk,
            "quick-channel": "pigeon",
            "quick-direction": "out",
            "quick-occurred_at": "not a date",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "Nothing was saved." in response.content.decode()
    assert not Interaction.objects.exists()


def test_the_full_form_logs_a_meeting_with_several_people(alice_client, workspace, alice, maria):
    nikos = make_person(workspace, alice, given_name="Νίκος", family_name="Παπαδόπουλος")
    pship = partnerships.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Мостове", "form": "coalition"}
    )
    assert alice_client.get(_url("interaction_new") + f"?person={maria.pk}").status_code == 200
    response = alice_client.post(
        _url("interaction_new") + f"?person={maria.pk}",
        {
            "channel": "meeting",
            "direction": "in",
            "occurred_at": "2026-11-20T14:30",
            "people": [maria.pk, nikos.pk],
            "users": [alice.pk],
            "partnership": pship.pk,
            "subject": "Среща в София",
            "summary": "Договорихме сроковете.",
            "awaiting_reply": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _url("person_detail", maria.pk)
    i = Interaction.objects.get()
    assert set(i.people.all()) == {maria, nikos}
    assert i.partnership == pship
    # Awaiting a reply with no date: a week after the interaction.
    assert i.reply_expected_by == i.occurred_at.date() + timedelta(days=7)
    room = alice_client.get(_url("partnership_detail", pship.pk)).content.decode()
    assert "Среща в София" in room


def test_people_of_another_workspace_cannot_be_linked(alice_client, maria, oscar, other_workspace):
    stranger = make_person(other_workspace, oscar, given_name="Чужд")
    response = alice_client.post(
        _url("interaction_new"),
        {
            "channel": "email",
            "direction": "out",
            "occurred_at": "2026-11-20T14:30",
            "people": [maria.pk, stranger.pk],
        },
    )
    assert response.status_code == 400
    assert "Choose people from this workspace." in response.content.decode()
    assert not Interaction.objects.exists()


def test_a_touchpoint_needs_someone(workspace, alice):
    with pytest.raises(ValidationError) as e:
        services.log_interaction(
            workspace=workspace,
            actor=alice,
            channel="email",
            direction="out",
            occurred_at=timezone.now(),
        )
    assert "people" in e.value.error_dict


def test_editing_a_stale_version_is_refused(alice_client, workspace, alice, maria):
    i = services.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="email",
        direction="out",
        occurred_at=timezone.now(),
        people=[maria],
        summary="Първо",
    )
    form = {
        "channel": "email",
        "direction": "out",
        "occurred_at": "2026-11-20T10:00",
        "people": [maria.pk],
        "summary": "Второ",
        "version": i.version,
    }
    assert alice_client.post(_url("interaction_edit", i.pk), form).status_code == 302
    form["summary"] = "Трето, от стара версия"
    response = alice_client.post(_url("interaction_edit", i.pk), form)
    assert response.status_code == 409
    i.refresh_from_db()
    assert i.summary == "Второ"


def test_deleting_an_answer_reopens_the_awaited_reply(workspace, alice, maria):
    now = timezone.now()
    asked = services.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="email",
        direction="out",
        occurred_at=now - timedelta(days=2),
        people=[maria],
        awaiting_reply=True,
        reply_expected_by=(now + timedelta(days=3)).date(),
    )
    answer = services.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="email",
        direction="in",
        occurred_at=now - timedelta(days=1),
        people=[maria],
    )
    asked.refresh_from_db()
    assert not asked.awaiting_reply
    services.delete_interaction(interaction=answer, actor=alice)
    asked.refresh_from_db()
    assert asked.awaiting_reply
    assert asked.answered_at is None


def test_the_timeline_pages_through_older_touchpoints(alice_client, workspace, alice, maria):
    base = timezone.now() - timedelta(days=100)
    for k in range(45):
        services.log_interaction(
            workspace=workspace,
            actor=alice,
            channel="email",
            direction="out",
            occurred_at=base + timedelta(days=k),
            people=[maria],
            summary=f"Писмо {k:02d}",
        )
    first = selectors.timeline(workspace, person=maria)
    assert [i.summary for i in first.items][:2] == ["Писмо 44", "Писмо 43"]
    second = selectors.timeline(workspace, person=maria, cursor=first.next_cursor)
    third = selectors.timeline(workspace, person=maria, cursor=second.next_cursor)
    seen = [i.summary for i in first.items + second.items + third.items]
    assert seen == [f"Писмо {k:02d}" for k in range(44, -1, -1)]
    assert third.next_cursor == ""
    older = alice_client.get(
        _url("timeline_more") + f"?person={maria.pk}&before={first.next_cursor}"
    )
    assert "Писмо 24" in older.content.decode()
    assert "Писмо 44" not in older.content.decode()


def test_viewers_see_touchpoints_but_cannot_log(vera_client, workspace, alice, maria):
    services.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="phone",
        direction="in",
        occurred_at=timezone.now(),
        people=[maria],
        summary="Обади се",
    )
    page = vera_client.get(_url("person_detail", maria.pk)).content.decode()
    assert "Обади се" in page
    assert "Log a touchpoint" not in page
    response = vera_client.post(
        _url("interaction_new"),
        {
            "channel": "phone",
            "direction": "out",
            "occurred_at": "2026-11-20T10:00",
            "people": [maria.pk],
        },
    )
    assert response.status_code == 403
    assert Interaction.objects.count() == 1


def test_dashboard_shows_alerts_charts_and_overdue_replies(alice_client, workspace, alice, maria):
    now = timezone.now()
    services.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="email",
        direction="out",
        occurred_at=now - timedelta(days=10),
        people=[maria],
        awaiting_reply=True,
        reply_expected_by=(now - timedelta(days=3)).date(),
        subject="Покана за партньорство",
    )
    page = alice_client.get(_url("health_dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Мария Иванова" in html
    assert "awaited reply is overdue" in html
    assert 'class="ch-email"' in html  # the bar of this week's email
    assert alice_client.post(_url("health_recompute")).status_code == 302


def test_attachments_are_served_only_inside_the_workspace(
    alice_client, oscar_client, workspace, alice, maria
):
    i = services.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="email",
        direction="in",
        occurred_at=timezone.now(),
        people=[maria],
        attachments=[("Споразумение.pdf", "application/pdf", b"%PDF-1.4 test")],
    )
    attachment = i.attachments.get()
    response = alice_client.get(_url("attachment_download", attachment.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert oscar_client.get(_url("attachment_download", attachment.pk)).status_code == 404
