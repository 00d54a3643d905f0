"""Partner recommendations: a known ranking by construction, no look into the future, never
the coordinator, reasons in words; the command's answers and its refusals."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from svrazka.network import recommend
from svrazka.partnerships.models import (
    Evaluation,
    JointProject,
    Partnership,
    PartnershipPartner,
    ProjectParticipant,
)
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh():
    recommend.forget_all()
    yield
    recommend.forget_all()


def project(ws, year, topics, *members, title="Project"):
    p = JointProject.objects.create(
        workspace=ws, source="cordis", external_id=f"{year}{topics}{len(members)}{title}",
        title=title, topics=topics, start_date=date(year, 3, 1),
    )  # fmt: skip
    for i, org in enumerate(members):
        ProjectParticipant.objects.create(
            workspace=ws,
            project=p,
            organisation=org,
            role="coordinator" if i == 0 else "participant",
        )
    return p


@pytest.fixture
def history(workspace, alice):
    """The coordinator worked twice with `repeat`, once with `once`; `theme_expert` did three
    SC5 projects with others; `future` only appears in 2022; `stranger` in another field."""
    org = {
        name: make_organisation(
            workspace, alice, name=name, pic=str(100000000 + i), country=c, kind=k
        )
        for i, (name, c, k) in enumerate(
            [("coordinator", "BG", "education"), ("repeat", "RO", "ngo"), ("once", "GR", "ngo"),
             ("theme_expert", "BG", "company"), ("future", "DE", "ngo"), ("stranger", "FR", "ngo"),
             ("other", "IT", "ngo")]
        )
    }  # fmt: skip
    project(workspace, 2015, "SC5", org["coordinator"], org["repeat"], org["once"])
    project(workspace, 2017, "SC5", org["coordinator"], org["repeat"])
    for year in (2014, 2016, 2018):
        project(workspace, year, "SC5", org["theme_expert"], org["other"])
    project(workspace, 2016, "HEALTH", org["stranger"], org["other"])
    project(workspace, 2022, "SC5", org["coordinator"], org["future"])
    return org


def ranked(ws, org, **kw):
    return [c.organisation_id for c in recommend.recommend(ws, **kw)]


def test_known_ranking_and_no_leakage(workspace, history):
    order = ranked(workspace, history, coordinator=history["coordinator"], theme="SC5",
                   start_year=2020)  # fmt: skip
    assert order[:2] == [history["repeat"].pk, history["once"].pk]
    assert history["coordinator"].pk not in order
    assert history["future"].pk not in order  # its only project starts in 2022
    assert order.index(history["theme_expert"].pk) < order.index(history["stranger"].pk)
    # Asked as of 2016, the 2017 repeat does not count yet: `repeat` and `once` tie on 2015.
    early = recommend.recommend(workspace, coordinator=history["coordinator"], theme="SC5",
                                start_year=2016)  # fmt: skip
    scores = {c.organisation_id: c.score for c in early}
    assert scores[history["repeat"].pk] == pytest.approx(scores[history["once"].pk], rel=0.2)
    assert history["theme_expert"].pk not in [c.organisation_id for c in early][:1]


def test_without_a_coordinator_theme_experience_leads(workspace, history):
    order = ranked(workspace, history, theme="SC5", start_year=2030)
    assert order[0] in (history["theme_expert"].pk, history["other"].pk)


def test_reasons_in_words_and_in_bulgarian(workspace, history, alice):
    partnership = Partnership.objects.create(workspace=workspace, title="Наше")
    PartnershipPartner.objects.create(
        workspace=workspace, partnership=partnership, organisation=history["once"]
    )
    Evaluation.objects.create(
        workspace=workspace, partnership=partnership, organisation=history["once"],
        ratings={"trust": 5, "delivery": 4},
    )  # fmt: skip
    recommend.forget_all()
    cands = {c.organisation_id: c for c in recommend.recommend(
        workspace, coordinator=history["coordinator"], theme="SC5", countries={"GR"}
    )}  # fmt: skip
    reasons = cands[history["once"].pk].reasons
    assert "Worked with us before." in reasons
    assert "Worked with the coordinator on 1 project." in reasons
    assert "From a wanted country (GR)." in reasons
    assert "Our evaluations: 4.5 of 5." in reasons
    assert "Worked with the coordinator on 2 projects." in cands[history["repeat"].pk].reasons
    with translation.override("bg"):
        bg = recommend.recommend(workspace, coordinator=history["coordinator"], theme="SC5")
    assert any("координатора" in r for c in bg for r in c.reasons)


def test_another_workspaces_organisations_never_appear(workspace, history, other_workspace, oscar):
    theirs = make_organisation(other_workspace, oscar, name="Чужда", pic="900000001")
    project(other_workspace, 2015, "SC5", theirs)
    order = ranked(workspace, history, theme="SC5")
    assert theirs.pk not in order


def test_command_answers_with_pics(workspace, history, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"query_id": "q1", "coordinator": "100000000", "theme": "SC5",
                    "start_year": 2020, "country": "BG"}) + "\n"
        + json.dumps({"query_id": 2, "coordinator": f"o{history['stranger'].pk}", "theme": "x"})
        + "\n",
        encoding="utf-8",
    )  # fmt: skip
    out = tmp_path / "a.jsonl"
    call_command("recommend_partners", workspace="ngo", queries=str(queries), output=str(out))
    answers = [json.loads(line) for line in out.read_text().splitlines()]
    assert answers[0]["query_id"] == "q1" and answers[0]["ranked"][:2] == ["100000001", "100000002"]
    assert "100000000" not in answers[0]["ranked"] and "100000004" not in answers[0]["ranked"]
    assert answers[1]["query_id"] == 2 and history["stranger"].pic not in answers[1]["ranked"]
    assert all(len(a["ranked"]) <= 100 for a in answers)


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "line 2: not JSON"),
        ('{"theme": "SC5"}', "line 2: no query_id"),
        ('{"query_id": 1, "coordinator": "999999999"}', "line 2: no organisation “999999999”"),
        ('{"query_id": 1, "start_year": "soon"}', "line 2: start_year"),
    ],
)
def test_command_refuses_bad_lines_and_writes_nothing(workspace, history, tmp_path, line, message):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"query_id": 0, "theme": "SC5"}\n' + line + "\n", encoding="utf-8")
    out = tmp_path / "a.jsonl"
    with pytest.raises(CommandError, match=message):
        call_command("recommend_partners", workspace="ngo", queries=str(queries), output=str(out))
    assert not out.exists() and list(tmp_path.iterdir()) == [queries]


def test_recommendation_page_ranks_and_explains(alice_client, workspace, history):
    body = alice_client.get(
        f"/w/ngo/network/recommendations/?theme=SC5&coordinator=o{history['coordinator'].pk}"
    ).content.decode()
    assert body.index(">repeat<") < body.index(">once<")
    assert "Worked with the coordinator on 2 projects." in body


def test_recommendations_from_a_partnership_leave_out_its_partners(
    alice_client, workspace, history
):
    partnership = Partnership.objects.create(workspace=workspace, title="SC5 water")
    PartnershipPartner.objects.create(
        workspace=workspace, partnership=partnership, organisation=history["coordinator"],
        role="lead",
    )  # fmt: skip
    PartnershipPartner.objects.create(
        workspace=workspace, partnership=partnership, organisation=history["repeat"]
    )
    body = alice_client.get(
        f"/w/ngo/network/recommendations/?partnership={partnership.pk}&theme=SC5"
    ).content.decode()
    assert ">once<" in body and ">repeat<" not in body
    assert "Add as a partner" in body


def test_recommendations_say_whom_to_ask(alice_client, workspace, alice, history):
    from svrazka.network.models import Relationship
    from svrazka.touchpoints.models import Interaction

    contact = make_person_at(workspace, alice, history["repeat"])
    Relationship.objects.create(
        workspace=workspace, kind="works_at", from_person=contact, to_organisation=history["repeat"]
    )
    from django.utils import timezone

    when = timezone.now()
    talk = Interaction.objects.create(
        workspace=workspace, channel="meeting", direction="out", occurred_at=when
    )
    talk.people.add(contact, through_defaults={"workspace": workspace, "occurred_at": when})
    from svrazka.network import graph

    graph.forget_all()
    body = alice_client.get(
        f"/w/ngo/network/recommendations/?theme=SC5&coordinator=o{history['coordinator'].pk}"
    ).content.decode()
    assert "2 steps away through people we know: ask Вера Връзкова." in body


def make_person_at(workspace, alice, org):
    from tests.factories import make_person

    return make_person(workspace, alice, given_name="Вера", family_name="Връзкова")
