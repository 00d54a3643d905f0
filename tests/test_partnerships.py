"""Partnerships: the flow before, during and after; partners, duties, checklist, board,
projects and resources."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svrazka.contacts import services as contacts
from svrazka.partnerships import practice, services
from svrazka.partnerships.models import (
    ChecklistItem,
    ChecklistTemplateItem,
    Duty,
    Partnership,
    PartnershipPartner,
    Resource,
)
from tests.factories import make_organisation, make_person


@pytest.fixture
def coalition(workspace, alice):
    partnership = services.partnership_create(
        workspace=workspace,
        actor=alice,
        data={"title": "Коалиция за младежта", "form": "coalition", "goals": "Общи цели"},
    )
    for name in ("Сдружение „Мост“", "Κέντρο Νεότητας", "Asociația Tineri"):
        org = make_organisation(workspace, alice, name=name)
        services.partner_add(partnership=partnership, actor=alice, organisation=org, role="partner")
    return partnership


def test_member_creates_a_partnership_and_gets_the_forms_checklist(bob_client, workspace, bob):
    response = bob_client.post(
        "/w/ngo/partnerships/new/",
        {
            "title": "Медийно партньорство с Радио Тракия",
            "form": "media",
            "status": "exploring",
            "liaison": bob.pk,
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
        },
    )
    assert response.status_code == 302
    partnership = Partnership.objects.get(workspace=workspace)
    assert partnership.liaison == bob and partnership.step == practice.STEPS[0].key
    titles = list(partnership.checklist.values_list("title", flat=True))
    assert titles == [d.title_en for d in practice.checklist_for("media")]
    room = bob_client.get(response["Location"])
    assert room.status_code == 200
    assert practice.checklist_for("media")[0].title_en in room.content.decode()


def test_the_room_speaks_bulgarian_to_a_bulgarian_user(alice_client, coalition):
    session = alice_client.session
    session["language"] = "bg"
    session.save()
    page = alice_client.get(f"/w/ngo/partnerships/{coalition.pk}/").content.decode()
    assert practice.checklist_for("coalition")[0].title_bg in page
    assert practice.STEPS[0].title_bg in page


def test_end_before_start_is_refused(bob_client, workspace):
    response = bob_client.post(
        "/w/ngo/partnerships/new/",
        {
            "title": "X",
            "form": "formal",
            "status": "exploring",
            "start_date": "2026-05-01",
            "end_date": "2026-01-01",
        },
    )
    assert response.status_code == 400
    assert "cannot be before" in response.content.decode()
    assert not Partnership.objects.exists()


def test_viewer_cannot_create_or_move(vera_client, coalition):
    assert vera_client.get("/w/ngo/partnerships/new/").status_code == 403
    response = vera_client.post(f"/w/ngo/partnerships/{coalition.pk}/move/", {"step": "negotiate"})
    assert response.status_code == 403
    coalition.refresh_from_db()
    assert coalition.step == practice.STEPS[0].key
    assert vera_client.get(f"/w/ngo/partnerships/{coalition.pk}/").status_code == 200


def test_moving_through_the_flow_sets_phase_and_records_it(bob_client, coalition):
    for step in ("negotiate", "joint_projects", "evaluate"):
        response = bob_client.post(f"/w/ngo/partnerships/{coalition.pk}/move/", {"step": step})
        assert response.status_code == 302
        coalition.refresh_from_db()
        assert coalition.step == step
        assert coalition.phase == practice.step(step).phase
    page = bob_client.get(f"/w/ngo/partnerships/{coalition.pk}/").content.decode()
    assert practice.step("evaluate").title_en in page
    bad = bob_client.post(f"/w/ngo/partnerships/{coalition.pk}/move/", {"step": "nowhere"})
    assert bad.status_code == 400


def test_moving_with_htmx_answers_204_and_orders_the_column(
    bob_client, workspace, alice, coalition
):
    other = services.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Друго", "form": "formal"}
    )
    for p in (coalition, other):
        bob_client.post(f"/w/ngo/partnerships/{p.pk}/move/", {"step": "strategy"})
    response = bob_client.post(
        f"/w/ngo/partnerships/{other.pk}/move/",
        {"step": "strategy", "before": coalition.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204 and response["HX-Trigger"] == "partnershipMoved"
    board = bob_client.get("/w/ngo/partnerships/board/")
    column = next(c for c in board.context["columns"] if c["step"].key == "strategy")
    assert [p.title for p in column["cards"]] == ["Друго", "Коалиция за младежта"]


def test_board_and_list_queries_do_not_grow_with_partnerships(alice_client, workspace, alice):
    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert alice_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    services.partnership_create(workspace=workspace, actor=alice, data={"title": "P0"})
    alice_client.get("/w/ngo/")  # the first visit also records the workspace in the session
    board, listing = count("/w/ngo/partnerships/board/"), count("/w/ngo/partnerships/")
    for i in range(1, 12):
        p = services.partnership_create(workspace=workspace, actor=alice, data={"title": f"P{i}"})
        services.partner_add(
            partnership=p,
            actor=alice,
            role="partner",
            organisation=make_organisation(workspace, alice),
        )
    assert count("/w/ngo/partnerships/board/") == board
    assert count("/w/ngo/partnerships/") == listing


def test_checklist_item_is_ticked_with_htmx_and_untick(bob_client, coalition, bob):
    item = coalition.checklist.first()
    response = bob_client.post(
        f"/w/ngo/partnerships/checklist/{item.pk}/toggle/", {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'aria-checked="true"' in response.content.decode()
    item.refresh_from_db()
    assert item.is_done and item.done_by == bob
    bob_client.post(f"/w/ngo/partnerships/checklist/{item.pk}/toggle/", {"done": "0"})
    item.refresh_from_db()
    assert not item.is_done


def test_custom_checklist_items_are_added_and_deleted(bob_client, coalition):
    before = coalition.checklist.count()
    bob_client.post(
        f"/w/ngo/partnerships/{coalition.pk}/checklist/new/",
        {"step": "negotiate", "title": "Обсъдете бюджета"},
    )
    item = ChecklistItem.objects.get(partnership=coalition, title="Обсъдете бюджета")
    assert item.step == "negotiate" and coalition.checklist.count() == before + 1
    bob_client.post(f"/w/ngo/partnerships/checklist/{item.pk}/delete/")
    assert coalition.checklist.count() == before


def test_workspace_checklist_template_changes_new_partnerships(alice_client, workspace, alice):
    response = alice_client.post(
        "/w/ngo/partnerships/checklists/",
        {
            "form": "sponsorship",
            "step": ["strategy", "negotiate"],
            "title_en": ["Pick sponsors that fit", ""],
            "title_bg": ["Изберете подходящи", ""],
        },
    )
    assert response.status_code == 302
    assert list(
        ChecklistTemplateItem.objects.filter(workspace=workspace, form="sponsorship").values_list(
            "title_bg", flat=True
        )
    ) == ["Изберете подходящи"]
    p = services.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Спонсорство", "form": "sponsorship"}
    )
    assert list(p.checklist.values_list("title", flat=True)) == ["Pick sponsors that fit"]
    alice_client.post("/w/ngo/partnerships/checklists/", {"form": "sponsorship", "reset": "1"})
    assert len(services.checklist_templates(workspace, "sponsorship")) == len(
        practice.checklist_for("sponsorship")
    )


def test_member_cannot_edit_checklist_templates(bob_client):
    assert bob_client.get("/w/ngo/partnerships/checklists/").status_code == 403


def test_partner_added_with_an_affiliated_liaison(bob_client, workspace, alice, coalition):
    org = make_organisation(workspace, alice, name="Фондация „Помощ“")
    person = make_person(workspace, alice, given_name="Елена", family_name="Стоева")
    stranger = make_person(workspace, alice, given_name="Иван", family_name="Чужд")
    contacts.affiliation_create(
        workspace=workspace, actor=alice, person=person, organisation=org, data={}
    )
    bad = bob_client.post(
        f"/w/ngo/partnerships/{coalition.pk}/partners/new/",
        {"organisation": org.pk, "role": "sponsor", "liaison": stranger.pk},
    )
    assert bad.status_code == 400 and "not affiliated" in bad.content.decode()
    assert not PartnershipPartner.objects.filter(organisation=org).exists()
    ok = bob_client.post(
        f"/w/ngo/partnerships/{coalition.pk}/partners/new/",
        {"organisation": org.pk, "role": "sponsor", "liaison": person.pk},
    )
    assert ok.status_code == 302
    partner = PartnershipPartner.objects.get(organisation=org)
    assert partner.role == "sponsor" and partner.liaison == person
    again = bob_client.post(
        f"/w/ngo/partnerships/{coalition.pk}/partners/new/",
        {"organisation": org.pk, "role": "partner"},
    )
    assert again.status_code == 400 and "already a partner" in again.content.decode()
    options = bob_client.get(
        f"/w/ngo/partnerships/{coalition.pk}/partners/liaisons/", {"organisation": org.pk}
    ).content.decode()
    assert "Елена Стоева" in options and "Чужд" not in options


def test_a_partner_named_in_duties_cannot_be_removed(bob_client, workspace, alice, coalition):
    partner = coalition.partners.first()
    person = make_person(workspace, alice, given_name="Мила", family_name="Илиева")
    contacts.affiliation_create(
        workspace=workspace, actor=alice, person=person, organisation=partner.organisation, data={}
    )
    response = bob_client.post(
        f"/w/ngo/partnerships/{coalition.pk}/duties/new/",
        {
            "who": f"p{person.pk}-{partner.pk}",
            "description": "Отчети към донора",
            "start_date": "2026-01-01",
        },
    )
    assert response.status_code == 302
    duty = Duty.objects.get(partnership=coalition)
    assert duty.person == person and duty.partner == partner
    refused = bob_client.post(f"/w/ngo/partnerships/partners/{partner.pk}/remove/", follow=True)
    assert "named in duties" in refused.content.decode()
    assert PartnershipPartner.objects.filter(pk=partner.pk).exists()
    bob_client.post(f"/w/ngo/partnerships/duties/{duty.pk}/remove/")
    bob_client.post(f"/w/ngo/partnerships/partners/{partner.pk}/remove/")
    assert not PartnershipPartner.objects.filter(pk=partner.pk).exists()


def test_duty_for_our_team_member_and_bad_dates(bob_client, coalition, bob):
    bad = bob_client.post(
        f"/w/ngo/partnerships/{coalition.pk}/duties/new/",
        {
            "who": f"u{bob.pk}",
            "description": "Координация",
            "start_date": "2026-05-01",
            "end_date": "2026-01-01",
        },
    )
    assert bad.status_code == 400 and not Duty.objects.exists()
    ok = bob_client.post(
        f"/w/ngo/partnerships/{coalition.pk}/duties/new/",
        {"who": f"u{bob.pk}", "description": "Координация"},
    )
    assert ok.status_code == 302 and Duty.objects.get().user == bob


def test_projects_and_resources(bob_client, coalition):
    response = bob_client.post(
        f"/w/ngo/partnerships/{coalition.pk}/projects/new/",
        {
            "title": "Млади лидери",
            "programme": "Erasmus+ KA2",
            "status": "applied",
            "start_date": "2026-09-01",
            "end_date": "2028-08-31",
            "budget": "250000",
            "currency": "eur",
        },
    )
    assert response.status_code == 302
    project = coalition.projects.get()
    assert project.programme == "Erasmus+ KA2" and project.currency == "EUR"
    sponsor = coalition.partners.first().organisation
    response = bob_client.post(
        f"/w/ngo/partnerships/{coalition.pk}/resources/new/",
        {
            "kind": "cash",
            "description": "Дарение",
            "amount": "5000",
            "currency": "BGN",
            "source": sponsor.pk,
            "project": project.pk,
            "received_on": "2026-10-01",
        },
    )
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.source == sponsor and resource.project == project
    negative = bob_client.post(
        f"/w/ngo/partnerships/{coalition.pk}/resources/new/",
        {"kind": "cash", "description": "X", "amount": "-5"},
    )
    assert negative.status_code == 400 and Resource.objects.count() == 1
    room = bob_client.get(f"/w/ngo/partnerships/{coalition.pk}/").content.decode()
    assert "Млади лидери" in room and "Дарение" in room


def test_stale_partnership_edit_is_a_conflict(alice_client, bob_client, coalition):
    data = {
        "title": "Коалиция А",
        "form": "coalition",
        "status": "active",
        "version": coalition.version,
    }
    assert alice_client.post(f"/w/ngo/partnerships/{coalition.pk}/edit/", data).status_code == 302
    response = bob_client.post(
        f"/w/ngo/partnerships/{coalition.pk}/edit/", dict(data, title="Коалиция Б")
    )
    assert response.status_code == 409
    coalition.refresh_from_db()
    assert coalition.title == "Коалиция А"


def test_list_filters(alice_client, workspace, alice, coalition):
    services.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Спонсор", "form": "sponsorship"}
    )
    org = coalition.partners.first().organisation

    def titles(query):
        return [
            p.title for p in alice_client.get("/w/ngo/partnerships/?" + query).context["page"].items
        ]

    assert titles("form=sponsorship") == ["Спонсор"]
    assert titles(f"organisation={org.pk}") == ["Коалиция за младежта"]
    assert titles("q=младежта") == ["Коалиция за младежта"]
    assert titles("phase=after") == []


def test_deleting_a_partnership_keeps_organisations(bob_client, workspace, coalition):
    org_ids = list(coalition.partners.values_list("organisation_id", flat=True))
    assert bob_client.post(f"/w/ngo/partnerships/{coalition.pk}/delete/").status_code == 302
    assert not Partnership.objects.filter(pk=coalition.pk).exists()
    from svrazka.contacts.models import Organisation

    assert Organisation.objects.filter(pk__in=org_ids).count() == 3


def test_an_organisation_named_in_duties_is_not_deleted_silently(
    bob_client, workspace, alice, coalition
):
    from svrazka.contacts.models import Organisation

    partner = coalition.partners.first()
    services.duty_add(
        partnership=coalition,
        actor=alice,
        data={"user": alice, "partner": partner, "description": "Бюджет"},
    )
    org = partner.organisation
    response = bob_client.post(f"/w/ngo/organisations/{org.pk}/delete/", follow=True)
    assert "cannot be deleted while these still name it" in response.content.decode()
    assert Organisation.objects.filter(pk=org.pk).exists()
    assert PartnershipPartner.objects.filter(pk=partner.pk).exists()
    bulk = bob_client.post(
        "/w/ngo/organisations/bulk/",
        {"action": "delete", "ids": [org.pk], "confirm": "1"},
        follow=True,
    )
    assert "cannot be deleted" in bulk.content.decode()
    assert Organisation.objects.filter(pk=org.pk).exists()
