"""The JSON API for agreements and evaluations: versions, signatories, status, documents, our
evaluation, private evaluation links and the results that compare the sides.

Named users (as in test_api_partnerships.py): alice owns the "zelena" workspace, victor is a
viewer there, oscar is an outsider who owns another workspace.
"""

import json
import os
import shutil
import subprocess
from datetime import date, timedelta
from urllib.parse import urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from svrazka.accounts.models import ApiToken, Membership, Role, User, Workspace
from svrazka.contacts import services as contacts
from svrazka.partnerships import agreements, evaluations, practice
from svrazka.partnerships import services as partnerships
from svrazka.partnerships.models import (
    Agreement,
    AgreementVersion,
    Evaluation,
    EvaluationInvite,
    Signatory,
)

TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class Caller:
    """A Django test client that speaks JSON with one bearer token."""

    def __init__(self, client, secret: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "en"}

    def get(self, path: str, params=None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers)

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


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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


def _person(workspace, actor, given, family, organisation=None, position="", email=None):
    data = {"given_name": given, "family_name": family}
    if email:
        data["emails"] = [email]
    person = contacts.person_create(workspace=workspace, actor=actor, data=data)
    if organisation is not None:
        contacts.affiliation_create(
            workspace=workspace,
            actor=actor,
            person=person,
            organisation=organisation,
            data={"position": position},
        )
    return person


@pytest.fixture
def room(workspace, alice):
    """A partnership of two organisations: Иван Петров works at ours, Maria at theirs,
    Stranger at neither, and a third organisation that is not a partner."""
    partnership = partnerships.partnership_create(
        workspace=workspace,
        actor=alice,
        data={
            "title": "Младежки мостове",
            "goals": "Да свържем младежи от България и Гърция.",
            "start_date": date(2026, 1, 1),
            "end_date": date(2026, 12, 31),
        },
    )
    ours = contacts.organisation_create(
        workspace=workspace, actor=alice, data={"name": "Фондация Свръзка"}
    )
    theirs = contacts.organisation_create(
        workspace=workspace, actor=alice, data={"name": "Hellenic Youth Network"}
    )
    outside = contacts.organisation_create(
        workspace=workspace, actor=alice, data={"name": "Радио Варна"}
    )
    partnerships.partner_add(partnership=partnership, actor=alice, organisation=ours, role="lead")
    partnerships.partner_add(
        partnership=partnership, actor=alice, organisation=theirs, role="partner"
    )
    return {
        "partnership": partnership,
        "ours": ours,
        "theirs": theirs,
        "outside": outside,
        "ivan": _person(workspace, alice, "Иван", "Петров", ours, "Председател"),
        "maria": _person(
            workspace, alice, "Maria", "Papadopoulou", theirs, "Director", "maria@hyn.example"
        ),
        "stranger": _person(workspace, alice, "Stranger", "Danger"),
    }


@pytest.fixture
def agreement(room, alice):
    return agreements.agreement_create(
        partnership=room["partnership"],
        actor=alice,
        data={"title": "Споразумение", "language": "bg"},
    )


def _sign_up_both(agreement, room, alice):
    for person in (room["ivan"], room["maria"]):
        agreements.signatory_add(agreement=agreement, actor=alice, person=person)


# --- agreements and versions ----------------------------------------------------------------


