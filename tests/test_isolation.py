"""Workspaces are walls: every page and API route of a workspace answers 404 to an outsider."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from svrazka.accounts import services as accounts
from svrazka.accounts.models import ApiToken, Membership
from svrazka.contacts import services
from svrazka.partnerships import agreements, evaluations
from svrazka.partnerships import services as partnerships
from tests.factories import make_organisation, make_person


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield p.name, prefix + str(p.pattern)


def workspace_routes() -> list[tuple[str, str]]:
    return [
        (name, route)
        for name, route in _walk(get_resolver().url_patterns)
        if "<slug:slug>" in route
    ]


@pytest.fixture
def alices_things(workspace, alice, bob):
    org = make_organisation(workspace, alice, name="Фондация Тест")
    person = make_person(workspace, alice, given_name="Иван", family_name="Петров")
    affiliation = services.affiliation_create(
        workspace=workspace, actor=alice, person=person, organisation=org, data={}
    )
    tag = services.tag_get_or_create(workspace=workspace, name="partner")
    cause = services.cause_get_or_create(workspace=workspace, name="Образование")
    owner_membership = Membership.objects.get(workspace=workspace, user=alice)
    invitation = accounts.invitation_send(
        membership=owner_membership, email="new@example.org", role="member"
    )
    token, _ = ApiToken.issue(workspace=workspace, user=alice)
    partnership = partnerships.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Партньорство", "form": "coalition"}
    )
    partner = partnerships.partner_add(
        partnership=partnership, actor=alice, organisation=org, role="partner"
    )
    duty = partnerships.duty_add(
        partnership=partnership, actor=alice, data={"user": alice, "description": "Отчети"}
    )
    project = partnerships.project_save(
        partnership=partnership, actor=alice, data={"title": "Проект"}
    )
    resource = partnerships.resource_add(
        partnership=partnership, actor=alice, data={"description": "Дарение", "kind": "cash"}
    )
    evaluation = evaluations.evaluation_submit_ours(
        partnership=partnership, actor=alice, answers={"created": "Чрез общ проект"}, ratings={}
    )
    invite, _secret = evaluations.evaluation_invite_create(
        partnership=partnership, actor=alice, organisation=org, email="", days=14
    )
    things = {
        "organisation": org.pk,
        "person": person.pk,
        "affiliation": affiliation.pk,
        "tag": tag.pk,
        "cause": cause.pk,
        "member": Membership.objects.get(user=bob).pk,
        "invitation": invitation.pk,
        "api_token": token.pk,
        "partnership": partnership.pk,
        "partner": partner.pk,
        "duty": duty.pk,
        "checklist": partnership.checklist.first().pk,
        "project": project.pk,
        "resource": resource.pk,
        "evaluation": evaluation.pk,
        "evaluation_invite": invite.pk,
    }
    things.update(_agreement_things(partnership, alice, person, org))
    things.update(_touchpoint_things(workspace, alice, person))
    things["import"] = _import_job(workspace, alice)
    things.update(_duplicate_things(workspace, alice))
    from svrazka.network.models import Snapshot
    from svrazka.network.services import relationship_create

    things["snapshot"] = Snapshot.objects.create(workspace=workspace, as_of="2026-01-01").pk
    from svrazka.scorecards import services as scorecards

    card = scorecards.create_default_scorecards(workspace=workspace, actor=alice)[0]
    things["scorecard"] = card.pk
    things["criterion"] = card.criteria.first().pk
    things["assessment"] = scorecards.assessment_create(
        scorecard=card, actor=alice, organisation=org, shortlisted=True
    ).pk
    scorecards.shortlist_attach(scorecard=card, partnership=partnership, actor=alice)
    things["relationship"] = relationship_create(
        workspace=workspace, actor=alice, kind="works_at", source=person, target=org
    ).pk
    return things


def _duplicate_things(workspace, alice) -> dict:
    """Two people to compare, a scan, and a merge of a third into a fourth."""
    from svrazka.duplicates import merging
    from svrazka.duplicates.models import Scan

    a = make_person(workspace, alice, given_name="Мария", family_name="Иванова")
    b = make_person(workspace, alice, given_name="Maria", family_name="Ivanova")
    c = make_person(workspace, alice, given_name="Стоян")
    d = make_person(workspace, alice, given_name="Stoyan")
    record = merging.merge(
        workspace=workspace, actor=alice, kind="person", kept=c, merged=d, choices={}
    )
    scan = Scan.objects.create(workspace=workspace, kind="person")
    return {"person_a": a.pk, "person_b": b.pk, "scan": scan.pk, "merge": record.pk}


def _import_job(workspace, alice) -> int:
    """A finished import (a checked one is shown differently, but reached the same way)."""
    from django.core.files.base import ContentFile

    from svrazka.imports.models import ImportJob, Status

    job = ImportJob(workspace=workspace, created_by=alice, filename="contacts.csv", size=9)
    job.file.save("contacts.csv", ContentFile(b"Name\nIvan\n"), save=False)
    job.status = Status.DONE
    job.save()
    return job.pk


def _touchpoint_things(workspace, alice, person) -> dict:
    """An interaction with an attachment, a task, unmatched mail and a dropbox."""
    from django.utils import timezone

    from svrazka.touchpoints import followups, mail
    from svrazka.touchpoints import services as touchpoints
    from svrazka.touchpoints.models import MailSource, UnmatchedMessage

    interaction = touchpoints.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="email",
        direction="in",
        occurred_at=timezone.now(),
        people=[person],
        attachments=[("бележка.txt", "text/plain", b"note")],
    )
    task = followups.task_create(
        workspace=workspace, actor=alice, data={"title": "Обади се", "assignee": alice}
    )
    mail.ingest(
        workspace=workspace,
        raw=b"From: stranger@example.net\r\nTo: inbox@ngo.example\r\n"
        b"Subject: Hello\r\nMessage-ID: <x1@example.net>\r\n\r\nHi\r\n",
    )
    source = MailSource.objects.create(workspace=workspace, address="inbox@ngo.example")
    return {
        "interaction": interaction.pk,
        "attachment": interaction.attachments.get().pk,
        "task": task.pk,
        "unmatched": UnmatchedMessage.objects.get(workspace=workspace).pk,
        "mail_source": source.pk,
    }


def _agreement_things(partnership, alice, person, org) -> dict:
    """An agreement with its first version and a signatory (affiliated with the partner)."""
    agreement = agreements.agreement_create(
        partnership=partnership, actor=alice, data={"title": "Споразумение", "language": "bg"}
    )
    signatory = agreements.signatory_add(
        agreement=agreement, actor=alice, person=person, organisation=org
    )
    return {"agreement": agreement.pk, "signatory": signatory.pk}


# Which object a route's <pk> names, by the route's name (the longest matching prefix).
PK_KIND = {
    "organisation": "organisation",
    "person": "person",
    "affiliation": "affiliation",
    "tag": "tag",
    "member": "member",
    "invitation": "invitation",
    "api_token": "api_token",
    "partnership": "partnership",
    "partner": "partner",
    "duty": "duty",
    "checklist": "checklist",
    "project": "project",
    "resource": "resource",
    "evaluation": "evaluation",
    "evaluation_invite": "evaluation_invite",
    "agreement": "agreement",
    "interaction": "interaction",
    "attachment": "attachment",
    "task": "task",
    "unmatched": "unmatched",
    "mail_source": "mail_source",
    "cadence": "person",
    "import": "import",
    "duplicate_scan": "scan",
    "merge": "merge",
    "relationship": "relationship",
    "scorecard": "scorecard",
    "scorecard_assessment": "assessment",
    "scorecard_shortlist": "assessment",
}

# Routes whose <pk> is not the object their name starts with.
PK_OF_ROUTE = {
    "affiliation_create": "person",
    "partner_add": "partnership",
    "partner_liaisons": "partnership",
    "duty_add": "partnership",
    "checklist_add": "partnership",
    "project_add": "partnership",
    "resource_add": "partnership",
    "evaluation_create": "partnership",
    "evaluation_invite": "partnership",
    "evaluation_results": "partnership",
    "agreement_create": "partnership",
    "relationship_add_for_person": "person",
    "relationship_add_for_organisation": "organisation",
    "scorecard_assessment_create": "scorecard",
}


QUERY_OF_ROUTE = {
    "timeline_more": "?person={person}",
    "duplicate_compare": "?kind=person&a={person_a}&b={person_b}",
    "network_paths": "?to=o{organisation}",
    "network_graph": "?focus=o{organisation}&hops=2",
    "network_recommendations": "?partnership={partnership}",
    "relationship_edit": "?from=p{person}",
}


def _fill(route: str, name: str, things: dict, slug: str) -> str:
    path = route.replace("<slug:slug>", slug).replace("<str:kind>", "person")
    if "<int:pk>" in path:
        prefixes = sorted((k for k in PK_KIND if name.startswith(k)), key=len, reverse=True)
        kind = PK_OF_ROUTE.get(name) or PK_KIND[prefixes[0]]
        path = path.replace("<int:pk>", str(things[kind]))
    assert "<" not in path, f"route {route} has a parameter this test does not know"
    if name in QUERY_OF_ROUTE:  # routes that say whose page it is in the query
        path += QUERY_OF_ROUTE[name].format(**things)
    return "/" + path


def test_every_workspace_page_is_404_for_an_outsider(alices_things, oscar_client):
    routes = workspace_routes()
    assert len(routes) >= 20
    for name, route in routes:
        path = _fill(route, name, alices_things, "ngo")
        for method in ("get", "post"):
            response = getattr(oscar_client, method)(path)
            assert response.status_code == 404, f"{method.upper()} {path} ({name})"


def test_every_workspace_page_works_for_its_own_member(alices_things, alice_client):
    """The same walk as the owner shows the routes exist (so the 404s above mean something)."""
    for name, route in workspace_routes():
        path = _fill(route, name, alices_things, "ngo")
        response = alice_client.get(path)
        assert response.status_code in (200, 204, 302, 405), f"GET {path} ({name})"


def test_an_outsiders_own_workspace_slug_does_not_open_alices_objects(alices_things, oscar_client):
    """Right slug (his own), wrong workspace's ids: still 404."""
    for name, route in workspace_routes():
        if "<int:pk>" not in route:
            continue
        path = _fill(route, name, alices_things, "other")
        response = oscar_client.get(path)
        if response.status_code == 405:  # a POST-only action
            response = oscar_client.post(path)
        assert response.status_code == 404, path


