"""Partner recommendations: a known ranking by construction, no look into the future, never
the coordinator, reasons in words (also in Bulgarian), an index that follows the data; the
command's answers and its refusals; the page built on them."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext

from svrazka.network import recommend
from svrazka.partnerships.models import (
    Evaluation,
    JointProject,
    Partnership,
    PartnershipPartner,
    ProjectParticipant,
)
from svrazka.touchpoints.models import Health
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
    # Two projects with the coordinator, then one, then the partners' partner in the theme.
    assert order[:3] == [history["repeat"].pk, history["once"].pk, history["theme_expert"].pk]
    assert history["coordinator"].pk not in order
    assert history["future"].pk not in order  # its only project starts in 2022
    assert order.index(history["theme_expert"].pk) < order.index(history["stranger"].pk)
    # Asked as of 2017, the 2017 repeat (and the 2018 theme project) do not count yet:
    # `repeat` and `once` tie on their one 2015 project.
    early = recommend.recommend(workspace, coordinator=history["coordinator"], theme="SC5",
                                start_year=2017)  # fmt: skip
    scores = {c.organisation_id: c.score for c in early}
    assert scores[history["repeat"].pk] == pytest.approx(scores[history["once"].pk])
    reasons = {c.organisation_id: c.reasons for c in early}
    assert "Worked with the coordinator on 1 project." in reasons[history["repeat"].pk]
    assert "2 projects in this theme." in reasons[history["theme_expert"].pk]  # 2014, 2016 …
    # … and before 2014 it had none: no record at all, so not a candidate.
    assert history["theme_expert"].pk not in ranked(workspace, history, theme="SC5",
                                                    start_year=2014)  # fmt: skip


def test_the_coordinator_is_never_ranked(workspace, history):
    for theme in ("SC5", "HEALTH", ""):
        for year in (None, 2016, 2030):
            order = ranked(workspace, history, coordinator=history["coordinator"], theme=theme,
                           start_year=year, limit=100)  # fmt: skip
            assert history["coordinator"].pk not in order


def test_without_a_coordinator_theme_experience_leads(workspace, history):
    order = ranked(workspace, history, theme="SC5", start_year=2030)
    # Three SC5 projects each and nothing else, then three of four, then two.
    assert set(order[:2]) == {history["theme_expert"].pk, history["coordinator"].pk}
    assert order[2:4] == [history["other"].pk, history["repeat"].pk]
    # A theme in words finds projects by their titles.
    water = make_organisation(workspace, name="water", pic="100000099")
    project(workspace, 2019, "", water, history["stranger"], title="Clean water for towns")
    assert set(ranked(workspace, history, theme="clean water")[:2]) == {
        water.pk,
        history["stranger"].pk,
    }


def test_a_wanted_country_and_type_move_a_candidate_up(workspace, history):
    plain = ranked(workspace, history, theme="HEALTH", start_year=2030)
    assert plain[:2] == [history["stranger"].pk, history["other"].pk]  # all its work in HEALTH
    wanted = ranked(workspace, history, theme="HEALTH", start_year=2030, countries={"IT"})
    assert wanted[:2] == [history["other"].pk, history["stranger"].pk]
    typed = ranked(workspace, history, theme="SC5", organisation_types={"company"})
    assert typed[0] == history["theme_expert"].pk


def test_the_index_follows_the_data(workspace, history):
    before = ranked(workspace, history, coordinator=history["coordinator"], theme="SC5")
    assert history["stranger"].pk not in before[:2]
    for year in (2019, 2020, 2021):  # no forget_all(): the index sees the new rows
        project(workspace, year, "SC5", history["coordinator"], history["stranger"])
    after = ranked(workspace, history, coordinator=history["coordinator"], theme="SC5")
    assert after[0] == history["stranger"].pk


def test_reasons_in_words_and_in_bulgarian(workspace, history, alice):
    partnership = Partnership.objects.create(workspace=workspace, title="Наше")
    PartnershipPartner.objects.create(
        workspace=workspace, partnership=partnership, organisation=history["once"]
    )
    Evaluation.objects.create(
        workspace=workspace, partnership=partnership, organisation=history["once"],
        ratings={"trust": 5, "delivery": 4},
    )  # fmt: skip
    Health.objects.create(
        workspace=workspace, subject="organisation", object_id=history["once"].pk, score=80,
        their_median_reply_hours=5.2, computed_at="2026-01-01T00:00:00Z",
    )  # fmt: skip

    def ask():
        return {
            c.organisation_id: c
            for c in recommend.recommend(
                workspace, coordinator=history["coordinator"], theme="SC5", countries={"GR"}
            )
        }

    cands = ask()
    once = cands[history["once"].pk]
    assert once.name == "once" and once.pic == "100000002"
    assert once.reasons[:2] == [
        "Worked with us on Наше.",
        "Worked with the coordinator on 1 project.",
    ]
    assert "1 project in this theme." in once.reasons
    assert "From a wanted country (GR)." in once.reasons
    assert "Complementary type: NGO next to a coordinator that is School or university." in (
        once.reasons
    )
    assert "Answers quickly: usually within 5 hours." in once.reasons
    assert "Good evaluations (4.5/5)." in once.reasons
    assert "Relationship health 80 of 100 (how they answer and keep in touch)." in once.reasons
    repeat = cands[history["repeat"].pk].reasons
    assert "Worked with the coordinator on 2 projects." in repeat
    assert "Worked with our partner once before." in repeat
    assert "Worked with us on Наше." not in repeat
    # theme_expert never worked with the coordinator nor with its partners.
    expert = cands[history["theme_expert"].pk].reasons
    assert not any(r.startswith(("Worked with", "Two steps")) for r in expert)
    assert "3 projects in this theme." in expert

    with translation.override("bg"):
        bg = ask()
        expected_us = gettext("Worked with us on %(what)s.") % {"what": "Наше"}
    bg_once = bg[history["once"].pk].reasons
    assert "Работил с координатора по 1 проект." in bg_once
    assert "От желана държава (GR)." in bg_once
    assert expected_us in bg_once  # Bulgarian once translated; English until then


def test_two_steps_through_a_partner_of_the_coordinator(workspace, history):
    # `once` (the coordinator's partner) worked with `stranger` in 2016.
    project(workspace, 2016, "HEALTH", history["once"], history["stranger"], title="Bridge")
    cands = {
        c.organisation_id: c.reasons
        for c in recommend.recommend(
            workspace, coordinator=history["coordinator"], theme="SC5", start_year=2020
        )
    }
    assert "Two steps from the coordinator, through once." in cands[history["stranger"].pk]
    order = ranked(workspace, history, coordinator=history["coordinator"], theme="SC5",
                   start_year=2020)  # fmt: skip
    assert order.index(history["stranger"].pk) < order.index(history["other"].pk)


def test_another_workspaces_organisations_never_appear(workspace, history, other_workspace, oscar):
    theirs = make_organisation(other_workspace, oscar, name="Чужда", pic="900000001")
    again = make_organisation(other_workspace, oscar, name="Пак", pic="100000001")  # same PIC
    project(other_workspace, 2015, "SC5", theirs, again)
    order = ranked(workspace, history, theme="SC5")
    order += ranked(workspace, history, coordinator=history["coordinator"], theme="SC5")
    assert theirs.pk not in order and again.pk not in order
    assert set(order) <= {o.pk for o in history.values()}


def write_queries(path, *lines):
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines),
        encoding="utf-8",
    )
    return path


def test_command_answers_with_pics(workspace, history, tmp_path):
    no_pic = make_organisation(workspace, name="no pic", kind="company")
    project(workspace, 2016, "SC5", history["coordinator"], no_pic, title="Small")
    queries = write_queries(
        tmp_path / "q.jsonl",
        {"query_id": "q1", "coordinator": "100000000", "theme": "SC5", "start_year": 2020,
         "country": "BG"},
        "",
        {"query_id": 2, "coordinator": f"o{history['stranger'].pk}", "theme": "x"},
        {"query_id": "q3", "coordinator": "100000000", "theme": "SC5", "start_year": 2016,
         "countries": ["EL"], "types": ["ngo"]},
    )  # fmt: skip
    out = tmp_path / "a.jsonl"
    call_command("recommend_partners", workspace="ngo", queries=str(queries), output=str(out))
    answers = [json.loads(line) for line in out.read_text().splitlines()]
    assert [a["query_id"] for a in answers] == ["q1", 2, "q3"]
    assert answers[0]["ranked"][:3] == ["100000001", f"o{no_pic.pk}", "100000002"]
    assert "100000000" not in answers[0]["ranked"] and "100000004" not in answers[0]["ranked"]
    assert history["stranger"].pic not in answers[1]["ranked"]
    # Before 2016 only the 2015 project counts; EL is CORDIS's code for Greece (GR): `once`.
    assert answers[2]["ranked"][0] == "100000002"
    assert f"o{no_pic.pk}" not in answers[2]["ranked"]
    assert all(len(a["ranked"]) <= 100 for a in answers)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "q.jsonl"]  # no temp file


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "line 2: not JSON"),
        ('{"theme": "SC5"}', "line 2: no query_id"),
        ('{"query_id": 1, "coordinator": "999999999"}', "line 2: no organisation “999999999”"),
        ('{"query_id": 1, "start_year": "soon"}', "line 2: start_year"),
        ('{"query_id": 0}', "line 2: query_id 0 was already asked on line 1"),
        ('{"query_id": 1, "types": ["spaceship"]}', "line 2: unknown organisation type"),
        ('{"query_id": 1, "country": "Bulgaria"}', "line 2: a country is a two-letter code"),
        ("[1, 2]", "line 2: no query_id"),
    ],
)
def test_command_refuses_bad_lines_and_writes_nothing(workspace, history, tmp_path, line, message):
    queries = write_queries(tmp_path / "q.jsonl", '{"query_id": 0, "theme": "SC5"}', line)
    out = tmp_path / "a.jsonl"
    with pytest.raises(CommandError, match=message) as refused:
        call_command("recommend_partners", workspace="ngo", queries=str(queries), output=str(out))
    assert refused.value.returncode == 1  # manage.py: the message on stderr, exit status 1
    assert "nothing was written" in str(refused.value)
    assert not out.exists() and list(tmp_path.iterdir()) == [queries]


def test_command_keeps_an_old_answer_file_when_refusing(workspace, history, tmp_path):
    queries = write_queries(tmp_path / "q.jsonl", '{"query_id": 1, "coordinator": "o999999"}')
    out = tmp_path / "a.jsonl"
    out.write_text("old\n")
    with pytest.raises(CommandError, match="line 1: no organisation “o999999”"):
        call_command("recommend_partners", workspace="ngo", queries=str(queries), output=str(out))
    assert out.read_text() == "old\n"


def test_command_refuses_an_unknown_workspace_or_file(workspace, tmp_path):
    queries = write_queries(tmp_path / "q.jsonl", '{"query_id": 1}')
    with pytest.raises(CommandError, match="No workspace “nope”"):
        call_command("recommend_partners", workspace="nope", queries=str(queries),
                     output=str(tmp_path / "a.jsonl"))  # fmt: skip
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("recommend_partners", workspace="ngo", queries=str(tmp_path / "none"),
                     output=str(tmp_path / "a.jsonl"))  # fmt: skip
    assert not (tmp_path / "a.jsonl").exists()


def test_command_never_answers_with_another_workspaces_organisations(
    workspace, history, other_workspace, oscar, tmp_path
):
    theirs = make_organisation(other_workspace, oscar, name="Чужда", pic="900000001")
    partner = make_organisation(other_workspace, oscar, name="Тяхна", pic="900000002")
    project(other_workspace, 2015, "SC5", theirs, partner)
    queries = write_queries(tmp_path / "q.jsonl", {"query_id": 1, "coordinator": "900000001"})
    with pytest.raises(CommandError, match="line 1: no organisation “900000001”"):
        call_command("recommend_partners", workspace="ngo", queries=str(queries),
                     output=str(tmp_path / "a.jsonl"))  # fmt: skip
    write_queries(queries, {"query_id": 1, "coordinator": "100000000", "theme": "SC5"})
    call_command("recommend_partners", workspace="ngo", queries=str(queries),
                 output=str(tmp_path / "a.jsonl"))  # fmt: skip
    ranked_pics = json.loads((tmp_path / "a.jsonl").read_text())["ranked"]
    assert not {"900000001", "900000002"} & set(ranked_pics)


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
