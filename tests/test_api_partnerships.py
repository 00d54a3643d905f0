"""The JSON API for partnerships: the flow, partners, duties, checklist, projects, resources.

Named users (as in test_api.py): alice owns the "zelena" workspace, victor is a viewer there,
oscar is an outsider who owns another workspace.
"""

import json

import pytest
from django.contrib.contenttypes.models import ContentType

from svrazka.accounts.models import ApiToken, Membership, Role, User, Workspace
from svrazka.contacts import services as contacts
from svrazka.history.models import ChangeRecord
from svrazka.partnerships import services
from svrazka.partnerships.models import (
    ChecklistItem,
    Duty,
    JointProject,
    Partnership,
    PartnershipPartner,
    Resource,
)


class Caller:
    """A Django test client that speaks JSON with one bearer token."""

    def __init__(self, client, secret: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, path: str, params=None, headers=None):
        return self.client.get(
            f"/api/v1{path}", params or {}, headers={**self.headers, **(headers or {})}
        )

    def _send(self, method: str, path: str, body):
        return getattr(self.client, method)(
            f"/api/v1{path}",
            data=json.dumps({} if body is None else body),
            content_type="application/json",
            headers=self.headers,
        )

    def post(self, path, body=None):
        return self._send("post", path, body)

    def patch(self, path, body=None):
        return self._send("patch", path, body)

    def delete(self, path):
        return self.client.delete(f"/api/v1{path}", headers=self.headers)


def _member(workspace: Workspace, email: str, role: str) -> User:
    user = User.objects.create_user(email=email)
    Membership.objects.create(workspace=workspace, user=user, role=role)
    return user


def _caller(client, workspace, user) -> Caller:
    _token, secret = ApiToken.issue(workspace=workspace, user=user, name="test")
    return Caller(client, secret)


def _errors(response) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in response.json()["detail"]:
        result.setdefault(str(error["loc"][-1]), []).append(error["msg"])
    return result


@pytest.fixture
def workspace(db):
    return Workspace.objects.create(slug="zelena", name="Zelena")


@pytest.fixture
def other_workspace(db):
    return Workspace.objects.create(slug="drugi", name="Drugi")


@pytest.fixture
def alice(workspace):
    return _member(workspace, "alice@example.org", Role.OWNER)


@pytest.fixture
def victor(workspace):
    return _member(workspace, "victor@example.org", Role.VIEWER)


@pytest.fixture
def oscar(other_workspace):
    return _member(other_workspace, "oscar@example.org", Role.OWNER)


@pytest.fixture
def owner(client, workspace, alice):
    return _caller(client, workspace, alice)


@pytest.fixture
def viewer(client, workspace, victor):
    return _caller(client, workspace, victor)


@pytest.fixture
def outsider(client, other_workspace, oscar):
    return _caller(client, other_workspace, oscar)


def _org(workspace, actor, name: str):
    return contacts.organisation_create(workspace=workspace, actor=actor, data={"name": name})


def _person(workspace, actor, given: str, family: str, organisation=None):
    person = contacts.person_create(
        workspace=workspace, actor=actor, data={"given_name": given, "family_name": family}
    )
    if organisation is not None:
        contacts.affiliation_create(
            workspace=workspace, actor=actor, person=person, organisation=organisation, data={}
        )
    return person


@pytest.fixture
def orgs(workspace, alice):
    return [
        _org(workspace, alice, "Зелена България"),
        _org(workspace, alice, "Младежки алианс"),
        _org(workspace, alice, "Радио Варна"),
    ]


@pytest.fixture
def ivan(workspace, alice, orgs):
    """Works at the first organisation."""
    return _person(workspace, alice, "Иван", "Петров", orgs[0])


@pytest.fixture
def room(workspace, alice, orgs, ivan):
    """A partnership with a partner, a duty, a project and a resource, built by the services."""
    partnership = services.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Чиста река"}
    )
    partner = services.partner_add(
        partnership=partnership, actor=alice, organisation=orgs[0], role="lead", liaison=ivan
    )
    duty = services.duty_add(
        partnership=partnership,
        actor=alice,
        data={"description": "Координация", "partner": partner, "person": ivan},
    )
    project = services.project_save(
        partnership=partnership, actor=alice, data={"title": "Речен мониторинг"}
    )
    resource = services.resource_add(
        partnership=partnership,
        actor=alice,
        data={"description": "Лодки", "kind": "in_kind", "source": orgs[0]},
    )
    return {
        "partnership": partnership,
        "partner": partner,
        "duty": duty,
        "item": partnership.checklist.first(),
        "project": project,
        "resource": resource,
    }