def test_anonymous_visitors_are_sent_to_sign_in(alices_things, client):
    for name, route in workspace_routes():
        path = _fill(route, name, alices_things, "ngo")
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path


# --- the API ---------------------------------------------------------------------------------


def _api_schema() -> dict:
    from svrazka.api.urls import api

    return api.get_openapi_schema()


def _api_routes():
    for path, operations in _api_schema()["paths"].items():
        for method in operations:
            yield method.upper(), path


def _example(schema: dict, components: dict):
    """A value that satisfies a JSON schema (required fields only), so that validation passes
    and only the workspace lookup can refuse the request."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].split("/")[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {
            name: _example(schema["properties"][name], components)
            for name in schema.get("required", [])
        }
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if schema.get("format") == "date":
        return "2026-01-01"
    return "x"


def _request_body(path: str, method: str) -> str:
    import json

    schema = _api_schema()
    operation = schema["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return "{}"
    return json.dumps(_example(content["schema"], schema["components"]["schemas"]))


# Which of alice's objects an API route's {id} names, by the route's first segment.
API_KINDS = {
    "organisations": "organisation",
    "people": "person",
    "affiliations": "affiliation",
    "tags": "tag",
    "causes": "cause",
    "partnerships": "partnership",
    "partners": "partner",
    "duties": "duty",
    "checklist-items": "checklist",
    "projects": "project",
    "resources": "resource",
    "agreements": "agreement",
    "evaluations": "evaluation",
    "signatories": "signatory",
    "evaluation-links": "evaluation_invite",
    "interactions": "interaction",
    "tasks": "task",
    "health": "person",
    "imports": "import",
    "duplicates": "scan",
    "merges": "merge",
    "relationships": "relationship",
    "network": "snapshot",
    "scorecards": "scorecard",
    "scorecard-criteria": "criterion",
    "scorecard-assessments": "assessment",
}


def test_every_api_route_with_an_id_is_404_for_another_workspaces_token(
    alices_things, other_workspace, oscar
):
    _token, secret = ApiToken.issue(workspace=other_workspace, user=oscar)
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    checked = 0
    for method, path in _api_routes():
        if not re.findall(r"\{(\w+)\}", path):
            continue
        resource = path.removeprefix("/api/v1/").split("/")[0]
        assert resource in API_KINDS, f"{path}: add its kind to API_KINDS"
        url = path.replace("{subject}", "person")
        url = re.sub(r"\{\w+\}", str(alices_things[API_KINDS[resource]]), url)
        body = _request_body(path, method)
        response = client.generic(method, url, data=body, content_type="application/json")
        assert response.status_code == 404, f"{method} {url} {body}: {response.status_code}"
        checked += 1
    assert checked >= 30


def test_every_api_route_needs_a_token(alices_things, client):
    for method, path in _api_routes():
        if "openapi" in path or "docs" in path:
            continue
        url = re.sub(r"\{\w+\}", "1", path)
        response = client.generic(method, url, data="{}", content_type="application/json")
        assert response.status_code == 401, f"{method} {url}: {response.status_code}"


def test_lists_through_the_api_show_only_the_tokens_workspace(
    alices_things, other_workspace, oscar
):
    make_person(other_workspace, oscar, given_name="Oscar", family_name="Own")
    _token, secret = ApiToken.issue(workspace=other_workspace, user=oscar)
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    checks = [
        ("organisations", "name", "Фондация Тест"),
        ("people", "family_name", "Петров"),
        ("tags", "name", "partner"),
    ]
    for resource, field, alices_value in checks:
        items = client.get(f"/api/v1/{resource}").json()["items"]
        assert all(item[field] != alices_value for item in items), resource
    assert client.get("/api/v1/affiliations").json()["items"] == []
    names = [i["family_name"] for i in client.get("/api/v1/people").json()["items"]]
    assert names == ["Own"]
