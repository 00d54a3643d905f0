"""The JSON API for selection scorecards: scorecards and criteria, scoring candidates, the
ranked comparison, the shortlist and attaching it to a partnership.

Named users (tests/conftest.py): alice owns "ngo", bob is a member, vera a viewer, oscar owns
"other" and has no access to "ngo".
"""

import re

import pytest

from svrazka.partnerships import services as partnerships
from svrazka.scorecards import services
from svrazka.scorecards.models import Assessment, Criterion, Score, Scorecard, ShortlistLink
from svrazka.scorecards.services import ScoreIn
from tests.api_client import Caller
from tests.factories import make_organisation, make_person


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def api(client, workspace, bob):
    return Caller.of(client, workspace, bob)


@pytest.fixture
def viewer(client, workspace, vera):
    return Caller.of(client, workspace, vera)


@pytest.fixture
def outsider(client, other_workspace, oscar):
    return Caller.of(client, other_workspace, oscar)


@pytest.fixture
def card(workspace, alice):
    return services.scorecard_create(
        workspace=workspace,
        actor=alice,
        data={"name": "Sponsors 2027", "purpose": "sponsor"},
        criteria=[
            {"name": "Fit between the company and the NGO", "weight": 3},
            {"name": "Previous activity and partnerships", "weight": 1},
        ],
    )


@pytest.fixture
def partnership(workspace, alice):
    return partnerships.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Sponsorship of the festival"}
    )


def _errors(response) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in response.json()["detail"]:
        result.setdefault(str(error["loc"][-1]), []).append(error["msg"])
    return result


def _ids(card) -> list[int]:
    return list(card.criteria.order_by("position").values_list("pk", flat=True))


# --- scorecards and criteria ----------------------------------------------------------------


