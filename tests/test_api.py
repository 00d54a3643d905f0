"""The JSON API at /api/v1/: tokens, roles, workspace isolation, the five resources, errors.

Named users: alice owns the "zelena" workspace, victor is a viewer there, oscar is an outsider
who owns another workspace.
"""

import json
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from svrazka.accounts.models import ApiToken, Membership, Role, User, Workspace
from svrazka.contacts import services
from svrazka.contacts.models import Affiliation, Cause, Organisation, Person, Tag
from svrazka.history.models import Action, ChangeRecord
from svrazka.lib.identifiers import is_valid_eik

VALID_EIK = "831642181"
OTHER_VALID_EIK = "175000008"
INVALID_EIK = "123456789"


class Caller:
    """A Django test client that speaks JSON with one bearer token."""

    def __init__(self, client, secret: str | None):
        self.client = client
        self.secret = secret

    def _headers(self, extra=None) -> dict:
        headers = dict(extra or {})
        if self.secret is not None:
            headers.setdefault("Authorization", f"Bearer {self.secret}")
        return headers

    def get(self, path: str, params=None, headers=None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers(headers))

    def _send(self, method: str, path: str, body, headers=None, raw: bool = False):
        data = body if raw else json.dumps(body)
        return getattr(self.client, method)(
            f"/api/v1{path}",
            data=data,
            content_type="application/json",
            headers=self._headers(headers),
        )

    def post(self, path, body=None, **kw):
        return self._send("post", path, {} if body is None else body, **kw)

    def patch(self, path, body=None, **kw):
        return self._send("patch", path, {} if body is None else body, **kw)

    def delete(self, path, headers=None):
        return self.client.delete(f"/api/v1{path}", headers=self._headers(headers))


def _member(workspace: Workspace, email: str, role: str) -> User:
    user = User.objects.create_user(email=email)  # no password: API tokens only, and fast
    Membership.objects.create(workspace=workspace, user=user, role=role)
    return user


def _caller(client, workspace, user) -> Caller:
    _token, secret = ApiToken.issue(workspace=workspace, user=user, name="test")
    return Caller(client, secret)


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


@pytest.fixture
def org(workspace, alice):
    return services.organisation_create(
        workspace=workspace, actor=alice, data={"name": "Зелена България", "country": "BG"}
    )


@pytest.fixture
def person(workspace, alice):
    return services.person_create(
        workspace=workspace,
        actor=alice,
        data={"given_name": "Иван", "family_name": "Петров", "emails": ["ivan@example.org"]},
    )


def _errors(response) -> dict[str, list[str]]:
    """The 422 body as {last part of loc: [messages]}."""
    result: dict[str, list[str]] = {}
    for error in response.json()["detail"]:
        result.setdefault(str(error["loc"][-1]), []).append(error["msg"])
    return result


def _history(obj, action: str) -> ChangeRecord:
    return ChangeRecord.objects.get(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, action=action
    )


def test_the_eiks_used_here_are_what_they_claim():
    assert is_valid_eik(VALID_EIK)
    assert is_valid_eik(OTHER_VALID_EIK)
    assert not is_valid_eik(INVALID_EIK)


# --- authentication and roles ---------------------------------------------------------------


@pytest.mark.django_db
def test_no_token_is_401(client):
    response = Caller(client, None).get("/organisations")
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header", ["Bearer nonsense", "Bearer ", "Basic YWxpY2U6eA==", "Bearer " + "x" * 5000]
)
def test_bad_token_is_401(client, owner, header):
    response = owner.get("/organisations", headers={"Authorization": header})
    assert response.status_code == 401


@pytest.mark.django_db
def test_revoked_token_is_401(owner):
    ApiToken.objects.update(revoked_at=timezone.now())
    assert owner.get("/organisations").status_code == 401


@pytest.mark.django_db
def test_token_of_a_removed_member_is_401(owner, alice):
    Membership.objects.filter(user=alice).delete()
    assert owner.get("/organisations").status_code == 401


