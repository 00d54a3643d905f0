"""Selection scorecards: weighted criteria for choosing a partner, a sponsor, a supporter or a
facilitator; candidates scored, compared side by side, shortlisted, and the shortlist shown on
a partnership in its "before" phase.

Named users (tests/conftest.py): alice owns "ngo", bob is a member, vera a viewer, oscar owns
"other" and has no access to "ngo".
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from svrazka.contacts.services import EditConflict
from svrazka.history.models import ChangeRecord
from svrazka.partnerships import services as partnerships
from svrazka.scorecards import selectors, services
from svrazka.scorecards.defaults import DEFAULT_SCORECARDS
from svrazka.scorecards.models import Assessment, Criterion, Score, Scorecard, ShortlistLink
from svrazka.scorecards.services import ScoreIn
from tests.factories import make_organisation, make_person


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def card(workspace, alice):
    """Values (weight 3) and track record (weight 1), scored 0–5."""
    return services.scorecard_create(
        workspace=workspace,
        actor=alice,
        data={"name": "Partners for the youth project", "purpose": "partner"},
        criteria=[
            {"name": "Compatibility of values", "weight": 3},
            {"name": "Track record", "weight": 1},
        ],
    )


def _criteria(card) -> tuple[Criterion, Criterion]:
    values, record = card.criteria.order_by("position")
    return values, record


def _score(card, actor, organisation=None, person=None, values=None, record=None):
    v, r = _criteria(card)
    scores = {}
    if values is not None:
        scores[v.pk] = ScoreIn(values)
    if record is not None:
        scores[r.pk] = ScoreIn(record)
    return services.assessment_create(
        scorecard=card, actor=actor, organisation=organisation, person=person, scores=scores
    )


@pytest.fixture
def partnership(workspace, alice):
    return partnerships.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Youth coalition", "form": "coalition"}
    )


# --- the maths ------------------------------------------------------------------------------


def test_the_weighted_total_is_the_weighted_average_to_two_places():
    assert services.weighted_total([(Decimal(3), 5), (Decimal(1), 1)]) == Decimal("4.00")
    assert services.weighted_total([(Decimal(1), 4), (Decimal(2), 5)]) == Decimal("4.67")
    assert services.weighted_total([(Decimal("2.5"), 2), (Decimal("0.5"), 5)]) == Decimal("2.50")
    assert services.weighted_total([(Decimal(1), 0), (Decimal(1), 0)]) == Decimal("0.00")
    assert services.weighted_total([]) is None


def test_a_candidate_total_counts_the_weights(card, workspace, alice):
    org = make_organisation(workspace, alice, name="Сдружение Мост")
    a = _score(card, alice, organisation=org, values=5, record=1)
    assert a.total == Decimal("4.00")  # (3×5 + 1×1) / 4
    assert a.scored_count == 2
    assert a.assessed_by == alice and a.assessed_at is not None
    stored = {s.criterion.name: (s.value, s.note) for s in Score.objects.filter(assessment=a)}
    assert stored == {"Compatibility of values": (5, ""), "Track record": (1, "")}


def test_a_total_counts_only_the_criteria_scored_so_far(card, workspace, alice):
    org = make_organisation(workspace, alice)
    a = _score(card, alice, organisation=org, record=2)
    assert a.total == Decimal("2.00") and a.scored_count == 1
    empty = _score(card, alice, organisation=make_organisation(workspace, alice))
    assert empty.total is None and empty.scored_count == 0


def test_changing_a_weight_recomputes_every_total(card, workspace, alice):
    a = _score(card, alice, organisation=make_organisation(workspace, alice), values=5, record=1)
    values, record = _criteria(card)
    services.criterion_update(criterion=record, actor=alice, data={"weight": "3"})
    a.refresh_from_db()
    assert a.total == Decimal("3.00")  # (3×5 + 3×1) / 6
    card.refresh_from_db()
    assert card.version == 2


def test_deleting_a_criterion_takes_its_scores_and_recomputes(card, workspace, alice):
    a = _score(card, alice, organisation=make_organisation(workspace, alice), values=5, record=1)
    values, record = _criteria(card)
    services.criterion_delete(criterion=values, actor=alice)
    a.refresh_from_db()
    assert a.total == Decimal("1.00") and a.scored_count == 1
    assert not Score.objects.filter(criterion_id=values.pk).exists()


def test_adding_a_criterion_keeps_totals_until_it_is_scored(card, workspace, alice):
    a = _score(card, alice, organisation=make_organisation(workspace, alice), values=4, record=4)
    new = services.criterion_add(scorecard=card, actor=alice, data={"name": "Resources"})
    assert new.weight == 1 and new.position == 2
    a = services.assessment_score(assessment=a, actor=alice, scores={new.pk: ScoreIn(0)})
    assert a.total == Decimal("3.20")  # (3×4 + 1×4 + 1×0) / 5


def test_rescoring_changes_only_the_criteria_sent_and_none_takes_a_score_away(
    card, workspace, alice, bob
):
    a = _score(card, alice, organisation=make_organisation(workspace, alice), values=5, record=1)
    values, record = _criteria(card)
    a = services.assessment_score(
        assessment=a, actor=bob, scores={record.pk: ScoreIn(5, "Delivered twice")}, version=1
    )
    assert a.total == Decimal("5.00") and a.assessed_by == bob and a.version == 2
    assert Score.objects.get(assessment=a, criterion=record).note == "Delivered twice"
    a = services.assessment_score(assessment=a, actor=bob, scores={values.pk: ScoreIn(None)})
    assert a.total == Decimal("5.00") and a.scored_count == 1
    history = ChangeRecord.objects.filter(object_id=a.pk, content_type__model="assessment")
    assert history.count() == 3


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        (0, "A weight must be more than zero."),
        (-1, "A weight must be more than zero."),
        ("0,00", "A weight must be more than zero."),
        ("abc", "A weight must be a number, such as 1 or 2.5."),
        (True, "A weight must be a number, such as 1 or 2.5."),
        ("NaN", "A weight must be a number, such as 1 or 2.5."),
        (101, "A weight can be at most 100."),
        ("1.005", "A weight can have at most two decimal places."),
    ],
)
def test_a_bad_weight_is_refused_with_a_clear_message(card, alice, weight, message):
    values, _record = _criteria(card)
    with pytest.raises(ValidationError) as e:
        services.criterion_update(criterion=values, actor=alice, data={"weight": weight})
    assert e.value.message_dict == {"weight": [message]}
    values.refresh_from_db()
    card.refresh_from_db()
    assert values.weight == 3 and card.version == 1
    with pytest.raises(ValidationError):
        services.criterion_add(scorecard=card, actor=alice, data={"name": "X", "weight": weight})
    assert card.criteria.count() == 2


def test_a_weight_with_a_comma_is_read_as_a_decimal(card, alice):
    values, _record = _criteria(card)
    services.criterion_update(criterion=values, actor=alice, data={"weight": "2,5"})
    values.refresh_from_db()
    assert values.weight == Decimal("2.5")


@pytest.mark.parametrize("value", [6, -1, 100, True, "3", 2.5])
def test_a_score_out_of_range_is_refused_and_nothing_is_saved(card, workspace, alice, value):
    org = make_organisation(workspace, alice)
    values, record = _criteria(card)
    with pytest.raises(ValidationError) as e:
        services.assessment_create(
            scorecard=card,
            actor=alice,
            organisation=org,
            scores={record.pk: ScoreIn(4), values.pk: ScoreIn(value)},
        )
    assert e.value.message_dict == {
        "scores": ["“Compatibility of values”: a score must be a whole number from 0 to 5."]
    }
    assert not Assessment.objects.exists() and not Score.objects.exists()


def test_zero_is_out_of_range_on_a_one_to_five_scorecard(workspace, alice):
    card = services.scorecard_create(
        workspace=workspace,
        actor=alice,
        data={"name": "Sponsors", "purpose": "sponsor", "min_score": 1},
        criteria=[{"name": "Fit", "weight": 1}],
    )
    (fit,) = card.criteria.all()
    with pytest.raises(ValidationError) as e:
        services.assessment_create(
            scorecard=card,
            actor=alice,
            organisation=make_organisation(workspace, alice),
            scores={fit.pk: ScoreIn(0)},
        )
    assert "from 1 to 5" in e.value.messages[0]


def test_the_scale_cannot_start_at_one_while_scores_of_zero_exist(card, workspace, alice):
    _score(card, alice, organisation=make_organisation(workspace, alice), values=0)
    with pytest.raises(ValidationError) as e:
        services.scorecard_update(scorecard=card, actor=alice, data={"min_score": 1}, version=1)
    assert "min_score" in e.value.message_dict
    card.refresh_from_db()
    assert card.min_score == 0 and card.version == 1


def test_a_rescoring_with_one_bad_score_changes_nothing(card, workspace, alice):
    a = _score(card, alice, organisation=make_organisation(workspace, alice), values=5, record=1)
    values, record = _criteria(card)
    with pytest.raises(ValidationError):
        services.assessment_score(
            assessment=a, actor=alice, scores={values.pk: ScoreIn(2), record.pk: ScoreIn(9)}
        )
    a.refresh_from_db()
    assert a.total == Decimal("4.00") and a.version == 1
    assert Score.objects.get(assessment=a, criterion=values).value == 5


def test_a_criterion_of_another_scorecard_is_refused(card, workspace, alice):
    other = services.scorecard_create(
        workspace=workspace, actor=alice, data={"name": "Other"}, criteria=[{"name": "Fit"}]
    )
    with pytest.raises(ValidationError) as e:
        services.assessment_create(
            scorecard=card,
            actor=alice,
            organisation=make_organisation(workspace, alice),
            scores={other.criteria.get().pk: ScoreIn(3)},
        )
    assert "Unknown criterion for this scorecard" in e.value.messages[0]


def test_a_candidate_of_another_workspace_is_refused(card, alice, other_workspace, oscar):
    theirs = make_organisation(other_workspace, oscar, name="Чужда фондация")
    with pytest.raises(ValidationError) as e:
        _score(card, alice, organisation=theirs, values=3)
    assert e.value.message_dict == {"organisation": ["Choose an organisation of this workspace."]}
    person = make_person(other_workspace, oscar)
    with pytest.raises(ValidationError) as e:
        _score(card, alice, person=person, values=3)
    assert e.value.message_dict == {"person": ["Choose a person of this workspace."]}
    assert not Assessment.objects.exists()


def test_a_candidate_is_an_organisation_or_a_person_not_both_nor_neither(card, workspace, alice):
    org, person = make_organisation(workspace, alice), make_person(workspace, alice)
    for kwargs in ({}, {"organisation": org, "person": person}):
        with pytest.raises(ValidationError) as e:
            services.assessment_create(scorecard=card, actor=alice, **kwargs)
        assert e.value.messages == ["Choose an organisation or a person to score."]


def test_the_same_candidate_twice_on_a_scorecard_is_refused(card, workspace, alice):
    org = make_organisation(workspace, alice, name="Фондация Тест")
    person = make_person(workspace, alice, given_name="Иван", family_name="Петров")
    _score(card, alice, organisation=org, values=3)
    _score(card, alice, person=person, values=3)
    with pytest.raises(ValidationError) as e:
        _score(card, alice, organisation=org, values=4)
    assert e.value.message_dict == {
        "organisation": ["Фондация Тест is already a candidate on this scorecard."]
    }
    with pytest.raises(ValidationError) as e:
        _score(card, alice, person=person)
    assert "Иван Петров is already a candidate" in e.value.messages[0]
    assert Assessment.objects.count() == 2


def test_a_stale_version_is_an_edit_conflict_and_changes_nothing(card, workspace, alice, bob):
    services.scorecard_update(scorecard=card, actor=bob, data={"description": "Bob's"}, version=1)
    with pytest.raises(EditConflict) as e:
        services.scorecard_update(scorecard=card, actor=alice, data={"name": "Mine"}, version=1)
    assert e.value.current.version == 2
    with pytest.raises(EditConflict):
        services.criterion_add(scorecard=card, actor=alice, data={"name": "New"}, version=1)
    with pytest.raises(EditConflict):
        services.criteria_save(scorecard=card, actor=alice, rows=[], version=1)
    card.refresh_from_db()
    assert card.name == "Partners for the youth project" and card.criteria.count() == 2
    a = _score(card, alice, organisation=make_organisation(workspace, alice), values=1)
    services.assessment_score(assessment=a, actor=bob, scores={}, note="Bob's view", version=1)
    with pytest.raises(EditConflict):
        services.assessment_score(assessment=a, actor=alice, scores={}, note="Mine", version=1)
    a.refresh_from_db()
    assert a.note == "Bob's view"


def test_names_must_be_given_and_unique(card, workspace, alice):
    with pytest.raises(ValidationError) as e:
        services.scorecard_create(
            workspace=workspace, actor=alice, data={"name": "partners for the YOUTH project"}
        )
    assert e.value.message_dict == {"name": ["A scorecard with this name already exists."]}
    with pytest.raises(ValidationError) as e:
        services.scorecard_create(workspace=workspace, actor=alice, data={"name": "  "})
    assert e.value.message_dict == {"name": ["Give the scorecard a name."]}
    with pytest.raises(ValidationError) as e:
        services.criterion_add(scorecard=card, actor=alice, data={"name": "track RECORD"})
    assert "already has a criterion named" in e.value.messages[0]
    with pytest.raises(ValidationError) as e:
        services.scorecard_create(workspace=workspace, actor=alice, data={"name": "<b>x</b>"})
    assert "name" in e.value.message_dict


def test_the_criteria_list_saves_renames_reorders_adds_and_deletes_at_once(card, workspace, alice):
    a = _score(card, alice, organisation=make_organisation(workspace, alice), values=5, record=1)
    values, record = _criteria(card)
    services.criteria_save(
        scorecard=card,
        actor=alice,
        version=1,
        rows=[
            # Swapping names between two rows is fine.
            {"id": record.pk, "name": "Compatibility of values", "weight": "1"},
            {"id": values.pk, "name": "Track record", "weight": "1"},
            {"id": None, "name": "Complementary resources", "guidance": "What they bring"},
            {"id": None, "name": ""},
        ],
    )
    names = list(card.criteria.order_by("position").values_list("name", "weight"))
    assert names == [
        ("Compatibility of values", Decimal("1.00")),
        ("Track record", Decimal("1.00")),
        ("Complementary resources", Decimal("1.00")),
    ]
    a.refresh_from_db()
    assert a.total == Decimal("3.00")
    services.criteria_save(
        scorecard=card, actor=alice, version=2, rows=[{"id": values.pk, "delete": True}]
    )
    a.refresh_from_db()
    # Scores belong to the criterion (its id), not to its name: 5 went with the deleted row.
    assert card.criteria.count() == 2 and a.total == Decimal("1.00")
    with pytest.raises(ValidationError) as e:
        services.criteria_save(
            scorecard=card, actor=alice, version=3, rows=[{"name": "A"}, {"name": "a"}]
        )
    assert e.value.messages == ["Two criteria are named “a”."]
    assert card.criteria.count() == 2


# --- defaults -------------------------------------------------------------------------------


def test_the_decks_defaults_are_created_once_with_their_criteria(workspace, alice):
    created = services.create_default_scorecards(workspace=workspace, actor=alice)
    assert [s.purpose for s in created] == ["partner", "sponsor", "supporter", "facilitator"]
    by_key = {s.default_key: s for s in created}
    criteria = {
        key: list(s.criteria.order_by("position").values_list("name", flat=True))
        for key, s in by_key.items()
    }
    assert criteria["partner"][:3] == [
        "Compatibility of values",
        "Methods of operation",
        "Relations with third parties",
    ]
    assert criteria["sponsor"] == [
        "Fit between the company and the NGO",
        "Previous activity and partnerships",
    ]
    assert criteria["supporter"] == [
        "Image and influence among stakeholders",
        "Fit with the mission and with the organisation",
        "Biography related to the cause",
    ]
    assert "Neutrality and the trust of both sides" in criteria["facilitator"]
    assert all(c.weight > 0 for c in Criterion.objects.all())
    assert services.create_default_scorecards(workspace=workspace, actor=alice) == []
    by_key["sponsor"].delete()
    again = services.create_default_scorecards(workspace=workspace, actor=alice)
    assert [s.default_key for s in again] == ["sponsor"]


def test_defaults_do_not_clash_with_a_scorecard_of_the_same_name(workspace, alice):
    services.scorecard_create(workspace=workspace, actor=alice, data={"name": "Partner selection"})
    created = services.create_default_scorecards(workspace=workspace, actor=alice)
    assert "Partner selection (partner)" in [s.name for s in created]


def test_defaults_store_plain_text_in_the_language_of_their_creator(workspace, alice):
    from django.utils import translation

    with translation.override("bg"):
        created = services.create_default_scorecards(workspace=workspace, actor=alice)
        expected = str(DEFAULT_SCORECARDS[0].name)
    stored = Scorecard.objects.get(pk=created[0].pk)
    assert stored.name == expected and type(stored.name) is str


# --- comparison, ranks and the shortlist ----------------------------------------------------


def test_ranks_share_places_for_equal_totals():
    assert selectors.ranks([Decimal(5), Decimal(4), Decimal(4), Decimal(3), None]) == [
        1,
        2,
        2,
        4,
        None,
    ]


def test_the_comparison_ranks_the_best_first_in_three_queries(
    card, workspace, alice, django_assert_num_queries
):
    low = _score(card, alice, organisation=make_organisation(workspace, alice, name="Б"), values=1)
    high = _score(card, alice, person=make_person(workspace, alice), values=5, record=5)
    none = _score(card, alice, organisation=make_organisation(workspace, alice, name="А"))
    with django_assert_num_queries(3):
        table = selectors.comparison(card)
        [row.assessment.candidate_name for row in table.rows]
    assert [r.assessment.pk for r in table.rows] == [high.pk, low.pk, none.pk]
    assert [r.rank for r in table.rows] == [1, 2, None]
    assert [s.value if s else None for s in table.rows[1].scores] == [1, None]
    assert table.rows[0].complete and not table.rows[1].complete


def test_shortlist_for_a_partnership_lists_the_shortlisted_with_their_rank(
    card, workspace, alice, partnership, django_assert_num_queries
):
    best = _score(card, alice, organisation=make_organisation(workspace, alice), values=5)
    second = _score(card, alice, organisation=make_organisation(workspace, alice), values=4)
    third = _score(card, alice, organisation=make_organisation(workspace, alice), values=3)
    for a in (third, second):
        services.assessment_shortlist(assessment=a, actor=alice, shortlisted=True)
    assert selectors.shortlist_for(partnership) == []
    services.shortlist_attach(scorecard=card, partnership=partnership, actor=alice)
    with django_assert_num_queries(3):
        (group,) = selectors.shortlist_for(partnership)
        [row.assessment.candidate_name for row in group.rows]
    assert group.scorecard == card
    assert [(r.assessment.pk, r.rank) for r in group.rows] == [(second.pk, 2), (third.pk, 3)]
    assert best.pk not in [r.assessment.pk for r in group.rows]


def test_a_shortlist_is_attached_once_and_only_within_the_workspace(
    card, alice, partnership, other_workspace, oscar
):
    services.shortlist_attach(scorecard=card, partnership=partnership, actor=alice)
    with pytest.raises(ValidationError) as e:
        services.shortlist_attach(scorecard=card, partnership=partnership, actor=alice)
    assert "already attached" in e.value.messages[0]
    theirs = partnerships.partnership_create(
        workspace=other_workspace, actor=oscar, data={"title": "Theirs"}
    )
    with pytest.raises(ValidationError) as e:
        services.shortlist_attach(scorecard=card, partnership=theirs, actor=alice)
    assert e.value.message_dict == {"partnership": ["Choose a partnership of this workspace."]}
    services.shortlist_detach(scorecard=card, partnership=partnership, actor=alice)
    assert not ShortlistLink.objects.exists()


def test_copying_a_scorecard_copies_its_criteria_not_its_candidates(card, workspace, alice):
    _score(card, alice, organisation=make_organisation(workspace, alice), values=5)
    copy = services.scorecard_copy(scorecard=card, actor=alice, name="Partners 2028")
    assert list(copy.criteria.values_list("name", "weight")) == list(
        card.criteria.values_list("name", "weight")
    )
    assert copy.assessments.count() == 0


# --- the pages ------------------------------------------------------------------------------


def test_the_first_visit_of_the_list_creates_the_defaults_once(bob_client, workspace):
    response = bob_client.get("/w/ngo/scorecards/")
    assert response.status_code == 200
    assert Scorecard.objects.filter(workspace=workspace).count() == 4
    page = response.content.decode()
    assert "Partner selection" in page and "Facilitator selection" in page
    assert "Create the default scorecards" not in page  # none missing
    Scorecard.objects.filter(workspace=workspace).delete()
    page = bob_client.get("/w/ngo/scorecards/").content.decode()
    assert not Scorecard.objects.filter(workspace=workspace).exists()
    assert "Create the default scorecards" in page


def test_a_viewers_visit_creates_nothing(vera_client, workspace):
    response = vera_client.get("/w/ngo/scorecards/")
    assert response.status_code == 200
    assert not Scorecard.objects.filter(workspace=workspace).exists()
    assert "Create the default scorecards" not in response.content.decode()


def test_the_button_creates_the_missing_defaults(bob_client, workspace, alice):
    services.seed_default_scorecards(workspace=workspace, actor=alice)
    Scorecard.objects.filter(default_key="supporter").delete()
    response = bob_client.post("/w/ngo/scorecards/defaults/")
    assert response.status_code == 302
    assert set(Scorecard.objects.values_list("default_key", flat=True)) == {
        "partner",
        "sponsor",
        "supporter",
        "facilitator",
    }
    assert bob_client.get("/w/ngo/scorecards/defaults/").status_code == 405


def test_a_member_creates_a_scorecard_and_edits_its_criteria_and_weights(bob_client, workspace):
    response = bob_client.post(
        "/w/ngo/scorecards/new/",
        {"name": "Media partners", "purpose": "partner", "min_score": "1", "description": ""},
    )
    assert response.status_code == 302
    card = Scorecard.objects.get(workspace=workspace, name="Media partners")
    assert response["Location"] == f"/w/ngo/scorecards/{card.pk}/edit/"
    assert bob_client.get(response["Location"]).status_code == 200
    form = {
        "name": "Media partners",
        "purpose": "partner",
        "min_score": "1",
        "description": "",
        "version": "1",
        "criteria-TOTAL_FORMS": "3",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-name": "Reach",
        "criteria-0-weight": "2,5",
        "criteria-0-ORDER": "2",
        "criteria-1-name": "Values",
        "criteria-1-weight": "3",
        "criteria-1-ORDER": "1",
        "criteria-2-name": "",
    }
    response = bob_client.post(f"/w/ngo/scorecards/{card.pk}/edit/", form)
    assert response.status_code == 302
    assert list(card.criteria.order_by("position").values_list("name", "weight")) == [
        ("Values", Decimal("3.00")),
        ("Reach", Decimal("2.50")),
    ]
    # The same form again, now stale: 409, nothing changes.
    form["criteria-0-weight"] = "9"
    response = bob_client.post(f"/w/ngo/scorecards/{card.pk}/edit/", form)
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    assert card.criteria.get(name="Reach").weight == Decimal("2.50")


def test_a_zero_weight_on_the_page_says_what_is_wrong(bob_client, card):
    values, record = _criteria(card)
    response = bob_client.post(
        f"/w/ngo/scorecards/{card.pk}/edit/",
        {
            "name": card.name,
            "purpose": "partner",
            "min_score": "0",
            "version": "1",
            "criteria-TOTAL_FORMS": "2",
            "criteria-INITIAL_FORMS": "2",
            "criteria-0-id": values.pk,
            "criteria-0-name": values.name,
            "criteria-0-weight": "0",
            "criteria-1-id": record.pk,
            "criteria-1-name": record.name,
            "criteria-1-weight": "1",
        },
    )
    assert response.status_code == 400
    assert "A weight must be more than zero." in response.content.decode()
    values.refresh_from_db()
    card.refresh_from_db()
    assert values.weight == 3 and card.name == "Partners for the youth project"
    assert card.version == 1


def _post_scores(client, card, kind, candidate, values, record):
    v, r = _criteria(card)
    return client.post(
        f"/w/ngo/scorecards/{card.pk}/candidates/new/",
        {
            "kind": kind,
            "candidate": candidate.pk,
            f"score_{v.pk}": str(values),
            f"note_{v.pk}": "Shares our values",
            f"score_{r.pk}": str(record),
            "note": "Met them at the conference",
        },
    )


def test_score_two_candidates_compare_them_shortlist_and_attach_to_a_partnership(
    bob_client, card, workspace, alice, partnership
):
    org = make_organisation(workspace, alice, name="Фондация Мост")
    person = make_person(workspace, alice, given_name="Мария", family_name="Иванова")
    assert bob_client.get(f"/w/ngo/scorecards/{card.pk}/candidates/new/").status_code == 200
    assert _post_scores(bob_client, card, "organisation", org, 3, 5).status_code == 302
    assert _post_scores(bob_client, card, "person", person, 5, 2).status_code == 302
    maria = Assessment.objects.get(person=person)
    most = Assessment.objects.get(organisation=org)
    assert maria.total == Decimal("4.25") and most.total == Decimal("3.50")
    assert maria.note == "Met them at the conference"

    page = bob_client.get(f"/w/ngo/scorecards/{card.pk}/")
    assert page.status_code == 200
    rows = page.context["table"].rows
    assert [(r.assessment.pk, r.rank) for r in rows] == [(maria.pk, 1), (most.pk, 2)]
    html = page.content.decode()
    table = html[html.index('id="comparison"') :]
    assert table.index("Мария Иванова") < table.index("Фондация Мост")
    assert "4.25" in html and "3.50" in html

    side = bob_client.get(f"/w/ngo/scorecards/{card.pk}/compare/?c={most.pk}&c={maria.pk}")
    assert side.status_code == 200
    assert [r.assessment.pk for r in side.context["table"].rows] == [maria.pk, most.pk]
    assert "Shares our values" in side.content.decode()

    response = bob_client.post(
        f"/w/ngo/scorecards/candidates/{maria.pk}/shortlist/", {"shortlisted": "1"}
    )
    assert response.status_code == 302
    maria.refresh_from_db()
    assert maria.shortlisted
    shortlisted = bob_client.get(f"/w/ngo/scorecards/{card.pk}/?shortlisted=1")
    assert [r.assessment.pk for r in shortlisted.context["table"].rows] == [maria.pk]

    response = bob_client.post(
        f"/w/ngo/scorecards/{card.pk}/attach/", {"partnership": partnership.pk}
    )
    assert response.status_code == 302
    assert ShortlistLink.objects.filter(scorecard=card, partnership=partnership).exists()
    shortlist = selectors.shortlist_for(partnership)
    html = render_to_string(
        "scorecards/_partnership_shortlist.html",
        {"partnership": partnership, "shortlist": shortlist, "workspace": workspace},
    )
    assert "Мария Иванова" in html and "Фондация Мост" not in html
    assert card.name in html and "4.25" in html

    # Taken off the shortlist, she no longer shows on the partnership.
    bob_client.post(f"/w/ngo/scorecards/candidates/{maria.pk}/shortlist/")
    maria.refresh_from_db()
    assert not maria.shortlisted
    html = render_to_string(
        "scorecards/_partnership_shortlist.html",
        {
            "partnership": partnership,
            "shortlist": selectors.shortlist_for(partnership),
            "workspace": workspace,
        },
    )
    assert "Мария Иванова" not in html and "Nobody is shortlisted yet." in html

    response = bob_client.post(
        f"/w/ngo/scorecards/{card.pk}/detach/", {"partnership": partnership.pk}
    )
    assert response.status_code == 302 and not ShortlistLink.objects.exists()


def test_the_template_tag_renders_the_shortlist_on_a_partnership(
    card, workspace, alice, partnership
):
    from django.template import Context, Template

    a = _score(card, alice, organisation=make_organisation(workspace, alice, name="Мост"), values=4)
    services.assessment_shortlist(assessment=a, actor=alice, shortlisted=True)
    services.shortlist_attach(scorecard=card, partnership=partnership, actor=alice)
    html = Template("{% load scorecards %}{% partnership_shortlist partnership %}").render(
        Context({"partnership": partnership, "workspace": workspace})
    )
    assert "Мост" in html and "rank 1" in html


def test_rescoring_a_candidate_on_the_page(bob_client, card, workspace, alice):
    a = _score(card, alice, organisation=make_organisation(workspace, alice), values=1, record=1)
    values, record = _criteria(card)
    url = f"/w/ngo/scorecards/candidates/{a.pk}/"
    assert bob_client.get(url).status_code == 200
    response = bob_client.post(
        url, {"version": "1", f"score_{values.pk}": "5", f"score_{record.pk}": "", "note": "x"}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.total == Decimal("5.00") and a.scored_count == 1
    stale = bob_client.post(url, {"version": "1", f"score_{values.pk}": "2"})
    assert stale.status_code == 409
    a.refresh_from_db()
    assert a.total == Decimal("5.00")


def test_the_page_refuses_a_candidate_of_another_workspace_and_a_duplicate(
    bob_client, card, workspace, alice, other_workspace, oscar
):
    theirs = make_organisation(other_workspace, oscar, name="Чужда")
    response = _post_scores(bob_client, card, "organisation", theirs, 3, 3)
    assert response.status_code == 400
    assert "Choose an organisation or a person of this workspace." in response.content.decode()
    org = make_organisation(workspace, alice, name="Наша")
    assert _post_scores(bob_client, card, "organisation", org, 3, 3).status_code == 302
    response = _post_scores(bob_client, card, "organisation", org, 1, 1)
    assert response.status_code == 400
    assert "Наша is already a candidate on this scorecard." in response.content.decode()
    assert Assessment.objects.count() == 1


def test_the_candidate_lookup_finds_only_this_workspaces_contacts(
    bob_client, card, workspace, alice, other_workspace, oscar
):
    make_organisation(workspace, alice, name="Фондация Светлина")
    make_organisation(other_workspace, oscar, name="Фондация Сянка")
    make_person(workspace, alice, given_name="Светла", family_name="Петрова")
    url = f"/w/ngo/scorecards/{card.pk}/candidates/lookup/"
    html = bob_client.get(url, {"q": "Фондация"}).content.decode()
    assert "Светлина" in html and "Сянка" not in html
    html = bob_client.get(url, {"q": "Svetla", "kind": "person"}).content.decode()
    assert "Светла Петрова" in html


def test_deleting_a_candidate_and_a_scorecard(bob_client, card, workspace, alice, partnership):
    a = _score(card, alice, organisation=make_organisation(workspace, alice), values=3)
    assert bob_client.get(f"/w/ngo/scorecards/candidates/{a.pk}/delete/").status_code == 200
    assert bob_client.post(f"/w/ngo/scorecards/candidates/{a.pk}/delete/").status_code == 302
    assert not Assessment.objects.exists()
    services.shortlist_attach(scorecard=card, partnership=partnership, actor=alice)
    assert bob_client.post(f"/w/ngo/scorecards/{card.pk}/delete/").status_code == 302
    assert not Scorecard.objects.filter(pk=card.pk).exists()
    assert not ShortlistLink.objects.exists() and not Criterion.objects.exists()
    assert selectors.shortlist_for(partnership) == []


def test_copying_on_the_page(bob_client, card):
    response = bob_client.post(f"/w/ngo/scorecards/{card.pk}/copy/", {"name": "Partners 2028"})
    copy = Scorecard.objects.get(name="Partners 2028")
    assert response.status_code == 302 and response["Location"].endswith(f"/{copy.pk}/")
    assert copy.criteria.count() == 2


def _urls(card, assessment) -> list[tuple[str, str]]:
    c, a = card.pk, assessment.pk
    return [
        ("get", "/w/ngo/scorecards/"),
        ("post", "/w/ngo/scorecards/defaults/"),
        ("get", "/w/ngo/scorecards/new/"),
        ("get", f"/w/ngo/scorecards/{c}/"),
        ("get", f"/w/ngo/scorecards/{c}/compare/"),
        ("get", f"/w/ngo/scorecards/{c}/edit/"),
        ("get", f"/w/ngo/scorecards/{c}/delete/"),
        ("post", f"/w/ngo/scorecards/{c}/copy/"),
        ("get", f"/w/ngo/scorecards/{c}/candidates/new/"),
        ("get", f"/w/ngo/scorecards/{c}/candidates/lookup/"),
        ("post", f"/w/ngo/scorecards/{c}/attach/"),
        ("post", f"/w/ngo/scorecards/{c}/detach/"),
        ("get", f"/w/ngo/scorecards/candidates/{a}/"),
        ("get", f"/w/ngo/scorecards/candidates/{a}/delete/"),
        ("post", f"/w/ngo/scorecards/candidates/{a}/shortlist/"),
    ]


def test_every_scorecard_page_is_404_for_an_outsider(card, workspace, alice, oscar_client):
    a = _score(card, alice, organisation=make_organisation(workspace, alice), values=3)
    for method, url in _urls(card, a):
        for m in ("get", "post"):
            response = getattr(oscar_client, m)(url)
            assert response.status_code == 404, f"{m} {url}"
        # His own workspace's slug does not open alice's scorecard either.
        own = url.replace("/w/ngo/", "/w/other/")
        if any(ch.isdigit() for ch in own):
            assert getattr(oscar_client, method)(own).status_code == 404, own
    assert Scorecard.objects.filter(workspace=workspace).count() == 1
    a.refresh_from_db()
    assert not a.shortlisted


def test_a_viewer_reads_but_cannot_write(vera_client, card, workspace, alice, partnership):
    a = _score(card, alice, organisation=make_organisation(workspace, alice), values=3)
    assert vera_client.get(f"/w/ngo/scorecards/{card.pk}/").status_code == 200
    assert vera_client.get(f"/w/ngo/scorecards/{card.pk}/compare/").status_code == 200
    page = vera_client.get(f"/w/ngo/scorecards/{card.pk}/").content.decode()
    assert "Edit criteria and weights" not in page
    for method, url in _urls(card, a):
        if url.endswith(("/scorecards/", "/compare/")) or url == f"/w/ngo/scorecards/{card.pk}/":
            continue
        assert getattr(vera_client, method)(url).status_code == 403, url
    assert (
        vera_client.post(
            f"/w/ngo/scorecards/{card.pk}/attach/", {"partnership": partnership.pk}
        ).status_code
        == 403
    )
    assert not ShortlistLink.objects.exists()


def test_wrong_methods_are_refused(bob_client, card, workspace, alice):
    a = _score(card, alice, organisation=make_organisation(workspace, alice), values=3)
    for url in (
        f"/w/ngo/scorecards/candidates/{a.pk}/shortlist/",
        f"/w/ngo/scorecards/{card.pk}/attach/",
        f"/w/ngo/scorecards/{card.pk}/detach/",
        f"/w/ngo/scorecards/{card.pk}/copy/",
    ):
        assert bob_client.get(url).status_code == 405, url
    assert bob_client.post(f"/w/ngo/scorecards/{card.pk}/").status_code == 405
    assert bob_client.post(f"/w/ngo/scorecards/{card.pk}/compare/").status_code == 405


def test_the_list_page_has_a_fixed_number_of_queries(
    bob_client, workspace, alice, django_assert_max_num_queries
):
    services.seed_default_scorecards(workspace=workspace, actor=alice)
    bob_client.get("/w/ngo/scorecards/")
    with django_assert_max_num_queries(12) as ctx:
        bob_client.get("/w/ngo/scorecards/")
    first = len(ctx.captured_queries)
    for i in range(5):
        services.scorecard_create(workspace=workspace, actor=alice, data={"name": f"Extra {i}"})
    with django_assert_max_num_queries(first):
        bob_client.get("/w/ngo/scorecards/")


def test_the_comparison_page_has_a_fixed_number_of_queries(
    bob_client, card, workspace, alice, django_assert_max_num_queries
):
    _score(card, alice, organisation=make_organisation(workspace, alice), values=3)
    url = reverse("scorecard_detail", args=["ngo", card.pk])
    bob_client.get(url)
    with django_assert_max_num_queries(20) as ctx:
        bob_client.get(url)
    first = len(ctx.captured_queries)
    for _ in range(4):
        _score(card, alice, person=make_person(workspace, alice), values=2, record=4)
    with django_assert_max_num_queries(first):
        bob_client.get(url)