def test_create_read_change_and_delete_a_scorecard(api, workspace):
    response = api.post(
        "/scorecards",
        {
            "name": "Facilitators",
            "purpose": "facilitator",
            "min_score": 1,
            "criteria": [
                {"name": "Neutrality", "weight": 3},
                {"name": "Experience", "weight": "1.5", "guidance": "Facilitated before?"},
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["purpose"] == "facilitator" and body["min_score"] == 1 and body["max_score"] == 5
    assert [(c["name"], c["weight"]) for c in body["criteria"]] == [
        ("Neutrality", 3.0),
        ("Experience", 1.5),
    ]
    pk = body["id"]
    assert api.get(f"/scorecards/{pk}").json()["version"] == 1
    listed = api.get("/scorecards", {"purpose": "facilitator"}).json()
    assert [s["id"] for s in listed["items"]] == [pk] and listed["next_offset"] is None
    assert api.get("/scorecards", {"purpose": "sponsor"}).json()["items"] == []

    changed = api.patch(f"/scorecards/{pk}", {"description": "For coalitions", "version": 1})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = api.patch(f"/scorecards/{pk}", {"name": "Mine", "version": 1})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert Scorecard.objects.get(pk=pk).name == "Facilitators"

    assert api.delete(f"/scorecards/{pk}").status_code == 204
    assert not Scorecard.objects.filter(pk=pk).exists()
    assert not Criterion.objects.filter(scorecard_id=pk).exists()


def test_the_defaults_through_the_api(api, workspace):
    response = api.post("/scorecards/defaults")
    assert response.status_code == 200
    assert [s["purpose"] for s in response.json()["items"]] == [
        "partner",
        "sponsor",
        "supporter",
        "facilitator",
    ]
    assert api.post("/scorecards/defaults").json()["items"] == []
    partner = Scorecard.objects.get(workspace=workspace, default_key="partner")
    names = [c["name"] for c in api.get(f"/scorecards/{partner.pk}").json()["criteria"]]
    assert names[0] == "Compatibility of values"


def test_bad_scorecards_are_422_with_clear_messages(api, card):
    response = api.post("/scorecards", {"name": "Sponsors 2027"})
    assert response.status_code == 422
    assert _errors(response) == {"name": ["A scorecard with this name already exists."]}
    response = api.post("/scorecards", {"name": "X", "criteria": [{"name": "A", "weight": 0}]})
    assert _errors(response) == {"weight": ["A weight must be more than zero."]}
    assert not Scorecard.objects.filter(name="X").exists()
    assert api.post("/scorecards", {"name": "Y", "purpose": "friend"}).status_code == 422
    assert api.post("/scorecards", {"name": "Y", "min_score": 2}).status_code == 422
    assert api.post("/scorecards", {"name": "Y", "colour": "red"}).status_code == 422


def test_criteria_add_change_delete_and_totals_follow(api, card, workspace, alice):
    fit, previous = _ids(card)
    org = make_organisation(workspace, alice)
    a = services.assessment_create(
        scorecard=card,
        actor=alice,
        organisation=org,
        scores={fit: ScoreIn(5), previous: ScoreIn(1)},
    )
    assert a.total == 4

    response = api.post(f"/scorecards/{card.pk}/criteria", {"name": "Reach", "weight": 2})
    assert response.status_code == 201
    reach = response.json()
    assert reach["position"] == 2 and reach["weight"] == 2.0 and reach["scorecard"] == card.pk
    assert api.get(f"/scorecard-criteria/{reach['id']}").json()["name"] == "Reach"

    response = api.patch(f"/scorecard-criteria/{previous}", {"weight": 3})
    assert response.status_code == 200 and response.json()["weight"] == 3.0
    a.refresh_from_db()
    assert str(a.total) == "3.00"  # (3×5 + 3×1) / 6

    response = api.patch(f"/scorecard-criteria/{previous}", {"weight": -2})
    assert response.status_code == 422
    assert _errors(response) == {"weight": ["A weight must be more than zero."]}
    response = api.patch(f"/scorecard-criteria/{previous}", {"weight": 1, "version": 1})
    assert response.status_code == 409

    assert api.delete(f"/scorecard-criteria/{fit}").status_code == 204
    a.refresh_from_db()
    assert str(a.total) == "1.00"
    assert not Score.objects.filter(criterion_id=fit).exists()


# --- candidates, the comparison and the shortlist -------------------------------------------


def test_score_candidates_compare_shortlist_and_attach(api, card, workspace, alice, partnership):
    fit, previous = _ids(card)
    org = make_organisation(workspace, alice, name="Пивоварна Загорка")
    person = make_person(workspace, alice, given_name="Петър", family_name="Стоянов")
    response = api.post(
        f"/scorecards/{card.pk}/assessments",
        {
            "organisation": org.pk,
            "scores": [
                {"criterion": fit, "value": 3, "note": "Beer and youth: careful"},
                {"criterion": previous, "value": 5},
            ],
            "note": "Sponsored the 2025 festival",
        },
    )
    assert response.status_code == 201, response.content
    brewery = response.json()
    assert brewery["candidate"] == {"kind": "organisation", "id": org.pk, "name": org.name}
    assert brewery["total"] == 3.5 and brewery["scored_count"] == 2
    assert brewery["assessed_by"] == "bob@example.org"
    assert brewery["scores"][0] == {"criterion": fit, "value": 3, "note": "Beer and youth: careful"}

    response = api.post(
        f"/scorecards/{card.pk}/assessments",
        {"person": person.pk, "scores": [{"criterion": fit, "value": 5}]},
    )
    assert response.status_code == 201
    peter = response.json()
    assert peter["total"] == 5.0 and peter["scored_count"] == 1

    response = api.patch(
        f"/scorecard-assessments/{peter['id']}",
        {"scores": [{"criterion": previous, "value": 1}], "version": 1},
    )
    assert response.status_code == 200 and response.json()["total"] == 4.0
    stale = api.patch(f"/scorecard-assessments/{peter['id']}", {"note": "x", "version": 1})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2

    comparison = api.get(f"/scorecards/{card.pk}/comparison")
    assert comparison.status_code == 200
    body = comparison.json()
    assert [c["id"] for c in body["criteria"]] == [fit, previous]
    ranked = [(c["candidate"]["name"], c["rank"], c["total"]) for c in body["candidates"]]
    assert ranked == [("Петър Стоянов", 1, 4.0), ("Пивоварна Загорка", 2, 3.5)]
    assert body["candidates"][1]["scores"] == [
        {"criterion": fit, "value": 3, "note": "Beer and youth: careful"},
        {"criterion": previous, "value": 5, "note": ""},
    ]
    listed = api.get(f"/scorecards/{card.pk}/assessments").json()["items"]
    assert [a["id"] for a in listed] == [peter["id"], brewery["id"]]

    response = api.post(f"/scorecard-assessments/{brewery['id']}/shortlist", {})
    assert response.status_code == 200 and response.json()["shortlisted"] is True
    response = api.post(f"/scorecard-assessments/{brewery['id']}/shortlist", {"shortlisted": True})
    assert response.json()["shortlisted"] is True
    shortlisted = api.get(f"/scorecards/{card.pk}/comparison", {"shortlisted": "true"}).json()
    assert [(c["assessment"], c["rank"]) for c in shortlisted["candidates"]] == [(brewery["id"], 2)]

    response = api.post(f"/scorecards/{card.pk}/partnerships", {"partnership": partnership.pk})
    assert response.status_code == 201
    assert response.json()["partnership"] == {
        "id": partnership.pk,
        "title": "Sponsorship of the festival",
        "phase": "before",
    }
    again = api.post(f"/scorecards/{card.pk}/partnerships", {"partnership": partnership.pk})
    assert again.status_code == 422
    links = api.get(f"/scorecards/{card.pk}/partnerships").json()["items"]
    assert [link["partnership"]["id"] for link in links] == [partnership.pk]

    shortlist = api.get(f"/partnerships/{partnership.pk}/shortlist").json()
    assert shortlist["partnership"]["phase"] == "before"
    (group,) = shortlist["shortlists"]
    assert group["scorecard"]["id"] == card.pk
    assert group["candidates"] == [
        {
            "rank": 2,
            "assessment": brewery["id"],
            "candidate": {"kind": "organisation", "id": org.pk, "name": "Пивоварна Загорка"},
            "total": 3.5,
        }
    ]

    response = api.delete(f"/scorecards/{card.pk}/partnerships/{partnership.pk}")
    assert response.status_code == 204 and not ShortlistLink.objects.exists()
    assert api.delete(f"/scorecards/{card.pk}/partnerships/{partnership.pk}").status_code == 404
    assert api.get(f"/partnerships/{partnership.pk}/shortlist").json()["shortlists"] == []

    assert api.delete(f"/scorecard-assessments/{peter['id']}").status_code == 204
    assert not Assessment.objects.filter(pk=peter["id"]).exists()


def test_bad_scores_and_candidates_are_422(
    api, card, workspace, alice, other_workspace, oscar, partnership
):
    fit, _previous = _ids(card)
    org = make_organisation(workspace, alice, name="Наша")
    theirs = make_organisation(other_workspace, oscar, name="Тяхна")
    url = f"/scorecards/{card.pk}/assessments"
    response = api.post(url, {"organisation": org.pk, "scores": [{"criterion": fit, "value": 6}]})
    assert _errors(response) == {
        "scores": [
            "“Fit between the company and the NGO”: a score must be a whole number from 0 to 5."
        ]
    }
    for value in ("3", 2.5, True):
        response = api.post(
            url, {"organisation": org.pk, "scores": [{"criterion": fit, "value": value}]}
        )
        assert response.status_code == 422, value
    response = api.post(url, {"organisation": theirs.pk})
    assert response.status_code == 422
    assert _errors(response) == {"organisation": [f"Unknown id in this workspace: {theirs.pk}."]}
    response = api.post(url, {})
    assert _errors(response) == {"__all__": ["Choose an organisation or a person to score."]}
    other = services.scorecard_create(
        workspace=workspace, actor=alice, data={"name": "Other"}, criteria=[{"name": "A"}]
    )
    foreign = other.criteria.get().pk
    response = api.post(
        url, {"organisation": org.pk, "scores": [{"criterion": foreign, "value": 3}]}
    )
    assert "Unknown criterion for this scorecard" in _errors(response)["scores"][0]
    assert not Assessment.objects.filter(scorecard=card).exists()

    assert api.post(url, {"organisation": org.pk}).status_code == 201
    response = api.post(url, {"organisation": org.pk})
    assert _errors(response) == {"organisation": ["Наша is already a candidate on this scorecard."]}

    theirs_partnership = partnerships.partnership_create(
        workspace=other_workspace, actor=oscar, data={"title": "Theirs"}
    )
    response = api.post(
        f"/scorecards/{card.pk}/partnerships", {"partnership": theirs_partnership.pk}
    )
    assert response.status_code == 422
    assert not ShortlistLink.objects.exists()


def test_a_viewer_reads_but_cannot_write(viewer, card, workspace, alice, partnership):
    fit, _previous = _ids(card)
    a = services.assessment_create(
        scorecard=card, actor=alice, organisation=make_organisation(workspace, alice)
    )
    assert viewer.get(f"/scorecards/{card.pk}/comparison").status_code == 200
    assert viewer.get(f"/scorecard-assessments/{a.pk}").status_code == 200
    writes = [
        ("post", "/scorecards", {"name": "V"}),
        ("post", "/scorecards/defaults", None),
        ("patch", f"/scorecards/{card.pk}", {"name": "V"}),
        ("post", f"/scorecards/{card.pk}/criteria", {"name": "V"}),
        ("patch", f"/scorecard-criteria/{fit}", {"weight": 2}),
        ("post", f"/scorecards/{card.pk}/assessments", {}),
        ("patch", f"/scorecard-assessments/{a.pk}", {"note": "V"}),
        ("post", f"/scorecard-assessments/{a.pk}/shortlist", {}),
        ("post", f"/scorecards/{card.pk}/partnerships", {"partnership": partnership.pk}),
    ]
    for method, path, body in writes:
        assert getattr(viewer, method)(path, body).status_code == 403, path
    for path in (
        f"/scorecard-criteria/{fit}",
        f"/scorecard-assessments/{a.pk}",
        f"/scorecards/{card.pk}/partnerships/{partnership.pk}",
        f"/scorecards/{card.pk}",
    ):
        assert viewer.delete(path).status_code == 403, path
    a.refresh_from_db()
    assert not a.shortlisted and Scorecard.objects.filter(workspace=workspace).count() == 1


def _scorecard_routes():
    from svrazka.api.urls import api

    for path, operations in api.get_openapi_schema()["paths"].items():
        if "scorecard" not in path and not path.endswith("/shortlist"):
            continue
        for method in operations:
            yield method.upper(), path


def test_every_scorecard_route_is_404_for_another_workspaces_token(
    outsider, card, workspace, alice, partnership
):
    fit, _previous = _ids(card)
    a = services.assessment_create(
        scorecard=card, actor=alice, organisation=make_organisation(workspace, alice)
    )
    services.shortlist_attach(scorecard=card, partnership=partnership, actor=alice)
    ids = {
        "scorecard_id": card.pk,
        "criterion_id": fit,
        "assessment_id": a.pk,
        "partnership_id": partnership.pk,
    }
    bodies = {
        "/api/v1/scorecards/{scorecard_id}/criteria": {"name": "X"},
        "/api/v1/scorecards/{scorecard_id}/partnerships": {"partnership": partnership.pk},
    }
    checked = 0
    for method, path in _scorecard_routes():
        names = re.findall(r"\{(\w+)\}", path)
        if not names:
            continue
        url = path.removeprefix("/api/v1")
        for name in names:
            url = url.replace("{" + name + "}", str(ids[name]))
        body = bodies.get(path, {}) if method in ("POST", "PATCH") else None
        if method == "GET":
            response = outsider.get(url)
        elif method == "DELETE":
            response = outsider.delete(url)
        else:
            response = getattr(outsider, method.lower())(url, body)
        assert response.status_code == 404, f"{method} {url}: {response.status_code}"
        checked += 1
    assert checked >= 15
    assert Scorecard.objects.filter(pk=card.pk).exists()
    assert Criterion.objects.filter(pk=fit).exists() and ShortlistLink.objects.exists()
    a.refresh_from_db()
    assert not a.shortlisted


def test_lists_show_only_the_tokens_workspace(outsider, card):
    assert outsider.get("/scorecards").json()["items"] == []


def test_every_scorecard_route_needs_a_token(client, card):
    for method, path in _scorecard_routes():
        url = re.sub(r"\{\w+\}", str(card.pk), path)
        response = client.generic(method, url, data="{}", content_type="application/json")
        assert response.status_code == 401, f"{method} {url}"


def test_openapi_lists_the_scorecard_paths(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    expected = {
        "/api/v1/scorecards": {"get", "post"},
        "/api/v1/scorecards/defaults": {"post"},
        "/api/v1/scorecards/{scorecard_id}": {"get", "patch", "delete"},
        "/api/v1/scorecards/{scorecard_id}/criteria": {"post"},
        "/api/v1/scorecard-criteria/{criterion_id}": {"get", "patch", "delete"},
        "/api/v1/scorecards/{scorecard_id}/assessments": {"get", "post"},
        "/api/v1/scorecard-assessments/{assessment_id}": {"get", "patch", "delete"},
        "/api/v1/scorecard-assessments/{assessment_id}/shortlist": {"post"},
        "/api/v1/scorecards/{scorecard_id}/comparison": {"get"},
        "/api/v1/scorecards/{scorecard_id}/partnerships": {"get", "post"},
        "/api/v1/scorecards/{scorecard_id}/partnerships/{partnership_id}": {"delete"},
        "/api/v1/partnerships/{partnership_id}/shortlist": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
    assert paths["/api/v1/scorecards"]["post"]["tags"] == ["Scorecards"]