def test_an_agreement_from_the_first_draft_to_version_2(owner, room):
    pk = room["partnership"].pk
    ours, theirs = str(room["ours"].pk), str(room["theirs"].pk)

    response = owner.post(f"/partnerships/{pk}/agreements", {"language": "bg"})
    assert response.status_code == 201, response.content
    body = response.json()
    agreement_id = body["id"]
    assert body["title"] == "Споразумение за партньорство – Младежки мостове"
    assert body["language"] == "bg" and body["status"] == "draft"
    assert (body["start_date"], body["end_date"]) == ("2026-01-01", "2026-12-31")
    assert body["remind_days_before"] == 30
    assert body["next_statuses"] == ["sent", "signed"] and body["editable"] is True
    assert body["current_version"] == 1 and body["has_scan"] is False
    assert [p["organisation"]["name"] for p in body["parties"]] == [
        "Фондация Свръзка",
        "Hellenic Youth Network",
    ]
    assert [p["key"] for p in body["parts"]] == [p.key for p in practice.AGREEMENT_PARTS]
    assert body["parts"][0]["title"] == "Common goals"  # the request's language
    text = body["text"]
    assert text["number"] == 1
    assert text["common_goals"] == "Да свържем младежи от България и Гърция."
    assert "2026" in text["period"]
    assert set(text["responsibilities"]) == {ours, theirs}
    assert text["contributions"][theirs] == {"cash": "", "in_kind": "", "staff_time": ""}
    assert Agreement.objects.get(pk=agreement_id).partnership == room["partnership"]

    listed = owner.get(f"/partnerships/{pk}/agreements").json()
    assert [(a["id"], a["current_version"]) for a in listed["items"]] == [(agreement_id, 1)]
    assert listed["next_offset"] is None
    assert owner.get(f"/partnerships/{pk}/agreements", {"status": "signed"}).json()["items"] == []

    # Version 2: the parts sent change, the others keep version 1's text.
    response = owner.post(
        f"/agreements/{agreement_id}/versions",
        {
            "base_version": 1,
            "common_goals": "Обмен на младежи.",
            "responsibilities": {ours: "Води проекта."},
            "contributions": {theirs: {"in_kind": "Зала в Солун"}},
            "note": "Първа редакция",
        },
    )
    assert response.status_code == 201, response.content
    v2 = response.json()
    assert v2["number"] == 2 and v2["note"] == "Първа редакция"
    assert v2["common_goals"] == "Обмен на младежи."
    assert v2["period"] == text["period"]
    assert v2["responsibilities"] == {ours: "Води проекта.", theirs: ""}
    assert v2["contributions"][theirs]["in_kind"] == "Зала в Солун"
    assert v2["created_by"]["name"] == "alice@example.org"

    # Someone who started from version 1 is refused: nothing saved, the latest number given.
    stale = owner.post(
        f"/agreements/{agreement_id}/versions", {"base_version": 1, "mechanism": "Срещи."}
    )
    assert stale.status_code == 409, stale.content
    assert stale.json()["current_version"] == 2
    assert AgreementVersion.objects.filter(agreement_id=agreement_id).count() == 2
    stale = owner.patch(f"/agreements/{agreement_id}", {"base_version": 1, "title": "Друго"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert Agreement.objects.get(pk=agreement_id).title != "Друго"

    # The same text again adds nothing.
    same = owner.post(f"/agreements/{agreement_id}/versions", {"base_version": 2})
    assert same.status_code == 200 and same.json()["number"] == 2

    # Only the parties' organisations can be keyed.
    outside = str(room["outside"].pk)
    response = owner.post(
        f"/agreements/{agreement_id}/versions",
        {"base_version": 2, "responsibilities": {outside: "Нищо"}},
    )
    assert response.status_code == 422 and "responsibilities" in _errors(response)
    response = owner.post(
        f"/agreements/{agreement_id}/versions",
        {"base_version": 2, "contributions": {ours: {"gold": "1 kg"}}},
    )
    assert response.status_code == 422

    versions = owner.get(f"/agreements/{agreement_id}/versions").json()["items"]
    assert [v["number"] for v in versions] == [2, 1]
    assert "common_goals" not in versions[0]
    assert owner.get(f"/agreements/{agreement_id}/versions/1").json()["common_goals"] == (
        "Да свържем младежи от България и Гърция."
    )
    assert owner.get(f"/agreements/{agreement_id}/versions/7").status_code == 404
    detail = owner.get(f"/agreements/{agreement_id}").json()
    assert detail["current_version"] == 2 and detail["text"]["common_goals"] == "Обмен на младежи."


def test_details_change_without_a_new_version(owner, agreement):
    response = owner.patch(
        f"/agreements/{agreement.pk}",
        {"title": "Ново заглавие", "language": "en", "end_date": "2026-06-30"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["language"], body["end_date"]) == (
        "Ново заглавие",
        "en",
        "2026-06-30",
    )
    assert body["current_version"] == 1
    # The same rules as the edit page.
    response = owner.patch(f"/agreements/{agreement.pk}", {"start_date": "2026-07-01"})
    assert response.status_code == 422 and "end_date" in _errors(response)
    response = owner.patch(f"/agreements/{agreement.pk}", {"language": "de"})
    assert response.status_code == 422 and "language" in _errors(response)
    response = owner.patch(f"/agreements/{agreement.pk}", {"title": None})
    assert response.status_code == 422 and "title" in _errors(response)
    response = owner.patch(f"/agreements/{agreement.pk}", {"remind_days_before": 400})
    assert response.status_code == 422 and "remind_days_before" in _errors(response)
    agreement.refresh_from_db()
    assert agreement.title == "Ново заглавие" and agreement.start_date is None


def test_status_moves_by_the_rules(owner, agreement, room):
    pk = agreement.pk

    response = owner.patch(f"/agreements/{pk}", {"status": "expired"})
    assert response.status_code == 422
    assert "cannot become" in _errors(response)["status"][0]
    response = owner.patch(f"/agreements/{pk}", {"status": "signed"})
    assert response.status_code == 422 and "signed_on" in _errors(response)
    response = owner.patch(f"/agreements/{pk}", {"status": "signed", "signed_on": "2026-01-10"})
    assert response.status_code == 422
    assert "Every party needs a signatory" in _errors(response)["status"][0]
    response = owner.patch(f"/agreements/{pk}", {"signed_on": "2026-01-10"})
    assert response.status_code == 422 and "signed_on" in _errors(response)

    response = owner.patch(f"/agreements/{pk}", {"status": "sent"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "sent"
    assert response.json()["next_statuses"] == ["draft", "signed"]

    # Signatories: one affiliated with a party, not anyone.
    response = owner.post(f"/agreements/{pk}/signatories", {"person": room["stranger"].pk})
    assert response.status_code == 422
    assert "not affiliated with any party" in _errors(response)["person"][0]
    response = owner.post(
        f"/agreements/{pk}/signatories",
        {"person": room["ivan"].pk, "organisation": room["theirs"].pk},
    )
    assert response.status_code == 422 and "person" in _errors(response)
    response = owner.post(
        f"/agreements/{pk}/signatories",
        {"person": room["ivan"].pk, "organisation": room["outside"].pk},
    )
    assert response.status_code == 422 and "organisation" in _errors(response)
    response = owner.post(f"/agreements/{pk}/signatories", {"person": room["ivan"].pk})
    assert response.status_code == 201, response.content
    ivan = response.json()
    assert ivan["organisation"] == {"id": room["ours"].pk, "name": "Фондация Свръзка"}
    assert ivan["person"]["name"] == "Иван Петров" and ivan["position"] == "Председател"
    again = owner.post(f"/agreements/{pk}/signatories", {"person": room["ivan"].pk})
    assert again.status_code == 422
    response = owner.post(
        f"/agreements/{pk}/signatories",
        {"person": room["maria"].pk, "position": "President"},
    )
    assert response.status_code == 201, response.content
    maria = response.json()
    assert maria["position"] == "President"
    listed = owner.get(f"/agreements/{pk}/signatories").json()["items"]
    assert [s["id"] for s in listed] == [maria["id"], ivan["id"]]  # by the party's name

    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = owner.patch(f"/agreements/{pk}", {"status": "signed", "signed_on": future})
    assert response.status_code == 422 and "signed_on" in _errors(response)
    response = owner.patch(f"/agreements/{pk}", {"status": "signed", "signed_on": "2026-01-10"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["signed_on"]) == ("signed", "2026-01-10")
    assert body["editable"] is False and body["next_statuses"] == ["expired"]
    assert len(body["signatories"]) == 2

    # Signed: the text, the details and the signatories stay.
    response = owner.patch(f"/agreements/{pk}", {"title": "Друго"})
    assert response.status_code == 422
    response = owner.post(f"/agreements/{pk}/versions", {"base_version": 1, "benefits": "x"})
    assert response.status_code == 422
    assert owner.delete(f"/signatories/{ivan['id']}").status_code == 422
    assert Signatory.objects.filter(pk=ivan["id"]).exists()
    response = owner.post(f"/agreements/{pk}/signatories", {"person": room["stranger"].pk})
    assert response.status_code == 422
    assert owner.patch(f"/agreements/{pk}", {"status": "draft"}).status_code == 422
    response = owner.patch(f"/agreements/{pk}", {"status": "expired"})
    assert response.status_code == 200 and response.json()["next_statuses"] == []


def test_a_signatory_is_removed_while_the_agreement_is_a_draft(owner, agreement, room, alice):
    signatory = agreements.signatory_add(agreement=agreement, actor=alice, person=room["ivan"])
    assert owner.delete(f"/signatories/{signatory.pk}").status_code == 204
    assert not Signatory.objects.filter(pk=signatory.pk).exists()
    assert owner.delete(f"/signatories/{signatory.pk}").status_code == 404


def test_a_patch_is_all_or_nothing(owner, agreement):
    response = owner.patch(f"/agreements/{agreement.pk}", {"title": "Ново", "status": "expired"})
    assert response.status_code == 422
    agreement.refresh_from_db()
    assert agreement.title == "Споразумение"


# --- documents and the scan -----------------------------------------------------------------


@pytest.mark.skipif(
    not shutil.which("pdftotext") and os.environ.get("CI") != "true",
    reason="pdftotext (poppler-utils) is missing; in CI it is an error",
)
def test_the_pdf_has_the_bulgarian_headings(owner, viewer, agreement, room, alice):
    _sign_up_both(agreement, room, alice)
    response = viewer.get(f"/agreements/{agreement.pk}/document.pdf")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('-v1.pdf"')
    assert response.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    for number, part in enumerate(practice.AGREEMENT_PARTS, 1):
        assert f"{number}. {part.title_bg}" in flat
    assert "СПОРАЗУМЕНИЕ ЗА ПАРТНЬОРСТВО" in flat.upper() and "Страни" in flat
    assert "Иван Петров" in flat and "Подпис" in flat


def test_the_docx_is_a_word_document_of_any_version(owner, agreement, room):
    owner.post(f"/agreements/{agreement.pk}/versions", {"base_version": 1, "benefits": "Общи."})
    response = owner.get(f"/agreements/{agreement.pk}/document.docx")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('-v2.docx"')
    assert response.content.startswith(b"PK\x03\x04")
    old = owner.get(f"/agreements/{agreement.pk}/document.docx", {"version": 1})
    assert old.status_code == 200 and old["Content-Disposition"].endswith('-v1.docx"')
    assert owner.get(f"/agreements/{agreement.pk}/document.docx", {"version": 7}).status_code == 404
    bad = owner.get(f"/agreements/{agreement.pk}/document.pdf", {"version": "x"})
    assert bad.status_code == 422


def test_the_scan_is_downloaded_when_there_is_one(owner, viewer, outsider, agreement, alice):
    response = owner.get(f"/agreements/{agreement.pk}/scan")
    assert response.status_code == 404
    assert "no signed scan" in response.json()["detail"]
    agreements.agreement_attach_scan(
        agreement=agreement,
        actor=alice,
        upload=SimpleUploadedFile("signed.pdf", TINY_PDF, content_type="application/pdf"),
    )
    response = viewer.get(f"/agreements/{agreement.pk}/scan")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == TINY_PDF
    assert owner.get(f"/agreements/{agreement.pk}").json()["has_scan"] is True
    assert outsider.get(f"/agreements/{agreement.pk}/scan").status_code == 404


# --- evaluations ----------------------------------------------------------------------------


def test_our_evaluation_through_the_api(owner, room, alice):
    pk = room["partnership"].pk
    response = owner.post(
        f"/partnerships/{pk}/evaluations",
        {
            "answers": {"created": "  We met at a youth forum. ", "change": ""},
            "ratings": {"goals_met": 4, "communication": 4, "would_partner_again": 4},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["side"] == "us" and body["organisation"] is None
    assert body["answers"] == {"created": "We met at a youth forum."}
    assert body["ratings"] == {"goals_met": 4, "communication": 4, "would_partner_again": 4}
    assert body["submitted_by"]["id"] == alice.pk
    assert body["respondent_name"] == "alice@example.org"
    assert owner.get(f"/evaluations/{body['id']}").json() == body
    listed = owner.get(f"/partnerships/{pk}/evaluations").json()["items"]
    assert [e["id"] for e in listed] == [body["id"]]
    assert owner.get(f"/partnerships/{pk}/evaluations", {"side": "partners"}).json()["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {"why": "Because."}},
        {"ratings": {"beauty": 5}},
        {"ratings": {"goals_met": 6}},
        {"ratings": {"goals_met": 0}},
        {"ratings": {"goals_met": "5"}},
        {"ratings": {"goals_met": 4.5}},
        {"answers": {"created": None}},
        {"answers": {"created": "x" * 5001}},
        {},
        {"answers": {"created": "   "}},
        {"answers": {"created": "a\x00b"}},
        {"answers": {"created": "ok"}, "mood": "good"},
        {"answers": ["created"]},
    ],
)
def test_a_bad_evaluation_is_422_and_saves_nothing(owner, room, body):
    response = owner.post(f"/partnerships/{room['partnership'].pk}/evaluations", body)
    assert response.status_code == 422, (body, response.content)
    assert not Evaluation.objects.exists()


def test_an_evaluation_link_is_shown_once_and_can_be_revoked(owner, room, client, mailoutbox):
    pk = room["partnership"].pk
    response = owner.post(
        f"/partnerships/{pk}/evaluation-links",
        {"organisation": room["theirs"].pk, "person": room["maria"].pk, "days": 7},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    link = created["link"]
    assert "/evaluate/" in link
    assert created["state"] == "open" and created["email"] == "maria@hyn.example"
    assert created["person"]["name"] == "Maria Papadopoulou"
    invite = EvaluationInvite.objects.get(pk=created["id"])
    token = urlparse(link).path.rstrip("/").rsplit("/", 1)[-1]
    assert token not in invite.token_hash and invite.token_hash

    # Never again: not in the list, not in the revoke answer.
    listing = owner.get(f"/partnerships/{pk}/evaluation-links")
    assert token not in listing.content.decode()
    items = listing.json()["items"]
    assert [i["id"] for i in items] == [created["id"]] and "link" not in items[0]
    assert [
        i["id"]
        for i in owner.get(f"/partnerships/{pk}/evaluation-links", {"state": "open"}).json()[
            "items"
        ]
    ] == [created["id"]]

    assert client.get(urlparse(link).path).status_code == 200
    response = owner.post(f"/evaluation-links/{created['id']}/revoke")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "revoked" and response.json()["revoked_at"]
    assert token not in response.content.decode()
    assert client.get(urlparse(link).path).status_code == 410
    again = owner.post(f"/evaluation-links/{created['id']}/revoke")
    assert again.status_code == 200 and again.json()["state"] == "revoked"
    revoked = owner.get(f"/partnerships/{pk}/evaluation-links", {"state": "revoked"}).json()
    assert [i["id"] for i in revoked["items"]] == [created["id"]]

    # A link without an email, to pass on by hand.
    response = owner.post(f"/partnerships/{pk}/evaluation-links", {"organisation": room["ours"].pk})
    assert response.status_code == 201 and response.json()["email"] == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (lambda r: {"organisation": r["outside"].pk}, "organisation"),
        (lambda r: {"organisation": r["theirs"].pk, "person": r["ivan"].pk}, "person"),
        (lambda r: {"organisation": r["theirs"].pk, "email": "not an address"}, "email"),
        (lambda r: {"organisation": r["theirs"].pk, "days": 0}, "days"),
        (lambda r: {"organisation": r["theirs"].pk, "days": 91}, "days"),
        (lambda r: {"organisation": r["theirs"].pk, "days": "7"}, "days"),
        (lambda r: {"organisation": 10**6}, "organisation"),
        (lambda r: {}, "organisation"),
    ],
)
def test_a_bad_evaluation_link_is_422(owner, room, body, field):
    response = owner.post(f"/partnerships/{room['partnership'].pk}/evaluation-links", body(room))
    assert response.status_code == 422, response.content
    assert field in _errors(response)
    assert not EvaluationInvite.objects.exists()


def test_the_results_compare_the_sides(owner, viewer, room, alice):
    pk = room["partnership"].pk
    empty = viewer.get(f"/partnerships/{pk}/evaluation-results").json()
    assert empty["count"] == 0 and empty["summary"] == ["No evaluations yet."]

    owner.post(
        f"/partnerships/{pk}/evaluations",
        {
            "answers": {"created": "We found each other on social media."},
            "ratings": {"goals_met": 4, "communication": 4, "would_partner_again": 4},
        },
    )
    created = owner.post(
        f"/partnerships/{pk}/evaluation-links", {"organisation": room["theirs"].pk}
    ).json()
    token = urlparse(created["link"]).path.rstrip("/").rsplit("/", 1)[-1]
    evaluations.evaluation_submit_by_partner(
        invite=evaluations.invite_for_token(token),
        answers={"created": "Through a webinar series."},
        ratings={"goals_met": 4, "communication": 2, "would_partner_again": 2},
        respondent_name="Мария",
    )
    used = owner.get(f"/partnerships/{pk}/evaluation-links").json()["items"][0]
    assert used["state"] == "used" and used["evaluation"]

    response = viewer.get(f"/partnerships/{pk}/evaluation-results")
    assert response.status_code == 200, response.content
    results = response.json()
    assert results["count"] == 2
    assert [s["label"] for s in results["sides"]] == [
        "Us",
        "Фондация Свръзка",
        "Hellenic Youth Network",
    ]
    assert results["sides"][0]["organisation"] is None
    assert results["sides"][2]["organisation"]["id"] == room["theirs"].pk
    assert len(results["sides"][2]["evaluations"]) == 1
    communication = next(r for r in results["ratings"] if r["key"] == "communication")
    assert communication["averages"] == [4, None, 2] and communication["average"] == 3
    assert communication["name"] == "communication"
    created_q = next(q for q in results["questions"] if q["key"] == "created")
    assert created_q["text"] == "How was the partnership created?"
    assert [[a["text"] for a in side] for side in created_q["answers"]] == [
        ["We found each other on social media."],
        [],
        ["Through a webinar series."],
    ]
    assert created_q["answers"][2][0]["respondent"] == "Мария"
    summary = " ".join(results["summary"])
    assert (
        "The sides differ most on communication: we rated 4, Hellenic Youth Network rated 2."
        in summary
    )
    assert "Hellenic Youth Network would rather not partner again (2 of 5)." in summary
    partners = owner.get(f"/partnerships/{pk}/evaluations", {"side": "partners"}).json()
    assert [e["organisation"]["name"] for e in partners["items"]] == ["Hellenic Youth Network"]
    assert partners["items"][0]["side"] == "partner"


# --- rights and walls -----------------------------------------------------------------------


def test_a_viewer_reads_but_cannot_write(viewer, agreement, room, alice):
    signatory = agreements.signatory_add(agreement=agreement, actor=alice, person=room["ivan"])
    invite, _link = evaluations.evaluation_invite_create(
        partnership=room["partnership"], actor=alice, organisation=room["theirs"]
    )
    pk, a = room["partnership"].pk, agreement.pk
    for path in (
        f"/partnerships/{pk}/agreements",
        f"/agreements/{a}",
        f"/agreements/{a}/versions",
        f"/agreements/{a}/versions/1",
        f"/agreements/{a}/signatories",
        f"/agreements/{a}/document.docx",
        f"/partnerships/{pk}/evaluations",
        f"/partnerships/{pk}/evaluation-results",
        f"/partnerships/{pk}/evaluation-links",
    ):
        assert viewer.get(path).status_code == 200, path
    writes = [
        ("post", f"/partnerships/{pk}/agreements", {}),
        ("patch", f"/agreements/{a}", {"status": "sent"}),
        ("post", f"/agreements/{a}/versions", {"base_version": 1, "benefits": "x"}),
        ("post", f"/agreements/{a}/signatories", {"person": room["maria"].pk}),
        ("post", f"/partnerships/{pk}/evaluations", {"ratings": {"goals_met": 3}}),
        ("post", f"/partnerships/{pk}/evaluation-links", {"organisation": room["theirs"].pk}),
        ("post", f"/evaluation-links/{invite.pk}/revoke", None),
    ]
    for method, path, body in writes:
        response = getattr(viewer, method)(path, body)
        assert response.status_code == 403, (method, path)
        assert response.json()["detail"]
    assert viewer.delete(f"/signatories/{signatory.pk}").status_code == 403
    agreement.refresh_from_db()
    assert agreement.status == "draft" and agreement.versions.count() == 1
    assert Agreement.objects.count() == 1 and Signatory.objects.count() == 1
    assert not Evaluation.objects.exists() and EvaluationInvite.objects.count() == 1
    invite.refresh_from_db()
    assert invite.revoked_at is None


def test_an_outsider_gets_404_for_every_id(outsider, agreement, room, alice):
    signatory = agreements.signatory_add(agreement=agreement, actor=alice, person=room["ivan"])
    evaluation = evaluations.evaluation_submit_ours(
        partnership=room["partnership"], actor=alice, answers={"created": "x"}, ratings={}
    )
    invite, _link = evaluations.evaluation_invite_create(
        partnership=room["partnership"], actor=alice, organisation=room["theirs"]
    )
    pk, a = room["partnership"].pk, agreement.pk
    reads = [
        f"/partnerships/{pk}/agreements",
        f"/agreements/{a}",
        f"/agreements/{a}/versions",
        f"/agreements/{a}/versions/1",
        f"/agreements/{a}/signatories",
        f"/agreements/{a}/document.pdf",
        f"/agreements/{a}/document.docx",
        f"/agreements/{a}/scan",
        f"/partnerships/{pk}/evaluations",
        f"/evaluations/{evaluation.pk}",
        f"/partnerships/{pk}/evaluation-results",
        f"/partnerships/{pk}/evaluation-links",
    ]
    for path in reads:
        response = outsider.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}
    writes = [
        ("post", f"/partnerships/{pk}/agreements", {}),
        ("patch", f"/agreements/{a}", {"status": "sent"}),
        ("post", f"/agreements/{a}/versions", {"base_version": 1, "benefits": "x"}),
        ("post", f"/agreements/{a}/signatories", {"person": room["maria"].pk}),
        ("post", f"/partnerships/{pk}/evaluations", {"ratings": {"goals_met": 3}}),
        ("post", f"/partnerships/{pk}/evaluation-links", {"organisation": room["theirs"].pk}),
        ("post", f"/evaluation-links/{invite.pk}/revoke", None),
    ]
    for method, path, body in writes:
        assert getattr(outsider, method)(path, body).status_code == 404, (method, path)
    assert outsider.delete(f"/signatories/{signatory.pk}").status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == "draft" and agreement.versions.count() == 1
    assert Signatory.objects.filter(pk=signatory.pk).exists()
    invite.refresh_from_db()
    assert invite.revoked_at is None


def test_ids_of_another_workspace_in_a_body_are_422(owner, agreement, other_workspace, oscar):
    theirs = contacts.organisation_create(
        workspace=other_workspace, actor=oscar, data={"name": "O"}
    )
    person = _person(other_workspace, oscar, "Oscar", "Own", theirs)
    response = owner.post(f"/agreements/{agreement.pk}/signatories", {"person": person.pk})
    assert response.status_code == 422 and "person" in _errors(response)
    response = owner.post(
        f"/partnerships/{agreement.partnership_id}/evaluation-links", {"organisation": theirs.pk}
    )
    assert response.status_code == 422 and "organisation" in _errors(response)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/agreements/{a}/versions", {}),
        ("post", "/agreements/{a}/versions", {"base_version": "1"}),
        ("post", "/agreements/{a}/versions", {"base_version": 0}),
        ("post", "/agreements/{a}/versions", {"base_version": 2**70}),
        ("post", "/agreements/{a}/versions", {"base_version": 1, "responsibilities": ["x"]}),
        ("post", "/agreements/{a}/versions", {"base_version": 1, "note": "n" * 301}),
        ("post", "/agreements/{a}/versions", {"base_version": 1, "period": "a\x00"}),
        ("post", "/agreements/{a}/versions", {"base_version": 1, "extra": 1}),
        ("patch", "/agreements/{a}", {"status": "lost"}),
        ("patch", "/agreements/{a}", {"status": None}),
        ("patch", "/agreements/{a}", {"remind_days_before": 10**30}),
        ("patch", "/agreements/{a}", {"start_date": 1700000000}),
        ("patch", "/agreements/{a}", {"title": "x" * 201}),
        ("patch", "/agreements/{a}", {"version": 3}),
        ("post", "/agreements/{a}/signatories", {"person": "many"}),
        ("post", "/agreements/{a}/signatories", {"person": 2**63}),
        ("post", "/partnerships/{p}/agreements", {"title": ""}),
        ("post", "/partnerships/{p}/agreements", {"remind_days_before": -1}),
        ("get", "/agreements/{a}/versions/0", None),
        ("get", "/agreements/{a}/versions/99999999999", None),
        ("get", "/partnerships/{p}/evaluation-links?state=lost", None),
        ("get", "/partnerships/{p}/evaluations?limit=0", None),
    ],
)
def test_bad_input_is_4xx_never_5xx(owner, agreement, method, path, body):
    path = path.format(a=agreement.pk, p=agreement.partnership_id)
    response = owner.get(path) if method == "get" else getattr(owner, method)(path, body)
    assert 400 <= response.status_code < 500, (path, body, response.status_code)
    assert response.status_code in (404, 422), response.content
    agreement.refresh_from_db()
    assert agreement.status == "draft" and agreement.versions.count() == 1
