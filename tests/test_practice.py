"""The deck's partnership practice as data (svrazka.partnerships.practice): complete, consistent,
in both languages."""

import dataclasses

import pytest

from svrazka.partnerships import practice

FORM_KEYS = [
    "formal",
    "coalition",
    "informal_coalition",
    "media",
    "sponsorship",
    "licensing",
    "supporter",
    "crowdsourcing",
]

# "Изграждане на медийни партньорства (2)": the deck's steps for planning a media partnership.
MEDIA_STEPS_BG = [
    "Определяне на целите",
    "Установяване какво мотивира медийните партньори",
    "Избиране и свързване с партньорите",
    "Съгласие относно ценностите, вижданията и целите",
    "Създаване на стратегия за комуникации",
    "Планиране на събития и включване на представители на медиите",
    "Наблюдение и следване",
]

AGREEMENT_HEADINGS_BG = [
    "Общи цели",
    "Отговорности на партньорите",
    "Принос на партньорите",
    "Период на сътрудничество",
    "Механизъм за сътрудничество",
    "Разпределение на ползите",
]


def texts(obj) -> list[str]:
    return [v for v in dataclasses.astuple(obj) if isinstance(v, str)]


def all_records():
    yield from practice.STEPS
    yield from practice.FORMS
    yield from practice.AGREEMENT_PARTS
    yield from practice.EVALUATION_QUESTIONS
    yield from practice.EVALUATION_RATINGS
    yield from practice.PARTNER_ROLES
    for items in practice.DEFAULT_CHECKLISTS.values():
        yield from items


def test_phases_in_order():
    assert practice.PHASES == [
        ("before", "Before", "Преди"),
        ("during", "During", "По време"),
        ("after", "After", "След"),
    ]


def test_flow_has_four_four_three_steps_in_phase_order():
    assert [len(practice.steps_of(p.key)) for p in practice.PHASES] == [4, 4, 3]
    assert [s for p in practice.PHASES for s in practice.steps_of(p.key)] == practice.STEPS
    assert practice.STEPS[0].key == "favourable_conditions"
    assert practice.STEPS[-1].key == "follow_up"


def test_steps_use_the_decks_bulgarian_wording():
    titles = [s.title_bg for s in practice.STEPS[:8]]
    assert titles == [
        "Създайте благоприятни обстоятелства за партньорство",
        "Изработете стратегия",
        "Свържете се с потенциални партньори по подходящ начин",
        "Преговаряйте за партньорство",
        "Определете задълженията на ключовите хора, които участват в организацията",
        "Разработете съвместни стратегии",
        "Разработете съвместни проекти",
        "Привлечете допълнителни ресурси",
    ]


def test_forms_are_the_eight_forms():
    assert [f.key for f in practice.FORMS] == FORM_KEYS
    assert set(practice.DEFAULT_CHECKLISTS) == set(FORM_KEYS)
    assert practice.form_name("coalition", "bg") == "Обединение"
    assert practice.form_name("informal_coalition", "bg-BG") == "Неформално обединение"
    assert practice.form_name("media", "en") == "Media partnership"
    assert practice.form_name("crowdsourcing", "de") == "Crowdsourcing"
    with pytest.raises(KeyError):
        practice.form_name("nope", "bg")


@pytest.mark.parametrize("form", FORM_KEYS)
def test_every_form_covers_every_step_in_flow_order(form):
    items = practice.checklist_for(form)
    keys = {s.key for s in practice.STEPS}
    assert all(i.step in keys for i in items)
    assert {i.step for i in items} == keys
    positions = [practice.step_index(i.step) for i in items]
    assert positions == sorted(positions)


@pytest.mark.parametrize("form", FORM_KEYS)
def test_checklist_titles_unique_within_a_form(form):
    items = practice.checklist_for(form)
    assert len({i.title_en for i in items}) == len(items)
    assert len({i.title_bg for i in items}) == len(items)


def test_checklist_for_returns_a_copy():
    practice.checklist_for("media").clear()
    assert practice.checklist_for("media")


def test_media_checklist_has_the_seven_steps_in_the_decks_order():
    titles = [i.title_bg for i in practice.checklist_for("media")]
    positions = [titles.index(t) for t in MEDIA_STEPS_BG]
    assert positions == sorted(positions)
    steps = [practice.checklist_for("media")[p].step for p in positions]
    assert steps[0] == "strategy" and steps[2] == "contact" and steps[3] == "negotiate"