@pytest.mark.django_db
def test_token_of_a_deactivated_user_is_401(owner, alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert owner.get("/organisations").status_code == 401


@pytest.mark.django_db
def test_last_used_is_recorded_at_most_once_a_minute(owner):
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    assert owner.get("/tags").status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    owner.get("/tags")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    owner.get("/tags")
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=2)


@pytest.mark.django_db
def test_role_changes_apply_to_existing_tokens(owner, alice):
    Membership.objects.filter(user=alice).update(role=Role.VIEWER)
    assert owner.post("/tags", {"name": "x"}).status_code == 403


@pytest.mark.django_db
def test_viewer_reads_but_cannot_write(viewer, org, person):
    assert viewer.get("/organisations").status_code == 200
    assert viewer.get(f"/organisations/{org.pk}").status_code == 200
    assert viewer.get(f"/people/{person.pk}").status_code == 200

    writes = [
        viewer.post("/organisations", {"name": "Нова"}),
        viewer.patch(f"/organisations/{org.pk}", {"city": "Варна"}),
        viewer.delete(f"/organisations/{org.pk}"),
        viewer.post("/people", {"given_name": "Мария"}),
        viewer.patch(f"/people/{person.pk}", {"city": "Варна"}),
        viewer.delete(f"/people/{person.pk}"),
        viewer.post("/affiliations", {"person": person.pk, "organisation": org.pk}),
        viewer.post("/tags", {"name": "нов"}),
        viewer.post("/causes", {"name": "образование"}),
    ]
    for response in writes:
        assert response.status_code == 403, response.content
        assert isinstance(response.json()["detail"], str)
    org.refresh_from_db()
    assert org.city == ""
    assert Organisation.objects.count() == 1
    assert Person.objects.count() == 1
    assert not Tag.objects.exists()
    assert not Cause.objects.exists()


# --- workspace isolation --------------------------------------------------------------------


@pytest.mark.django_db
def test_another_workspaces_objects_are_404(outsider, workspace, alice, org, person):
    tag = services.tag_get_or_create(workspace=workspace, name="партньор")
    cause = services.cause_get_or_create(workspace=workspace, name="екология")
    affiliation = services.affiliation_create(
        workspace=workspace, actor=alice, person=person, organisation=org, data={}
    )
    for path, change in (
        (f"/organisations/{org.pk}", {"city": "x"}),
        (f"/people/{person.pk}", {"city": "x"}),
        (f"/affiliations/{affiliation.pk}", {"position": "x"}),
        (f"/tags/{tag.pk}", {"name": "x"}),
        (f"/causes/{cause.pk}", {"name": "x"}),
    ):
        assert outsider.get(path).status_code == 404, path
        assert outsider.patch(path, change).status_code == 404, path
        assert outsider.delete(path).status_code == 404, path
        assert outsider.get(path).json() == {"detail": "Not found."}
    assert Organisation.objects.filter(pk=org.pk).exists()
    assert Person.objects.filter(pk=person.pk).exists()
    assert Affiliation.objects.filter(pk=affiliation.pk).exists()
    assert Tag.objects.filter(pk=tag.pk).exists()
    assert Cause.objects.filter(pk=cause.pk).exists()


@pytest.mark.django_db
def test_lists_show_only_the_tokens_workspace(outsider, org, person):
    for path in ("/organisations", "/people", "/affiliations", "/tags", "/causes"):
        assert outsider.get(path).json()["items"] == [], path


@pytest.mark.django_db
def test_ids_from_another_workspace_in_a_body_are_422(outsider, workspace, org, person):
    tag = services.tag_get_or_create(workspace=workspace, name="партньор")
    cause = services.cause_get_or_create(workspace=workspace, name="екология")

    response = outsider.post("/organisations", {"name": "Чужда", "tags": [tag.pk]})
    assert response.status_code == 422
    assert "tags" in _errors(response)
    response = outsider.post("/people", {"given_name": "Чужд", "causes": [cause.pk]})
    assert response.status_code == 422
    assert "causes" in _errors(response)
    response = outsider.post("/affiliations", {"person": person.pk, "organisation": org.pk})
    assert response.status_code == 422
    assert "person" in _errors(response)
    assert not Organisation.objects.filter(name="Чужда").exists()
    assert not Person.objects.filter(given_name="Чужд").exists()
    assert not Affiliation.objects.exists()


