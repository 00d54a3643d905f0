"""Evaluations of partnerships: ours, our partners' through a private link (no account, expires,
works once), the results that compare the sides, and an organisation's track record."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import Client
from django.utils import timezone

from svrazka.accounts.models import hash_secret
from svrazka.contacts.models import PersonEmail
from svrazka.history.models import ChangeRecord
from svrazka.partnerships import evaluations, practice
from svrazka.partnerships import services as partnerships
from svrazka.partnerships.models import Evaluation, EvaluationInvite
from tests.factories import make_organisation, make_person

OUR_ANSWERS = {
    "answer_created": "We found each other on social media.",
    "answer_challenges": "We often waited long for feedback.",
    "rating_goals_met": "4",
    "rating_communication": "4",
    "rating_would_partner_again": "4",
}
THEIR_ANSWERS = {
    "respondent_name": "Мария Иванова",
    "answer_created": "Through a webinar series.",
    "answer_change": "Meet in person at the start.",
    "rating_goals_met": "4",
    "rating_communication": "2",
    "rating_would_partner_again": "2",
}


@pytest.fixture
def partnership(workspace, alice):
    return partnerships.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Joint webinars on psychology"}
    )


@pytest.fixture
def partner(workspace, alice, partnership):
    org = make_organisation(workspace, alice, name="Psy Partners")
    liaison = make_person(
        workspace, alice, given_name="Мария", family_name="Иванова", emails=["maria@psy.example"]
    )
    from svrazka.contacts import services as contacts

    contacts.affiliation_create(
        workspace=workspace, actor=alice, person=liaison, organisation=org, data={}
    )
    partnerships.partner_add(
        partnership=partnership, actor=alice, organisation=org, role="partner", liaison=liaison
    )
    return org


def _invite(partnership, organisation, days=14, **kwargs):
    return evaluations.evaluation_invite_create(
        partnership=partnership, actor=None, organisation=organisation, days=days, **kwargs
    )


def _path(link: str) -> str:
    return urlsplit(link).path


def _visitor(language="en") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language)


# --- our evaluation --------------------------------------------------------------------------


def test_member_saves_our_evaluation_with_answers_and_ratings(bob_client, bob, partnership):
    url = f"/w/ngo/partnerships/{partnership.pk}/evaluations/new/"
    page = bob_client.get(url)
    assert page.status_code == 200
    assert practice.EVALUATION_QUESTIONS[0].text_en in page.content.decode()

    response = bob_client.post(url, OUR_ANSWERS)
    assert response.status_code == 302
    assert response["Location"] == f"/w/ngo/partnerships/{partnership.pk}/evaluations/"
    evaluation = Evaluation.objects.get(partnership=partnership)
    assert evaluation.organisation is None and evaluation.submitted_by == bob
    assert evaluation.answers == {
        "created": "We found each other on social media.",
        "challenges": "We often waited long for feedback.",
    }
    assert evaluation.ratings == {"goals_met": 4, "communication": 4, "would_partner_again": 4}
    record = ChangeRecord.objects.filter(object_id=partnership.pk, actor=bob).latest("id")
    assert "evaluation" in record.changes
    detail = bob_client.get(f"/w/ngo/partnerships/evaluations/{evaluation.pk}/")
    assert detail.status_code == 200 and "waited long for feedback" in detail.content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        (dict(OUR_ANSWERS, rating_communication="7"), "Select a valid choice"),
        (dict(OUR_ANSWERS, rating_communication="four"), "Select a valid choice"),
        ({}, "Answer at least one question"),
        ({"answer_created": "   ", "respondent_name": "Bob"}, "Answer at least one question"),
        (dict(OUR_ANSWERS, answer_change="x" * 5001), "at most 5000"),
    ],
)
def test_bad_evaluation_is_refused_and_saves_nothing(bob_client, partnership, data, message):
    response = bob_client.post(f"/w/ngo/partnerships/{partnership.pk}/evaluations/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Evaluation.objects.exists()


def test_service_refuses_ratings_outside_one_to_five(partnership, alice):
    from django.core.exceptions import ValidationError

    for bad in (0, 6, "3.5", "x"):
        with pytest.raises(ValidationError):
            evaluations.evaluation_submit_ours(
                partnership=partnership, actor=alice, answers={}, ratings={"goals_met": bad}
            )
    assert not Evaluation.objects.exists()


def test_viewer_can_read_but_not_evaluate_or_invite(vera_client, partnership, partner):
    invite, _link = _invite(partnership, partner)
    base = f"/w/ngo/partnerships/{partnership.pk}/evaluations/"
    assert vera_client.get(base).status_code == 200
    for url in (base + "new/", base + "invite/"):
        assert vera_client.get(url).status_code == 403
        assert vera_client.post(url, OUR_ANSWERS).status_code == 403
    revoke = f"/w/ngo/partnerships/evaluation-links/{invite.pk}/revoke/"
    assert vera_client.post(revoke).status_code == 403
    assert not Evaluation.objects.exists()
    invite.refresh_from_db()
    assert invite.is_open


def test_outsider_gets_404_on_every_evaluation_route(oscar_client, alice, partnership, partner):
    evaluation = evaluations.evaluation_submit_ours(
        partnership=partnership, actor=alice, answers={"created": "x"}, ratings={}
    )
    invite, _link = _invite(partnership, partner)
    paths = [
        f"/w/ngo/partnerships/{partnership.pk}/evaluations/",
        f"/w/ngo/partnerships/{partnership.pk}/evaluations/new/",
        f"/w/ngo/partnerships/{partnership.pk}/evaluations/invite/",
        f"/w/ngo/partnerships/evaluations/{evaluation.pk}/",
        f"/w/ngo/partnerships/evaluation-links/{invite.pk}/revoke/",
        # his own workspace's slug with Alice's ids
        f"/w/other/partnerships/{partnership.pk}/evaluations/",
        f"/w/other/partnerships/{partnership.pk}/evaluations/new/",
        f"/w/other/partnerships/{partnership.pk}/evaluations/invite/",
        f"/w/other/partnerships/evaluations/{evaluation.pk}/",
        f"/w/other/partnerships/evaluation-links/{invite.pk}/revoke/",
    ]
    for path in paths:
        assert oscar_client.get(path).status_code in (404, 405), path
        assert oscar_client.post(path, OUR_ANSWERS).status_code == 404, path
    assert Evaluation.objects.count() == 1
    invite.refresh_from_db()
    assert invite.is_open


def test_anonymous_visitors_of_workspace_routes_are_sent_to_sign_in(partnership):
    response = Client().get(f"/w/ngo/partnerships/{partnership.pk}/evaluations/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- private links -------------------------------------------------------------------------


def test_invite_to_their_liaison_emails_a_private_link(
    bob_client, bob, partnership, partner, django_capture_on_commit_callbacks
):
    url = f"/w/ngo/partnerships/{partnership.pk}/evaluations/invite/"
    form = bob_client.get(url)
    assert form.status_code == 200 and "maria@psy.example" in form.content.decode()
    email = PersonEmail.objects.get(email="maria@psy.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_client.post(
            url, {"organisation": partner.pk, "recipient": email.pk, "email": "", "days": "10"}
        )
    assert response.status_code == 200
    invite = EvaluationInvite.objects.get()
    assert invite.organisation == partner and invite.email == "maria@psy.example"
    assert invite.person_id == email.person_id and invite.created_by == bob
    assert timedelta(days=9, hours=23) < invite.expires_at - timezone.now() <= timedelta(days=10)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@psy.example"]
    assert "Joint webinars on psychology" in message.subject
    link = next(line for line in message.body.splitlines() if "/evaluate/" in line)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invite.token_hash == hash_secret(token) and token not in invite.token_hash
    # The link is shown once, right after creation; the room lists the invite without it.
    assert link in response.content.decode()
    room = bob_client.get(f"/w/ngo/partnerships/{partnership.pk}/")
    assert room.status_code == 200
    assert "maria@psy.example" in room.content.decode() and token not in room.content.decode()
    assert (
        "evaluation_invite"
        in ChangeRecord.objects.filter(object_id=partnership.pk).latest("id").changes
    )


def test_invite_by_typed_email_or_as_a_link_only(
    bob_client, partnership, partner, django_capture_on_commit_callbacks
):
    url = f"/w/ngo/partnerships/{partnership.pk}/evaluations/invite/"
    with django_capture_on_commit_callbacks(execute=True):
        typed = bob_client.post(
            url, {"organisation": partner.pk, "email": "board@psy.example", "days": "14"}
        )
        link_only = bob_client.post(url, {"organisation": partner.pk, "days": "14"})
    assert typed.status_code == 200 and link_only.status_code == 200
    assert [m.to for m in mail.outbox] == [["board@psy.example"]]
    assert "/evaluate/" in link_only.content.decode()
    assert EvaluationInvite.objects.count() == 2


@pytest.mark.parametrize(
    "data",
    [
        {"days": "0"},
        {"days": "91"},
        {"days": "14", "email": "not-an-email"},
        {"days": "14", "email": "x@example.org", "recipient": "__liaison__"},
        {"days": "14", "organisation": "__other__"},
    ],
)
def test_bad_invite_is_refused_and_sends_nothing(
    bob_client, workspace, partnership, partner, data, django_capture_on_commit_callbacks
):
    outsider_org = make_organisation(workspace, None, name="Not a partner")
    data = dict({"organisation": partner.pk}, **data)
    if data.get("organisation") == "__other__":
        data["organisation"] = outsider_org.pk
    if data.get("recipient") == "__liaison__":
        data["recipient"] = PersonEmail.objects.get().pk
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_client.post(
            f"/w/ngo/partnerships/{partnership.pk}/evaluations/invite/", data
        )
    assert response.status_code == 400
    assert not EvaluationInvite.objects.exists() and not mail.outbox


def test_public_page_shows_the_form_and_nothing_else_of_the_workspace(
    workspace, partnership, partner
):
    partnership.goals = "Secret internal goals"
    partnership.save()
    _invite_obj, link = _invite(partnership, partner)
    response = _visitor().get(_path(link))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Joint webinars on psychology" in page and "Psy Partners" in page
    for question in practice.EVALUATION_QUESTIONS:
        assert question.text_en in page
    assert workspace.name not in page and "Secret internal goals" not in page
    assert "Иванова" not in page  # nothing from the contacts
    assert 'name="language"' in page  # the language switch of base.html
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response["Cache-Control"]


def test_public_page_follows_the_visitors_language(partnership, partner):
    _invite_obj, link = _invite(partnership, partner)
    page = _visitor("bg").get(_path(link)).content.decode()
    assert practice.EVALUATION_QUESTIONS[0].text_bg in page
    assert practice.EVALUATION_RATINGS[0].text_bg in page
    assert '<html lang="bg">' in page
    assert practice.EVALUATION_QUESTIONS[0].text_en not in page


def test_partner_submits_through_the_link_once(partnership, partner):
    invite, link = _invite(partnership, partner)
    visitor = _visitor()
    response = visitor.post(_path(link), THEIR_ANSWERS)
    assert response.status_code == 302
    thanks = visitor.get(response["Location"])
    assert thanks.status_code == 200 and "Joint webinars on psychology" in thanks.content.decode()

    evaluation = Evaluation.objects.get()
    assert evaluation.organisation == partner and evaluation.submitted_by is None
    assert evaluation.respondent_name == "Мария Иванова"
    assert evaluation.ratings == {"goals_met": 4, "communication": 2, "would_partner_again": 2}
    assert evaluation.answers["change"] == "Meet in person at the start."
    invite.refresh_from_db()
    assert invite.used_at is not None and invite.evaluation == evaluation
    record = ChangeRecord.objects.filter(object_id=partnership.pk).latest("id")
    assert record.actor is None and "Psy Partners" in record.changes["evaluation"][1]

    # The second use: a clear message, the visitor's text given back, nothing stored.
    again = visitor.post(_path(link), dict(THEIR_ANSWERS, answer_created="A second try"))
    assert again.status_code == 410
    assert "already sent" in again.content.decode()
    assert "A second try" in again.content.decode()
    assert visitor.get(_path(link)).status_code == 410
    assert Evaluation.objects.count() == 1


def test_bad_partner_input_is_400_and_keeps_the_link_open(partnership, partner):
    invite, link = _invite(partnership, partner)
    for data in ({}, dict(THEIR_ANSWERS, rating_goals_met="7")):
        response = _visitor().post(_path(link), data)
        assert response.status_code == 400
        assert "Joint webinars on psychology" in response.content.decode()
    invite.refresh_from_db()
    assert invite.is_open and not Evaluation.objects.exists()


def test_two_submissions_with_the_same_link_cannot_both_succeed(partnership, partner):
    invite, _link = _invite(partnership, partner)
    first_view = EvaluationInvite.objects.get(pk=invite.pk)
    second_view = EvaluationInvite.objects.get(pk=invite.pk)  # read before the first commits
    evaluations.evaluation_submit_by_partner(
        invite=first_view, answers={"created": "first"}, ratings={}
    )
    with pytest.raises(evaluations.InviteClosed):
        evaluations.evaluation_submit_by_partner(
            invite=second_view, answers={"created": "second"}, ratings={}
        )
    assert list(Evaluation.objects.values_list("answers", flat=True)) == [{"created": "first"}]


def test_expired_link_is_410(partnership, partner):
    invite, link = _invite(partnership, partner)
    EvaluationInvite.objects.filter(pk=invite.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    visitor = _visitor()
    response = visitor.get(_path(link))
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert visitor.post(_path(link), THEIR_ANSWERS).status_code == 410
    assert not Evaluation.objects.exists()


def test_closed_link_page_is_in_the_visitors_language(partnership, partner):
    invite, link = _invite(partnership, partner)
    EvaluationInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now())
    response = _visitor("bg").get(_path(link))
    assert response.status_code == 410 and '<html lang="bg">' in response.content.decode()


def test_member_withdraws_a_link(bob_client, partnership, partner):
    invite, link = _invite(partnership, partner)
    url = f"/w/ngo/partnerships/evaluation-links/{invite.pk}/revoke/"
    assert bob_client.get(url).status_code == 405
    response = bob_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == f"/w/ngo/partnerships/{partnership.pk}/"
    invite.refresh_from_db()
    assert not invite.is_open and invite.used_at is None
    record = ChangeRecord.objects.filter(object_id=partnership.pk).latest("id")
    assert record.changes["evaluation_invite"][1] is None
    assert _visitor().get(_path(link)).status_code == 410
    assert _visitor().post(_path(link), THEIR_ANSWERS).status_code == 410
    assert not Evaluation.objects.exists()


def test_unknown_token_is_404(db):
    assert _visitor().get("/evaluate/not-a-real-token/").status_code == 404
    assert _visitor().post("/evaluate/not-a-real-token/", THEIR_ANSWERS).status_code == 404
    assert _visitor().get("/evaluate/not-a-real-token/thanks/").status_code == 404


# --- the room, results and track record ------------------------------------------------------


def _both_sides(partnership, partner, alice):
    evaluations.evaluation_submit_ours(
        partnership=partnership,
        actor=alice,
        answers={"created": "We found each other on social media."},
        ratings={"goals_met": 4, "communication": 4, "would_partner_again": 4},
    )
    invite, _link = _invite(partnership, partner)
    evaluations.evaluation_submit_by_partner(
        invite=invite,
        answers={"created": "Through a webinar series."},
        ratings={"goals_met": 4, "communication": 2, "would_partner_again": 2},
        respondent_name="Мария",
    )


def test_results_page_compares_the_sides(alice, vera_client, partnership, partner):
    _both_sides(partnership, partner, alice)
    response = vera_client.get(f"/w/ngo/partnerships/{partnership.pk}/evaluations/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "We found each other on social media." in page
    assert "Through a webinar series." in page
    assert "Psy Partners" in page
    assert "The sides differ most on communication: we rated 4, Psy Partners rated 2." in page
    assert "Psy Partners would rather not partner again (2 of 5)." in page
    results = evaluations.evaluation_results(partnership=partnership, language="en")
    communication = next(r for r in results.ratings if r["key"] == "communication")
    assert communication["cells"] == ["4", "2"] and communication["average"] == "3"


def test_results_page_before_any_evaluation(bob_client, partnership, partner):
    response = bob_client.get(f"/w/ngo/partnerships/{partnership.pk}/evaluations/")
    assert response.status_code == 200
    assert "No evaluations yet." in response.content.decode()


def test_room_card_lists_evaluations_open_links_and_buttons(
    alice, bob_client, vera_client, partnership, partner
):
    _both_sides(partnership, partner, alice)
    open_invite, _link = _invite(partnership, partner, email="board@psy.example")
    page = bob_client.get(f"/w/ngo/partnerships/{partnership.pk}/").content.decode()
    assert "board@psy.example" in page
    assert f"/w/ngo/partnerships/evaluation-links/{open_invite.pk}/revoke/" in page
    assert f"/w/ngo/partnerships/{partnership.pk}/evaluations/invite/" in page
    assert f"/w/ngo/partnerships/{partnership.pk}/evaluations/" in page
    viewer_page = vera_client.get(f"/w/ngo/partnerships/{partnership.pk}/").content.decode()
    assert "/evaluations/invite/" not in viewer_page and "/revoke/" not in viewer_page


def test_track_record_shows_our_average_ratings_and_their_evaluations(
    alice, workspace, partnership, partner, django_assert_max_num_queries
):
    _both_sides(partnership, partner, alice)
    second = partnerships.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Summer school"}
    )
    partnerships.partner_add(partnership=second, actor=alice, organisation=partner, role="lead")
    evaluations.evaluation_submit_ours(
        partnership=second, actor=alice, answers={}, ratings={"goals_met": 5, "communication": 1}
    )
    template = Template("{% load evaluations %}{% track_record organisation %}")
    with django_assert_max_num_queries(2):
        html = template.render(Context({"organisation": partner, "workspace": workspace}))
    assert "2 evaluated partnerships" in html
    assert "Goals met" in html and "4.5" in html  # (4 + 5) / 2
    assert "Communication" in html and "2.5" in html  # (4 + 1) / 2
    assert "Joint webinars on psychology" in html  # their own evaluation
    record = evaluations.organisation_track_record(partner)
    assert record.our_count == 2 and len(record.their_evaluations) == 1
    assert ("communication", "2") in record.their_averages


def test_track_record_of_an_organisation_never_evaluated(workspace):
    org = make_organisation(workspace, None, name="Quiet NGO")
    html = Template("{% load evaluations %}{% track_record organisation %}").render(
        Context({"organisation": org, "workspace": workspace})
    )
    assert "No partnership with this organisation has been evaluated yet." in html