def _history(partnership) -> list[ChangeRecord]:
    return list(
        ChangeRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(Partnership), object_id=partnership.pk
        ).order_by("id")
    )


# --- the whole story ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_partnership_from_start_to_resources(owner, workspace, alice, orgs, ivan):
    maria = _person(workspace, alice, "Мария", "Иванова", orgs[1])

    response = owner.post(
        "/partnerships",
        {
            "title": "  Чиста река ",
            "form": "coalition",
            "goals": "Почистване на Дунав",
            "liaison": alice.pk,
            "start_date": "2025-03-01",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    partnership = Partnership.objects.get(pk=pk)
    assert partnership.workspace == workspace
    assert body["title"] == "Чиста река"
    assert body["form"] == "coalition"
    assert body["step"] == "favourable_conditions" and body["phase"] == "before"
    assert body["liaison"] == {"id": alice.pk, "name": "alice@example.org"}
    assert body["partners"] == [] and body["duties"] == []
    assert body["checklist"]["total"] > 0 and body["checklist"]["done"] == 0
    assert [s["step"] for s in body["checklist"]["steps"]][:2] == [
        "favourable_conditions",
        "strategy",
    ]
    assert body["version"] == 1

    # Three partners: the lead with its liaison, a partner, a media partner.
    for organisation, role, liaison in (
        (orgs[0], "lead", ivan.pk),
        (orgs[1], "partner", maria.pk),
        (orgs[2], "media_partner", None),
    ):
        response = owner.post(
            f"/partnerships/{pk}/partners",
            {"organisation": organisation.pk, "role": role, "liaison": liaison},
        )
        assert response.status_code == 201, response.content
        assert response.json()["organisation"] == {"id": organisation.pk, "name": organisation.name}
        assert response.json()["role"] == role
    lead = PartnershipPartner.objects.get(partnership_id=pk, organisation=orgs[0])
    assert lead.liaison == ivan
    listed = owner.get(f"/partnerships/{pk}/partners").json()
    assert [p["organisation"]["id"] for p in listed["items"]] == [o.pk for o in orgs]
    assert listed["items"][0]["liaison"] == {"id": ivan.pk, "name": "Иван Петров"}
    again = owner.post(f"/partnerships/{pk}/partners", {"organisation": orgs[0].pk})
    assert again.status_code == 422
    assert "organisation" in _errors(again)

    # Through the flow.
    for step, phase in (("strategy", "before"), ("duties", "during"), ("evaluate", "after")):
        response = owner.post(f"/partnerships/{pk}/move", {"step": step})
        assert response.status_code == 200, response.content
        assert (response.json()["step"], response.json()["phase"]) == (step, phase)
    response = owner.post(f"/partnerships/{pk}/move", {"step": "nowhere"})
    assert response.status_code == 422
    assert "step" in _errors(response)
    owner.post(f"/partnerships/{pk}/move", {"step": "duties", "before": None})
    partnership.refresh_from_db()
    assert (partnership.step, partnership.phase) == ("duties", "during")

    # Tick a checklist item, then untick it.
    items = owner.get(f"/partnerships/{pk}/checklist", {"step": "strategy"}).json()["items"]
    assert items and all(i["step"] == "strategy" for i in items)
    assert items[0]["title"] and items[0]["title_bg"]
    item_id = items[0]["id"]
    response = owner.patch(f"/checklist-items/{item_id}", {"done": True})
    assert response.status_code == 200, response.content
    assert response.json()["done"] is True
    assert response.json()["done_by"]["id"] == alice.pk
    assert response.json()["done_at"]
    assert ChecklistItem.objects.get(pk=item_id).done_by == alice
    detail = owner.get(f"/partnerships/{pk}").json()
    assert detail["checklist"]["done"] == 1
    strategy = next(s for s in detail["checklist"]["steps"] if s["step"] == "strategy")
    assert strategy["done"] == 1
    response = owner.patch(f"/checklist-items/{item_id}", {"done": False})
    assert response.json()["done"] is False and response.json()["done_at"] is None

    # Add an own checklist item and remove it.
    response = owner.post(
        f"/partnerships/{pk}/checklist", {"step": "duties", "title": "Среща на екипа"}
    )
    assert response.status_code == 201, response.content
    own = response.json()
    assert own["title_bg"] == "" and own["step"] == "duties"
    assert owner.get(f"/checklist-items/{own['id']}").json()["title"] == "Среща на екипа"
    assert owner.delete(f"/checklist-items/{own['id']}").status_code == 204
    assert not ChecklistItem.objects.filter(pk=own["id"]).exists()

    # A duty on behalf of the lead partner.
    response = owner.post(
        f"/partnerships/{pk}/duties",
        {
            "description": "Координация на доброволците",
            "partner": lead.pk,
            "person": ivan.pk,
            "start_date": "2025-04-01",
            "end_date": "2025-06-30",
        },
    )
    assert response.status_code == 201, response.content
    duty = response.json()
    assert duty["partner"] == {"id": lead.pk, "name": orgs[0].name}
    assert duty["person"] == {"id": ivan.pk, "name": "Иван Петров"}
    assert owner.get(f"/duties/{duty['id']}").json()["description"] == (
        "Координация на доброволците"
    )
    assert [d["id"] for d in owner.get(f"/partnerships/{pk}/duties").json()["items"]] == [
        duty["id"]
    ]
    # Our own team member can hold a duty too.
    response = owner.post(f"/partnerships/{pk}/duties", {"description": "Отчет", "user": alice.pk})
    assert response.status_code == 201, response.content
    assert response.json()["user"]["id"] == alice.pk

    # The lead is named in a duty: it stays.
    response = owner.delete(f"/partners/{lead.pk}")
    assert response.status_code == 409, response.content
    assert "Координация на доброволците" in response.json()["detail"]
    assert PartnershipPartner.objects.filter(pk=lead.pk).exists()
    assert owner.delete(f"/duties/{duty['id']}").status_code == 204
    assert owner.delete(f"/partners/{lead.pk}").status_code == 204
    assert not PartnershipPartner.objects.filter(pk=lead.pk).exists()

    # A joint project and a resource for it.
    response = owner.post(
        f"/partnerships/{pk}/projects",
        {
            "title": "Дунав без пластмаса",
            "programme": "Erasmus+ KA2",
            "budget": "25000.50",
            "currency": "eur",
            "start_date": "2025-09-01",
            "end_date": "2026-08-31",
        },
    )
    assert response.status_code == 201, response.content
    project = response.json()
    assert project["currency"] == "EUR"
    assert project["budget"] == "25000.50"
    assert project["status"] == "idea"
    response = owner.patch(f"/projects/{project['id']}", {"status": "applied", "budget": 26000})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "applied"
    assert response.json()["title"] == "Дунав без пластмаса"
    assert JointProject.objects.get(pk=project["id"]).budget == 26000

    response = owner.post(
        f"/partnerships/{pk}/resources",
        {
            "description": "Съфинансиране",
            "kind": "cash",
            "amount": "1500.00",
            "source": orgs[1].pk,
            "project": project["id"],
            "received_on": "2025-10-01",
        },
    )
    assert response.status_code == 201, response.content
    resource = response.json()
    assert resource["amount"] == "1500.00" and resource["currency"] == "EUR"
    assert resource["source"] == {"id": orgs[1].pk, "name": orgs[1].name}
    assert resource["project"] == {"id": project["id"], "title": "Дунав без пластмаса"}
    assert owner.get(f"/resources/{resource['id']}").json()["description"] == "Съфинансиране"
    assert [r["id"] for r in owner.get(f"/partnerships/{pk}/resources").json()["items"]] == [
        resource["id"]
    ]
    assert [p["id"] for p in owner.get(f"/partnerships/{pk}/projects").json()["items"]] == [
        project["id"]
    ]

    # Everything was recorded as alice's.
    history = _history(partnership)
    assert len(history) > 10
    assert {record.actor for record in history} == {alice}

    assert owner.delete(f"/resources/{resource['id']}").status_code == 204
    assert owner.delete(f"/projects/{project['id']}").status_code == 204
    assert not Resource.objects.exists() and not JointProject.objects.exists()
    assert owner.delete(f"/partnerships/{pk}").status_code == 204
    assert not Partnership.objects.exists()
    assert not PartnershipPartner.objects.exists()
    assert not Duty.objects.exists()
    assert owner.get(f"/partnerships/{pk}").status_code == 404


# --- partners -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_partner_liaison_must_be_affiliated(owner, workspace, alice, orgs, ivan, room):
    pk = room["partnership"].pk
    response = owner.post(
        f"/partnerships/{pk}/partners", {"organisation": orgs[1].pk, "liaison": ivan.pk}
    )
    assert response.status_code == 422, response.content
    assert "liaison" in _errors(response)
    assert not PartnershipPartner.objects.filter(organisation=orgs[1]).exists()

    partner = owner.post(f"/partnerships/{pk}/partners", {"organisation": orgs[1].pk}).json()
    assert partner["role"] == "partner" and partner["liaison"] is None
    response = owner.patch(f"/partners/{partner['id']}", {"liaison": ivan.pk})
    assert response.status_code == 422
    assert "liaison" in _errors(response)

    maria = _person(workspace, alice, "Мария", "Иванова", orgs[1])
    response = owner.patch(f"/partners/{partner['id']}", {"liaison": maria.pk})
    assert response.status_code == 200, response.content
    assert response.json()["liaison"]["id"] == maria.pk
    assert response.json()["role"] == "partner"
    response = owner.patch(f"/partners/{partner['id']}", {"role": "sponsor"})
    assert response.json()["role"] == "sponsor"
    assert response.json()["liaison"]["id"] == maria.pk
    response = owner.patch(f"/partners/{partner['id']}", {"liaison": None})
    assert response.json()["liaison"] is None
    assert owner.patch(f"/partners/{partner['id']}", {"role": "boss"}).status_code == 422
    assert owner.patch(f"/partners/{partner['id']}", {"role": None}).status_code == 422
    assert owner.get(f"/partners/{partner['id']}").json()["role"] == "sponsor"


@pytest.mark.django_db
def test_ids_from_another_workspace_in_a_body_are_422(owner, other_workspace, oscar, room):
    pk = room["partnership"].pk
    foreign_org = _org(other_workspace, oscar, "Чужда")
    foreign_person = _person(other_workspace, oscar, "Чужд", "Човек", foreign_org)
    for path, body, field in (
        (f"/partnerships/{pk}/partners", {"organisation": foreign_org.pk}, "organisation"),
        ("/partnerships", {"title": "X", "facilitator": foreign_person.pk}, "facilitator"),
        ("/partnerships", {"title": "X", "liaison": oscar.pk}, "liaison"),
        (f"/partnerships/{pk}/duties", {"description": "X", "person": foreign_person.pk}, "person"),
        (f"/partnerships/{pk}/duties", {"description": "X", "user": oscar.pk}, "user"),
        (f"/partnerships/{pk}/resources", {"description": "X", "source": foreign_org.pk}, "source"),
    ):
        response = owner.post(path, body)
        assert response.status_code == 422, (path, response.content)
        assert field in _errors(response), (path, response.json())
    assert Partnership.objects.count() == 1
    assert Duty.objects.count() == 1
    assert Resource.objects.count() == 1


@pytest.mark.django_db
def test_duty_and_resource_must_stay_in_their_partnership(owner, workspace, alice, room):
    other = services.partnership_create(workspace=workspace, actor=alice, data={"title": "Друго"})
    response = owner.post(
        f"/partnerships/{other.pk}/duties",
        {"description": "X", "partner": room["partner"].pk, "user": alice.pk},
    )
    assert response.status_code == 422
    assert "partner" in _errors(response)
    response = owner.post(
        f"/partnerships/{other.pk}/resources", {"description": "X", "project": room["project"].pk}
    )
    assert response.status_code == 422
    assert "project" in _errors(response)
    response = owner.post(f"/partnerships/{other.pk}/duties", {"description": "Никой"})
    assert response.status_code == 422


# --- partnerships ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_patch_partnership_and_stale_version(owner, room, alice):
    partnership = room["partnership"]
    response = owner.patch(
        f"/partnerships/{partnership.pk}", {"status": "active", "goals": "Чиста вода", "version": 1}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "active" and body["goals"] == "Чиста вода"
    assert body["title"] == "Чиста река"
    assert body["version"] == 2
    assert [p["id"] for p in body["partners"]] == [room["partner"].pk]
    assert [d["id"] for d in body["duties"]] == [room["duty"].pk]

    stale = owner.patch(f"/partnerships/{partnership.pk}", {"status": "ended", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    partnership.refresh_from_db()
    assert partnership.status == "active" and partnership.version == 2

    # An invalid change keeps the version.
    bad = owner.patch(f"/partnerships/{partnership.pk}", {"status": "dreaming", "version": 2})
    assert bad.status_code == 422
    assert "status" in _errors(bad)
    partnership.refresh_from_db()
    assert partnership.version == 2

    response = owner.patch(f"/partnerships/{partnership.pk}", {"goals": None, "liaison": None})
    assert response.status_code == 200
    assert response.json()["goals"] == ""


@pytest.mark.django_db
def test_partnership_filters_and_pages(owner, workspace, alice, orgs):
    bob = _member(workspace, "bob@example.org", Role.MEMBER)

    def create(title, **data):
        return services.partnership_create(
            workspace=workspace, actor=alice, data={"title": title, **data}
        )

    river = create("Чиста река", form="coalition", goals="Дунав", liaison=bob)
    radio = create("Радио предаване", form="media", status="active")
    school = create("Училищна градина", start_date="2024-01-01")
    services.partner_add(partnership=radio, actor=alice, organisation=orgs[2], role="media_partner")
    services.partnership_move(partnership=school, actor=alice, step="evaluate")
    services.checklist_item_set_done(item=radio.checklist.first(), actor=alice, done=True)

    def ids(**params):
        response = owner.get("/partnerships", params)
        assert response.status_code == 200, response.content
        return [p["id"] for p in response.json()["items"]]

    assert set(ids()) == {river.pk, radio.pk, school.pk}
    # Words in the title or the goals. (Same letter case: SQLite's LIKE folds ASCII only.)
    assert ids(q="Дунав") == [river.pk]
    assert ids(q="  река  Чиста ") == [river.pk]
    assert ids(q="garden") == []
    assert ids(form="media") == [radio.pk]
    assert ids(status="active") == [radio.pk]
    assert ids(phase="after") == [school.pk]
    assert ids(organisation=orgs[2].pk) == [radio.pk]
    assert ids(liaison=bob.pk) == [river.pk]
    assert ids(sort="title") == [radio.pk, school.pk, river.pk]
    assert ids(sort="-title") == [river.pk, school.pk, radio.pk]
    assert ids(organisation=2**63 - 1) == []

    first = owner.get("/partnerships", {"sort": "title", "limit": 2}).json()
    assert [p["id"] for p in first["items"]] == [radio.pk, school.pk]
    assert first["next_offset"] == 2
    second = owner.get("/partnerships", {"sort": "title", "limit": 2, "offset": 2}).json()
    assert [p["id"] for p in second["items"]] == [river.pk]
    assert second["next_offset"] is None

    item = next(p for p in first["items"] if p["id"] == radio.pk)
    assert item["partners"] == [
        {
            "id": radio.partners.get().pk,
            "organisation": {"id": orgs[2].pk, "name": orgs[2].name},
            "role": "media_partner",
        }
    ]
    assert item["checklist"]["done"] == 1 and item["checklist"]["total"] >= 1

    for params in (
        {"form": "cult"},
        {"status": "x"},
        {"phase": "never"},
        {"sort": "random"},
        {"organisation": "abc"},
        {"liaison": 0},
        {"limit": 0},
        {"limit": 1000},
        {"offset": -1},
        {"q": "x" * 201},
    ):
        assert owner.get("/partnerships", params).status_code == 422, params


@pytest.mark.django_db
def test_partnership_list_query_count_does_not_grow(
    owner, workspace, alice, orgs, django_assert_max_num_queries
):
    for i in range(8):
        p = services.partnership_create(
            workspace=workspace, actor=alice, data={"title": f"Партньорство {i}", "liaison": alice}
        )
        for org in orgs:
            services.partner_add(partnership=p, actor=alice, organisation=org, role="partner")
    owner.get("/partnerships")  # the token's last_used_at is written once a minute; not here
    # auth (token, membership) + page + partners + checklist progress
    with django_assert_max_num_queries(6):
        response = owner.get("/partnerships", {"limit": 5})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 5


@pytest.mark.django_db
def test_move_places_before_another_card(owner, workspace, alice):
    a, b, c = (
        services.partnership_create(workspace=workspace, actor=alice, data={"title": t})
        for t in ("А", "Б", "В")
    )
    for p in (a, b):
        owner.post(f"/partnerships/{p.pk}/move", {"step": "contact"})
    response = owner.post(f"/partnerships/{c.pk}/move", {"step": "contact", "before": a.pk})
    assert response.status_code == 200
    order = list(
        Partnership.objects.filter(step="contact")
        .order_by("board_position")
        .values_list("pk", flat=True)
    )
    assert order == [c.pk, a.pk, b.pk]


@pytest.mark.django_db
def test_step_titles_follow_the_request_language(owner, room):
    pk = room["partnership"].pk
    english = owner.get(f"/partnerships/{pk}").json()
    bulgarian = owner.get(f"/partnerships/{pk}", headers={"Accept-Language": "bg"}).json()
    assert english["step_title"].startswith("Create favourable conditions")
    assert bulgarian["step_title"].startswith("Създайте")


@pytest.mark.django_db
def test_checklist_follows_the_flow(owner, room):
    pk = room["partnership"].pk
    owner.post(f"/partnerships/{pk}/checklist", {"step": "favourable_conditions", "title": "Ново"})
    items = owner.get(f"/partnerships/{pk}/checklist", {"limit": 200}).json()["items"]
    steps = [i["step"] for i in items]
    from svrazka.partnerships import practice

    order = [s.key for s in practice.STEPS]
    assert steps == sorted(steps, key=order.index)
    assert "Ново" in [i["title"] for i in items if i["step"] == "favourable_conditions"]
    response = owner.post(f"/partnerships/{pk}/checklist", {"step": "later", "title": "X"})
    assert response.status_code == 422
    assert "step" in _errors(response)
    assert owner.get(f"/partnerships/{pk}/checklist", {"step": "later"}).status_code == 422


# --- roles and isolation --------------------------------------------------------------------


@pytest.mark.django_db
def test_viewer_reads_but_cannot_write(viewer, room, orgs, victor):
    pk = room["partnership"].pk
    for path in (
        "/partnerships",
        f"/partnerships/{pk}",
        f"/partnerships/{pk}/partners",
        f"/partnerships/{pk}/duties",
        f"/partnerships/{pk}/checklist",
        f"/partnerships/{pk}/projects",
        f"/partnerships/{pk}/resources",
        f"/partners/{room['partner'].pk}",
        f"/duties/{room['duty'].pk}",
        f"/checklist-items/{room['item'].pk}",
        f"/projects/{room['project'].pk}",
        f"/resources/{room['resource'].pk}",
    ):
        assert viewer.get(path).status_code == 200, path

    writes = [
        viewer.post("/partnerships", {"title": "Ново"}),
        viewer.patch(f"/partnerships/{pk}", {"status": "active"}),
        viewer.post(f"/partnerships/{pk}/move", {"step": "strategy"}),
        viewer.delete(f"/partnerships/{pk}"),
        viewer.post(f"/partnerships/{pk}/partners", {"organisation": orgs[1].pk}),
        viewer.patch(f"/partners/{room['partner'].pk}", {"role": "partner"}),
        viewer.delete(f"/partners/{room['partner'].pk}"),
        viewer.post(f"/partnerships/{pk}/duties", {"description": "X", "user": victor.pk}),
        viewer.delete(f"/duties/{room['duty'].pk}"),
        viewer.post(f"/partnerships/{pk}/checklist", {"step": "strategy", "title": "X"}),
        viewer.patch(f"/checklist-items/{room['item'].pk}", {"done": True}),
        viewer.delete(f"/checklist-items/{room['item'].pk}"),
        viewer.post(f"/partnerships/{pk}/projects", {"title": "X"}),
        viewer.patch(f"/projects/{room['project'].pk}", {"title": "X"}),
        viewer.delete(f"/projects/{room['project'].pk}"),
        viewer.post(f"/partnerships/{pk}/resources", {"description": "X"}),
        viewer.delete(f"/resources/{room['resource'].pk}"),
    ]
    for response in writes:
        assert response.status_code == 403, response.content
        assert isinstance(response.json()["detail"], str)
    partnership = Partnership.objects.get()
    assert (partnership.status, partnership.step) == ("exploring", "favourable_conditions")
    assert PartnershipPartner.objects.count() == 1
    assert Duty.objects.count() == 1
    assert not ChecklistItem.objects.filter(done_at__isnull=False).exists()
    assert JointProject.objects.get().title == "Речен мониторинг"
    assert Resource.objects.count() == 1


@pytest.mark.django_db
def test_another_workspaces_ids_are_404(outsider, room, oscar):
    pk = room["partnership"].pk
    routes = [
        (f"/partnerships/{pk}", {"status": "active"}),
        (f"/partners/{room['partner'].pk}", {"role": "partner"}),
        (f"/duties/{room['duty'].pk}", None),
        (f"/checklist-items/{room['item'].pk}", {"done": True}),
        (f"/projects/{room['project'].pk}", {"title": "X"}),
        (f"/resources/{room['resource'].pk}", None),
    ]
    for path, change in routes:
        assert outsider.get(path).status_code == 404, path
        assert outsider.get(path).json() == {"detail": "Not found."}
        if change is not None:
            assert outsider.patch(path, change).status_code == 404, path
        assert outsider.delete(path).status_code == 404, path
    for sub, body in (
        ("partners", {"organisation": room["partner"].organisation_id}),
        ("duties", {"description": "X", "user": oscar.pk}),
        ("checklist", {"step": "strategy", "title": "X"}),
        ("projects", {"title": "X"}),
        ("resources", {"description": "X"}),
    ):
        assert outsider.get(f"/partnerships/{pk}/{sub}").status_code == 404, sub
        assert outsider.post(f"/partnerships/{pk}/{sub}", body).status_code == 404, sub
    assert outsider.post(f"/partnerships/{pk}/move", {"step": "strategy"}).status_code == 404
    assert outsider.get("/partnerships").json()["items"] == []

    partnership = Partnership.objects.get()
    assert (partnership.status, partnership.step) == ("exploring", "favourable_conditions")
    assert PartnershipPartner.objects.count() == 1
    assert Duty.objects.count() == 1
    assert ChecklistItem.objects.filter(pk=room["item"].pk, done_at__isnull=True).exists()
    assert JointProject.objects.get().title == "Речен мониторинг"
    assert Resource.objects.count() == 1


# --- invalid input --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,field",
    [
        ({"title": "X", "colour": "green"}, "colour"),
        ({"title": 42}, "title"),
        ({"title": ["X"]}, "title"),
        ({}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "<script>alert(1)</script>"}, "title"),
        ({"title": "X\x00"}, "title"),
        ({"title": "Р" * 201}, "title"),
        ({"title": "X", "form": "cult"}, "form"),
        ({"title": "X", "status": "dreaming"}, "status"),
        ({"title": "X", "liaison": "1"}, "liaison"),
        ({"title": "X", "liaison": True}, "liaison"),
        ({"title": "X", "liaison": 10**30}, "liaison"),
        ({"title": "X", "liaison": 2**63 - 1}, "liaison"),
        ({"title": "X", "facilitator": 0}, "facilitator"),
        ({"title": "X", "start_date": "yesterday"}, "start_date"),
        ({"title": "X", "start_date": 1700000000}, "start_date"),
        ({"title": "X", "start_date": "2025-05-01", "end_date": "2025-01-01"}, "end_date"),
        ({"title": "X", "version": 1}, "version"),
        ({"title": "X", "step": "evaluate"}, "step"),
    ],
)
def test_invalid_partnership_is_422(owner, body, field):
    response = owner.post("/partnerships", body)
    assert response.status_code == 422, response.content
    errors = _errors(response)
    assert field in errors, errors
    assert not Partnership.objects.exists()


@pytest.mark.django_db
def test_patch_end_before_the_stored_start_is_422(owner, workspace, alice):
    p = services.partnership_create(
        workspace=workspace, actor=alice, data={"title": "X", "start_date": "2025-05-01"}
    )
    response = owner.patch(f"/partnerships/{p.pk}", {"end_date": "2025-01-01"})
    assert response.status_code == 422
    assert "end_date" in _errors(response)
    assert owner.patch(f"/partnerships/{p.pk}", {"version": "one"}).status_code == 422
    assert owner.patch(f"/partnerships/{p.pk}", {"id": 5}).status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sub,body,field",
    [
        ("projects", {"title": "X", "budget": -1}, "budget"),
        ("projects", {"title": "X", "budget": "-0.01"}, "budget"),
        ("projects", {"title": "X", "budget": "NaN"}, "budget"),
        ("projects", {"title": "X", "budget": "Infinity"}, "budget"),
        ("projects", {"title": "X", "budget": "1e999999999"}, "budget"),
        ("projects", {"title": "X", "budget": 1e300}, "budget"),
        ("projects", {"title": "X", "budget": "0.001"}, "budget"),
        ("projects", {"title": "X", "budget": True}, "budget"),
        ("projects", {"title": "X", "budget": "много"}, "budget"),
        ("projects", {"title": "X", "currency": "EURO"}, "currency"),
        ("projects", {"title": "X", "status": "maybe"}, "status"),
        (
            "projects",
            {"title": "X", "start_date": "2025-05-01", "end_date": "2025-01-01"},
            "end_date",
        ),
        ("projects", {"title": ""}, "title"),
        ("projects", {"title": "X", "partnership": 1}, "partnership"),
        ("resources", {"description": "X", "amount": -5}, "amount"),
        ("resources", {"description": "X", "amount": "1e20"}, "amount"),
        ("resources", {"description": "X", "kind": "gold"}, "kind"),
        ("resources", {"description": "X", "project": 2**63}, "project"),
        ("resources", {"description": "X", "source": -1}, "source"),
        ("resources", {"description": ""}, "description"),
        (
            "duties",
            {"description": "X", "user": 1, "start_date": "2025-05-01", "end_date": "2025-01-01"},
            "end_date",
        ),
        ("duties", {"description": "X", "person": "Иван"}, "person"),
        ("duties", {"description": "Д" * 301, "user": 1}, "description"),
        ("checklist", {"step": "strategy", "title": ""}, "title"),
        ("checklist", {"step": "strategy", "title": "X", "done": True}, "done"),
        ("partners", {"organisation": "Зелена България"}, "organisation"),
        ("partners", {"organisation": 2**64}, "organisation"),
        ("partners", {"organisation": 1, "role": "boss"}, "role"),
    ],
)
def test_invalid_sub_resources_are_422(owner, room, alice, sub, body, field):
    pk = room["partnership"].pk
    if body.get("user") == 1:
        body = {**body, "user": alice.pk}
    if body.get("organisation") == 1:
        body = {**body, "organisation": room["partner"].organisation_id + 1}
    counts = (
        PartnershipPartner.objects.count(),
        Duty.objects.count(),
        ChecklistItem.objects.count(),
        JointProject.objects.count(),
        Resource.objects.count(),
    )
    response = owner.post(f"/partnerships/{pk}/{sub}", body)
    assert response.status_code == 422, response.content
    assert field in _errors(response), response.json()
    assert counts == (
        PartnershipPartner.objects.count(),
        Duty.objects.count(),
        ChecklistItem.objects.count(),
        JointProject.objects.count(),
        Resource.objects.count(),
    )


@pytest.mark.django_db
def test_invalid_patches_are_422(owner, room):
    project, item = room["project"], room["item"]
    for path, body in (
        (f"/projects/{project.pk}", {"budget": -1}),
        (f"/projects/{project.pk}", {"title": None}),
        (f"/projects/{project.pk}", {"start_date": "2025-05-01", "end_date": "2025-01-01"}),
        (f"/checklist-items/{item.pk}", {"done": "yes"}),
        (f"/checklist-items/{item.pk}", {"done": 1}),
        (f"/checklist-items/{item.pk}", {}),
        (f"/checklist-items/{item.pk}", {"done": True, "title": "X"}),
        (f"/partners/{room['partner'].pk}", {"organisation": 1}),
    ):
        response = owner.patch(path, body)
        assert response.status_code == 422, (path, body, response.content)
    project.refresh_from_db()
    assert project.title == "Речен мониторинг" and project.budget is None
    item.refresh_from_db()
    assert item.done_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["0", "-1", str(2**63), "9" * 40, "abc", str(2**63 - 1)])
def test_odd_ids_in_the_path_are_never_a_server_error(owner, pk):
    for response in (
        owner.get(f"/partnerships/{pk}"),
        owner.get(f"/partnerships/{pk}/checklist"),
        owner.post(f"/partnerships/{pk}/move", {"step": "strategy"}),
        owner.patch(f"/partners/{pk}", {"role": "partner"}),
        owner.delete(f"/duties/{pk}"),
        owner.patch(f"/checklist-items/{pk}", {"done": True}),
        owner.get(f"/projects/{pk}"),
        owner.delete(f"/resources/{pk}"),
    ):
        assert response.status_code in (404, 422), (pk, response.status_code)


# --- description ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_openapi_lists_the_partnership_paths(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/partnerships": {"get", "post"},
        "/api/v1/partnerships/{partnership_id}": {"get", "patch", "delete"},
        "/api/v1/partnerships/{partnership_id}/move": {"post"},
        "/api/v1/partnerships/{partnership_id}/partners": {"get", "post"},
        "/api/v1/partners/{partner_id}": {"get", "patch", "delete"},
        "/api/v1/partnerships/{partnership_id}/duties": {"get", "post"},
        "/api/v1/duties/{duty_id}": {"get", "delete"},
        "/api/v1/partnerships/{partnership_id}/checklist": {"get", "post"},
        "/api/v1/checklist-items/{item_id}": {"get", "patch", "delete"},
        "/api/v1/partnerships/{partnership_id}/projects": {"get", "post"},
        "/api/v1/projects/{project_id}": {"get", "patch", "delete"},
        "/api/v1/partnerships/{partnership_id}/resources": {"get", "post"},
        "/api/v1/resources/{resource_id}": {"get", "delete"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
    remove = paths["/api/v1/partners/{partner_id}"]["delete"]
    assert remove["tags"] == ["Partners"]
    assert "409" in remove["responses"]
    assert paths["/api/v1/partnerships"]["post"]["summary"] == "Create a partnership"