# --- organisations --------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_organisation(owner, workspace, alice):
    tag = services.tag_get_or_create(workspace=workspace, name="партньор")
    cause = services.cause_get_or_create(workspace=workspace, name="екология")
    response = owner.post(
        "/organisations",
        {
            "name": "  Сдружение Зелени Балкани ",
            "short_name": "Зелени Балкани",
            "kind": "ngo",
            "eik": VALID_EIK,
            "email": "office@example.org",
            "phone": "0888 123 456",
            "country": "bg",
            "city": "Пловдив",
            "languages": ["bg", "en"],
            "last_verified": "2025-03-01",
            "causes": [cause.pk],
            "tags": [tag.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    org = Organisation.objects.get(pk=body["id"])
    assert org.workspace == workspace
    assert org.created_by == alice
    assert org.name == "Сдружение Зелени Балкани"
    assert org.eik == VALID_EIK
    assert org.country == "BG"
    assert org.phone == "+359888123456"
    assert org.last_verified.isoformat() == "2025-03-01"
    assert list(org.causes.all()) == [cause]
    assert list(org.tags.all()) == [tag]
    assert body["name"] == "Сдружение Зелени Балкани"
    assert body["phone"] == "+359888123456"
    assert body["last_verified"] == "2025-03-01"
    assert body["languages"] == ["bg", "en"]
    assert body["causes"] == [{"id": cause.pk, "name": "екология"}]
    assert body["tags"] == [{"id": tag.pk, "name": "партньор"}]
    assert body["version"] == 1
    assert body["created_at"] and body["updated_at"]
    assert _history(org, Action.CREATE).actor == alice


@pytest.mark.django_db
def test_get_organisation(owner, org):
    response = owner.get(f"/organisations/{org.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == org.pk
    assert body["name"] == "Зелена България"
    assert body["country"] == "BG"
    assert body["kind"] == "ngo"
    assert body["causes"] == [] and body["tags"] == []


@pytest.mark.django_db
def test_patch_organisation_changes_only_what_is_sent(owner, org, alice, workspace):
    tag = services.tag_get_or_create(workspace=workspace, name="партньор")
    response = owner.patch(
        f"/organisations/{org.pk}", {"city": "Варна", "tags": [tag.pk], "version": 1}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["city"] == "Варна"
    assert body["name"] == "Зелена България"
    assert body["version"] == 2
    assert body["tags"] == [{"id": tag.pk, "name": "партньор"}]
    org.refresh_from_db()
    assert (org.city, org.name, org.country, org.version) == ("Варна", "Зелена България", "BG", 2)
    assert list(org.tags.all()) == [tag]
    record = _history(org, Action.UPDATE)
    assert record.actor == alice
    assert "city" in record.changes

    # Without a version the update is applied to whatever is current; null clears a field.
    response = owner.patch(f"/organisations/{org.pk}", {"city": None, "tags": []})
    assert response.status_code == 200
    org.refresh_from_db()
    assert org.city == "" and org.version == 3
    assert not org.tags.exists()


@pytest.mark.django_db
def test_patch_organisation_with_stale_version_is_409(owner, org):
    first = owner.patch(f"/organisations/{org.pk}", {"city": "Варна", "version": 1})
    assert first.status_code == 200
    response = owner.patch(f"/organisations/{org.pk}", {"city": "Русе", "version": 1})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert response.json()["detail"]
    org.refresh_from_db()
    assert org.city == "Варна"


@pytest.mark.django_db
def test_invalid_patch_keeps_the_version(owner, org):
    response = owner.patch(f"/organisations/{org.pk}", {"eik": INVALID_EIK, "version": 1})
    assert response.status_code == 422
    org.refresh_from_db()
    assert org.version == 1 and org.eik == ""


@pytest.mark.django_db
def test_delete_organisation(owner, org, person, workspace, alice):
    services.affiliation_create(
        workspace=workspace, actor=alice, person=person, organisation=org, data={}
    )
    response = owner.delete(f"/organisations/{org.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert not Organisation.objects.filter(pk=org.pk).exists()
    assert not Affiliation.objects.exists()
    assert Person.objects.filter(pk=person.pk).exists()
    assert _history(org, Action.DELETE).actor == alice
    assert owner.get(f"/organisations/{org.pk}").status_code == 404


@pytest.mark.django_db
def test_organisation_list_paginates_without_counting(owner, workspace, alice):
    for name in ["Алфа", "Бета", "Гама", "Делта", "Епсилон"]:
        services.organisation_create(workspace=workspace, actor=alice, data={"name": name})

    first = owner.get("/organisations", {"limit": 2}).json()
    assert [o["name"] for o in first["items"]] == ["Алфа", "Бета"]
    assert (first["limit"], first["offset"], first["next_offset"]) == (2, 0, 2)
    second = owner.get("/organisations", {"limit": 2, "offset": 2}).json()
    assert [o["name"] for o in second["items"]] == ["Гама", "Делта"]
    assert second["next_offset"] == 4
    last = owner.get("/organisations", {"limit": 2, "offset": 4}).json()
    assert [o["name"] for o in last["items"]] == ["Епсилон"]
    assert last["next_offset"] is None
    exact = owner.get("/organisations", {"limit": 5}).json()
    assert len(exact["items"]) == 5 and exact["next_offset"] is None
    assert owner.get("/organisations").json()["limit"] == 50
    backwards = owner.get("/organisations", {"sort": "-name"}).json()
    assert backwards["items"][0]["name"] == "Епсилон"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"limit": -1},
        {"limit": 0},
        {"limit": 201},
        {"limit": "many"},
        {"offset": -5},
        {"sort": "name; DROP TABLE contacts_organisation"},
        {"cause": "x"},
        {"tag": str(10**30)},
        {"unverified_months": 10**6},
    ],
)
def test_bad_list_parameters_are_422(owner, params):
    assert owner.get("/organisations", params).status_code == 422


@pytest.mark.django_db
def test_organisation_filters(owner, workspace, alice):
    cause = services.cause_get_or_create(workspace=workspace, name="младежи")
    tag = services.tag_get_or_create(workspace=workspace, name="донор")
    youth = services.organisation_create(
        workspace=workspace,
        actor=alice,
        data={
            "name": "Младежки съюз",
            "kind": "ngo",
            "country": "BG",
            "causes": [cause],
            "last_verified": timezone.localdate(),
        },
    )
    fund = services.organisation_create(
        workspace=workspace,
        actor=alice,
        data={"name": "Fondation Lumière", "kind": "foundation", "country": "FR", "tags": [tag]},
    )

    def names(**params):
        response = owner.get("/organisations", params)
        assert response.status_code == 200, response.content
        return [o["name"] for o in response.json()["items"]]

    assert names(kind="foundation") == [fund.name]
    assert names(country="bg") == [youth.name]
    assert names(cause=cause.pk) == [youth.name]
    assert names(tag=tag.pk) == [fund.name]
    assert names(unverified_months=6) == [fund.name]
    assert names(cause=999999) == []
    assert names(q="младежки") == [youth.name]
    assert names(q="mladezhki") == [youth.name]
    assert names(q="lumiere") == [fund.name]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q",
    ["' OR 1=1 --", '"; DROP TABLE contacts_person; --', "%", "_", "\\", "名前", "   ", "a" * 200],
)
def test_odd_search_text_is_harmless(owner, person, q):
    response = owner.get("/people", {"q": q})
    assert response.status_code == 200
    assert Person.objects.filter(pk=person.pk).exists()


@pytest.mark.django_db
def test_too_long_search_text_is_422(owner):
    assert owner.get("/people", {"q": "a" * 201}).status_code == 422


# --- people ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cyrillic_person_found_by_latin_query(owner, person):
    for q in ("petrov", "Петров", "петр", "ivan petrov"):
        response = owner.get("/people", {"q": q})
        assert response.status_code == 200
        assert [p["id"] for p in response.json()["items"]] == [person.pk], q
    assert owner.get("/people", {"q": "georgiev"}).json()["items"] == []


@pytest.mark.django_db
def test_create_person(owner, workspace, alice, org):
    tag = services.tag_get_or_create(workspace=workspace, name="доброволец")
    cause = services.cause_get_or_create(workspace=workspace, name="образование")
    response = owner.post(
        "/people",
        {
            "given_name": "Мария",
            "family_name": "Иванова",
            "other_spelling": "Maria Ivanova",
            "date_of_birth": "1990-05-17",
            "country": "BG",
            "emails": ["Maria@Example.org", "maria@example.org", "m.ivanova@example.bg"],
            "phones": ["0888 123 456", "+44 20 7946 0958"],
            "causes": [cause.pk],
            "tags": [tag.pk],
            "consent": "given",
            "consent_date": "2025-01-10",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert person.workspace == workspace
    assert person.created_by == alice
    assert person.full_name == "Мария Иванова"
    assert [e.email for e in person.emails.all()] == ["maria@example.org", "m.ivanova@example.bg"]
    assert [p.number for p in person.phones.all()] == ["+359888123456", "+442079460958"]
    assert list(person.causes.all()) == [cause]
    assert list(person.tags.all()) == [tag]
    assert body["full_name"] == "Мария Иванова"
    assert body["emails"] == ["maria@example.org", "m.ivanova@example.bg"]
    assert body["phones"] == ["+359888123456", "+442079460958"]
    assert body["causes"] == [{"id": cause.pk, "name": "образование"}]
    assert body["tags"] == [{"id": tag.pk, "name": "доброволец"}]
    assert body["date_of_birth"] == "1990-05-17"
    assert body["affiliations"] == []
    assert body["version"] == 1
    assert _history(person, Action.CREATE).actor == alice
    # Found by the new email straight away.
    found = owner.get("/people", {"q": "m.ivanova@example.bg"}).json()["items"]
    assert [p["id"] for p in found] == [person.pk]


@pytest.mark.django_db
def test_get_person_with_affiliations(owner, person, org, workspace, alice):
    affiliation = services.affiliation_create(
        workspace=workspace,
        actor=alice,
        person=person,
        organisation=org,
        data={"position": "председател", "start_date": "2020-01-01"},
    )
    response = owner.get(f"/people/{person.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["emails"] == ["ivan@example.org"]
    assert body["affiliations"] == [
        {
            "id": affiliation.pk,
            "organisation": {"id": org.pk, "name": "Зелена България"},
            "position": "председател",
            "start_date": "2020-01-01",
            "end_date": None,
        }
    ]


@pytest.mark.django_db
def test_patch_person(owner, person, alice):
    response = owner.patch(
        f"/people/{person.pk}", {"city": "Бургас", "phones": ["+359 2 987 6543"], "version": 1}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["city"] == "Бургас"
    assert body["phones"] == ["+35929876543"]
    assert body["emails"] == ["ivan@example.org"]
    assert body["version"] == 2
    person.refresh_from_db()
    assert person.city == "Бургас" and person.given_name == "Иван" and person.version == 2
    assert [e.email for e in person.emails.all()] == ["ivan@example.org"]
    assert _history(person, Action.UPDATE).actor == alice

    response = owner.patch(f"/people/{person.pk}", {"emails": None})
    assert response.status_code == 200
    assert response.json()["emails"] == []
    assert not person.emails.exists()


@pytest.mark.django_db
def test_patch_person_with_stale_version_is_409(owner, person):
    Person.objects.filter(pk=person.pk).update(version=5)
    response = owner.patch(f"/people/{person.pk}", {"city": "Бургас", "version": 4})
    assert response.status_code == 409
    assert response.json()["current_version"] == 5
    person.refresh_from_db()
    assert person.city == ""


@pytest.mark.django_db
def test_delete_person(owner, person, alice):
    assert owner.delete(f"/people/{person.pk}").status_code == 204
    assert not Person.objects.filter(pk=person.pk).exists()
    assert _history(person, Action.DELETE).actor == alice


@pytest.mark.django_db
def test_people_filters(owner, workspace, alice, org, person):
    cause = services.cause_get_or_create(workspace=workspace, name="култура")
    tag = services.tag_get_or_create(workspace=workspace, name="лектор")
    other = services.person_create(
        workspace=workspace,
        actor=alice,
        data={
            "given_name": "Jean",
            "family_name": "Dupont",
            "country": "FR",
            "causes": [cause],
            "tags": [tag],
        },
    )
    services.affiliation_create(
        workspace=workspace, actor=alice, person=person, organisation=org, data={}
    )

    def ids(**params):
        response = owner.get("/people", params)
        assert response.status_code == 200, response.content
        return [p["id"] for p in response.json()["items"]]

    by_name = ids()
    assert sorted(by_name) == sorted([other.pk, person.pk])
    assert ids(sort="-name") == by_name[::-1]
    assert ids(country="FR") == [other.pk]
    assert ids(cause=cause.pk) == [other.pk]
    assert ids(tag=tag.pk) == [other.pk]
    assert ids(organisation=org.pk) == [person.pk]


@pytest.mark.django_db
def test_people_list_query_count_does_not_grow_with_the_page(
    owner, workspace, alice, org, django_assert_max_num_queries
):
    tag = services.tag_get_or_create(workspace=workspace, name="лектор")
    for i in range(12):
        p = services.person_create(
            workspace=workspace,
            actor=alice,
            data={
                "given_name": f"Име{i}",
                "family_name": "Тестов",
                "tags": [tag],
                "emails": [f"p{i}@example.org"],
                "phones": [f"+35988812340{i % 10}"],
            },
        )
        services.affiliation_create(
            workspace=workspace, actor=alice, person=p, organisation=org, data={}
        )
    owner.get("/tags")  # the token's last_used_at is written once a minute; not here
    # auth (token, membership) + page + emails, phones, causes, tags, affiliations
    with django_assert_max_num_queries(8):
        response = owner.get("/people", {"limit": 10})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 10
    assert response.json()["next_offset"] == 10
    with django_assert_max_num_queries(5):
        assert owner.get("/organisations").status_code == 200


# --- affiliations ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_affiliation_lifecycle(owner, person, org, workspace, alice):
    response = owner.post(
        "/affiliations",
        {
            "person": person.pk,
            "organisation": org.pk,
            "position": "координатор",
            "start_date": "2021-09-01",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    affiliation = Affiliation.objects.get(pk=body["id"])
    assert (affiliation.person, affiliation.organisation) == (person, org)
    assert affiliation.position == "координатор"
    assert affiliation.start_date.isoformat() == "2021-09-01"
    assert body["person"] == {"id": person.pk, "name": "Иван Петров"}
    assert body["organisation"] == {"id": org.pk, "name": "Зелена България"}
    assert body["version"] == 1

    assert owner.get(f"/affiliations/{affiliation.pk}").json()["position"] == "координатор"
    listed = owner.get("/affiliations", {"organisation": org.pk}).json()["items"]
    assert [a["id"] for a in listed] == [affiliation.pk]
    assert owner.get("/affiliations", {"person": 999999}).json()["items"] == []

    other_org = services.organisation_create(
        workspace=workspace, actor=alice, data={"name": "Друга организация"}
    )
    response = owner.patch(
        f"/affiliations/{affiliation.pk}",
        {"end_date": "2023-06-30", "organisation": other_org.pk, "version": 1},
    )
    assert response.status_code == 200, response.content
    affiliation.refresh_from_db()
    assert affiliation.end_date.isoformat() == "2023-06-30"
    assert affiliation.organisation == other_org
    assert affiliation.position == "координатор"
    assert affiliation.version == 2

    stale = owner.patch(f"/affiliations/{affiliation.pk}", {"position": "x", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2

    assert owner.delete(f"/affiliations/{affiliation.pk}").status_code == 204
    assert not Affiliation.objects.exists()


@pytest.mark.django_db
def test_affiliation_dates_must_be_in_order(owner, person, org):
    response = owner.post(
        "/affiliations",
        {
            "person": person.pk,
            "organisation": org.pk,
            "start_date": "2022-01-01",
            "end_date": "2021-01-01",
        },
    )
    assert response.status_code == 422
    # contacts.services reports this as the constraint's generic "__all__" message so far;
    # "end_date" with "The end date cannot be before the start date." is what it means to say.
    assert set(_errors(response)) <= {"end_date", "__all__"}
    assert not Affiliation.objects.exists()


@pytest.mark.django_db
def test_affiliation_cannot_move_to_another_person(owner, person, org, workspace, alice):
    affiliation = services.affiliation_create(
        workspace=workspace, actor=alice, person=person, organisation=org, data={}
    )
    response = owner.patch(f"/affiliations/{affiliation.pk}", {"person": person.pk})
    assert response.status_code == 422


# --- tags and causes ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("resource,model", [("tags", Tag), ("causes", Cause)])
def test_tag_and_cause_lifecycle(owner, workspace, resource, model):
    response = owner.post(f"/{resource}", {"name": "  Млади   хора "})
    assert response.status_code == 201, response.content
    body = response.json()
    row = model.objects.get(pk=body["id"])
    assert row.workspace == workspace
    assert row.name == body["name"] == "Млади хора"
    # The same name again gives the same row.
    again = owner.post(f"/{resource}", {"name": "Млади хора"})
    assert again.json()["id"] == row.pk
    assert model.objects.count() == 1

    owner.post(f"/{resource}", {"name": "Алфа"})
    listed = owner.get(f"/{resource}").json()
    assert [t["name"] for t in listed["items"]] == ["Алфа", "Млади хора"]
    assert listed["next_offset"] is None
    assert [t["name"] for t in owner.get(f"/{resource}", {"q": "млади"}).json()["items"]] == [
        "Млади хора"
    ]
    assert owner.get(f"/{resource}/{row.pk}").json() == {"id": row.pk, "name": "Млади хора"}

    response = owner.patch(f"/{resource}/{row.pk}", {"name": "Младежи"})
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.name == "Младежи"
    taken = owner.patch(f"/{resource}/{row.pk}", {"name": "Алфа"})
    assert taken.status_code == 422
    assert "name" in _errors(taken)
    assert owner.patch(f"/{resource}/{row.pk}", {"name": " "}).status_code == 422
    assert owner.post(f"/{resource}", {"name": ""}).status_code == 422

    assert owner.delete(f"/{resource}/{row.pk}").status_code == 204
    assert not model.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_deleting_a_tag_removes_it_from_organisations(owner, workspace, alice):
    tag = services.tag_get_or_create(workspace=workspace, name="партньор")
    org = services.organisation_create(
        workspace=workspace, actor=alice, data={"name": "Организация", "tags": [tag]}
    )
    assert owner.delete(f"/tags/{tag.pk}").status_code == 204
    assert not org.tags.exists()


# --- invalid input --------------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_field_is_422(owner):
    response = owner.post("/organisations", {"name": "Нова", "colour": "green"})
    assert response.status_code == 422
    assert "colour" in _errors(response)
    assert not Organisation.objects.exists()
    assert owner.post("/people", {"given_name": "Ана", "sort_key": "a"}).status_code == 422
    assert owner.post("/tags", {"name": "a", "workspace": 2}).status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"name": 42},
        {"name": ["a"]},
        {"name": "Нова", "causes": "1"},
        {"name": "Нова", "causes": [True]},
        {"name": "Нова", "tags": ["партньор"]},
        {"name": "Нова", "tags": [10**30]},
        {"name": "Нова", "last_verified": "yesterday"},
        {"name": "Нова", "last_verified": 1700000000},
        {"name": "Нова", "languages": "bg"},
        {"name": "Нова\x00"},
        {"name": "Нова", "version": 1},
        {},
    ],
)
def test_wrong_types_are_422(owner, body):
    response = owner.post("/organisations", body)
    assert response.status_code == 422, response.content
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_wrong_version_type_is_422(owner, org):
    assert owner.patch(f"/organisations/{org.pk}", {"version": "one"}).status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,field",
    [
        ({"name": "Нова", "eik": INVALID_EIK}, "eik"),
        ({"name": "Нова", "email": "not-an-email"}, "email"),
        ({"name": "<script>alert(1)</script>"}, "name"),
        ({"name": "Нова", "short_name": "{{ 7*7 }}"}, "short_name"),
        ({"name": "Нова", "kind": "cult"}, "kind"),
        ({"name": "Нова", "country": "XX"}, "country"),
        ({"name": "Нова", "languages": ["klingon"]}, "languages"),
        ({"name": "Нова", "phone": "12"}, "phone"),
        ({"name": "Нова", "website": "javascript:alert(1)"}, "website"),
        ({"name": "Н" * 301}, "name"),
        ({"name": "   "}, "name"),
    ],
)
def test_invalid_organisation_values_are_422(owner, body, field):
    response = owner.post("/organisations", body)
    assert response.status_code == 422, response.content
    errors = _errors(response)
    assert field in errors, errors
    assert all(isinstance(m, str) and m for m in errors[field])
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_valid_eik_is_accepted_with_bg_prefix(owner):
    response = owner.post("/organisations", {"name": "Нова", "eik": f"BG {OTHER_VALID_EIK}"})
    assert response.status_code == 201, response.content
    assert Organisation.objects.get().eik == OTHER_VALID_EIK


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,field",
    [
        ({"given_name": "Ана", "emails": ["ana@"]}, "emails"),
        ({"given_name": "Ана", "phones": ["abc"]}, "phones"),
        ({"given_name": "<script>alert(1)</script>"}, "given_name"),
        ({"given_name": "Ана", "family_name": "<b>"}, "family_name"),
        ({"given_name": "Ана", "consent": "maybe"}, "consent"),
    ],
)
def test_invalid_person_values_are_422(owner, body, field):
    response = owner.post("/people", body)
    assert response.status_code == 422, response.content
    assert field in _errors(response)
    assert not Person.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["not json", "{", "[1, 2]", "null", '"name"', ""])
def test_bodies_that_are_not_a_json_object_are_4xx(owner, raw):
    response = owner.post("/organisations", raw, raw=True)
    assert response.status_code in (400, 422), response.content
    assert "detail" in response.json()
    assert not Organisation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["0", "-1", str(2**63), "9" * 40, "abc"])
def test_odd_ids_in_the_path_are_never_a_server_error(owner, pk):
    for response in (
        owner.get(f"/organisations/{pk}"),
        owner.patch(f"/people/{pk}", {"city": "x"}),
        owner.delete(f"/tags/{pk}"),
    ):
        assert response.status_code in (404, 422), (pk, response.status_code)


@pytest.mark.django_db
def test_large_but_possible_id_is_404(owner):
    assert owner.get(f"/organisations/{2**63 - 1}").status_code == 404


@pytest.mark.django_db
def test_messages_follow_the_request_language(owner):
    response = owner.post(
        "/organisations", {"name": "Нова", "eik": INVALID_EIK}, headers={"Accept-Language": "bg"}
    )
    assert response.status_code == 422
    assert response["Content-Language"] == "bg"
    assert isinstance(_errors(response)["eik"][0], str)


# --- description ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_openapi_lists_the_resources(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Svrazka API"
    paths = schema["paths"]
    for resource, param in [
        ("organisations", "organisation_id"),
        ("people", "person_id"),
        ("affiliations", "affiliation_id"),
        ("tags", "tag_id"),
        ("causes", "cause_id"),
    ]:
        assert set(paths[f"/api/v1/{resource}"]) == {"get", "post"}
        assert set(paths[f"/api/v1/{resource}/{{{param}}}"]) == {"get", "patch", "delete"}
    operation = paths["/api/v1/organisations"]["post"]
    assert operation["summary"] == "Create an organisation"
    assert operation["tags"] == ["Organisations"]
    assert any(
        s.get("type") == "http" and s.get("scheme") == "bearer"
        for s in schema["components"]["securitySchemes"].values()
    )


@pytest.mark.django_db
def test_docs_page_is_served(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