def test_sponsorship_has_the_decks_criteria_and_stewardship():
    by_title = {i.title_en: i.step for i in practice.checklist_for("sponsorship")}
    assert by_title["Check the fit between the company and the NGO"] == "strategy"
    assert by_title["Check the company's previous activity and partnerships"] == "strategy"
    assert by_title["Appoint a contact person for the sponsor"] == "duties"
    for title in [
        "Keep the sponsor informed",
        "Recognise the company's contribution publicly",
        "Thank the sponsor in a fitting way",
        "Invite company representatives to events",
    ]:
        assert title in by_title
    assert any("говори на същия език" in i.hint_bg for i in practice.checklist_for("sponsorship"))


def test_agreement_has_the_six_parts_with_the_glossary_headings():
    parts = practice.AGREEMENT_PARTS
    assert [p.key for p in parts] == [
        "common_goals",
        "responsibilities",
        "contributions",
        "period",
        "mechanism",
        "benefits",
    ]
    assert [p.title_bg for p in parts] == AGREEMENT_HEADINGS_BG


def test_formal_partnership_negotiates_every_agreement_part():
    negotiate = [i for i in practice.checklist_for("formal") if i.step == "negotiate"]
    for part in practice.AGREEMENT_PARTS:
        assert any(part.title_bg.lower() in i.title_bg.lower() for i in negotiate), part.key
        assert any(part.title_en.lower() in i.title_en.lower() for i in negotiate), part.key


def test_seven_evaluation_questions():
    questions = practice.EVALUATION_QUESTIONS
    assert len(questions) == 7
    assert all(q.text_en.endswith("?") and q.text_bg.endswith("?") for q in questions)
    assert questions[0].text_bg == "Как беше създадено партньорството?"


def test_ratings_state_the_scale():
    assert [r.key for r in practice.EVALUATION_RATINGS] == [
        "goals_met",
        "communication",
        "responsiveness",
        "contributions_delivered",
        "would_partner_again",
    ]
    for r in practice.EVALUATION_RATINGS:
        assert "1 =" in r.text_en and "5 =" in r.text_en
        assert "1 =" in r.text_bg and "5 =" in r.text_bg


def test_partner_roles():
    assert [(r.key, r.name_bg) for r in practice.PARTNER_ROLES] == [
        ("lead", "Водеща организация"),
        ("partner", "Партньор"),
        ("associate", "Асоцииран партньор"),
        ("sponsor", "Спонсор"),
        ("media_partner", "Медиен партньор"),
    ]


def test_all_texts_non_empty_in_both_languages():
    for record in all_records():
        for value in texts(record):
            assert value.strip(), record
    for phase in practice.PHASES:
        assert all(v.strip() for v in phase)


def test_bulgarian_texts_are_cyrillic_and_english_are_not():
    for record in all_records():
        for field in dataclasses.fields(record):
            value = getattr(record, field.name)
            if field.name.endswith("_bg"):
                assert any("а" <= c.lower() <= "я" for c in value), (record, field.name)
            elif field.name.endswith("_en"):
                assert not any("а" <= c.lower() <= "я" for c in value), (record, field.name)


@pytest.mark.parametrize(
    "records",
    [
        practice.PHASES,
        practice.STEPS,
        practice.FORMS,
        practice.AGREEMENT_PARTS,
        practice.EVALUATION_QUESTIONS,
        practice.EVALUATION_RATINGS,
        practice.PARTNER_ROLES,
    ],
)
def test_keys_unique(records):
    keys = [r[0] if isinstance(r, tuple) else r.key for r in records]
    assert len(set(keys)) == len(keys)


def test_step_lookups():
    assert practice.step("negotiate").phase == "before"
    assert practice.step("evaluate").phase == "after"
    with pytest.raises(KeyError):
        practice.step("nope")
    with pytest.raises(KeyError):
        practice.steps_of("nope")
    assert practice.step_or_none("nope") is None
    assert practice.step_or_none(None) is None
    assert practice.step_index("favourable_conditions") == 0
    assert practice.step_index("nope") == len(practice.STEPS)
    assert practice.step("duties").title("bg").startswith("Определете")
    assert practice.step("duties").title("en") == "Define the duties of key people"


def test_no_django_needed():
    import ast
    import pathlib

    tree = ast.parse(pathlib.Path(practice.__file__).read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module)
    assert modules <= {"dataclasses", "typing"}
