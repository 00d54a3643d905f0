"""Likely duplicates (issue 5): the matcher's promises, the workspace scan, the command."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from svrazka.contacts import services
from svrazka.duplicates import names
from svrazka.duplicates.matching import (
    DEFAULT_THRESHOLD,
    Frequencies,
    OrgFacts,
    PersonFacts,
    compare_organisations,
    compare_people,
    describe,
    jaro_winkler,
)
from svrazka.duplicates.scan import (
    candidates_for,
    find_person_pairs,
    organisation_candidates_for,
    scan_organisations,
    scan_people,
)
from svrazka.lib.translit import skeleton
from tests.factories import make_organisation, make_person


def eik(first8: str) -> str:
    """A valid 9-digit EIK (the check digit of the Registry Agency's rule)."""
    digits = [int(d) for d in first8]
    total = sum(d * w for d, w in zip(digits, range(1, 9), strict=True)) % 11
    if total == 10:
        total = sum(d * w for d, w in zip(digits, range(3, 11), strict=True)) % 11 % 10
    return first8 + str(total)


def person(pk=1, given="", family="", **fields) -> PersonFacts:
    return PersonFacts(id=pk, given_name=given, family_name=family, **fields)


def match(a, b, frequencies=None):
    if isinstance(a, OrgFacts):
        return compare_organisations(a, b, frequencies)
    return compare_people(a, b, frequencies)


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [
        ("Георги", "Гошо"),
        ("Георги", "Gosho"),
        ("Гошо", "Γεώργιος"),
        ("Γιώργος", "George"),
        ("Иван", "Ванко"),
        ("Александър", "Сашо"),
        ("Димитър", "Митко"),
        ("Николай", "Кольо"),
        ("Νίκος", "Νικόλαος"),
        ("Κώστας", "Konstantinos"),
        ("Ioan", "Ion"),
        ("Alexandru", "Alex"),
        ("Христо", "Ицо"),
        ("Светлана", "Цеци"),
        ("Цветелина", "Цеци"),
    ],
)
def test_given_name_variants_meet_in_any_script(a, b):
    assert names.same_given_name_group(skeleton(a), skeleton(b))


def test_the_variant_table_is_big_enough_and_unrelated_names_stay_apart():
    bulgarian = [line for line in names._GROUP_MEMBERS if any(k for k in line)]
    assert len(bulgarian) >= 60
    assert not names.same_given_name_group(skeleton("Иван"), skeleton("Георги"))
    assert not names.same_given_name_group(skeleton("Мария"), skeleton("Елена"))


@pytest.mark.parametrize(
    "a, b",
    [
        ('"Зелена планета" ЕООД', "Zelena Planeta Ltd"),
        ('Сдружение "Зелена планета"', "Zelena Planeta Association"),
        ("Сдружение с нестопанска цел „Зелена планета“", "Зелена планета"),
        ("Asociația Verde", "Asociatia Verde"),
        ("Foo GmbH", "Foo e.V."),
        ("Α.Μ.Κ.Ε. Φάρος", "Σωματείο «Φάρος»"),
        ("НЧ „Изгрев-1920“", "Народно читалище Изгрев 1920"),
    ],
)
def test_legal_forms_are_left_out_of_organisation_names(a, b):
    assert names.organisation_name(a).core == names.organisation_name(b).core


def test_kinds_of_legal_form_say_whether_two_bodies_can_be_one():
    def kinds(name):
        return names.organisation_name(name).kinds

    assert names.kinds_compatible(kinds("Foo ЕООД"), kinds("Foo Ltd"))
    assert names.kinds_compatible(kinds("Сдружение Foo"), kinds("Foo e.V."))
    assert names.kinds_compatible(kinds("Foo"), kinds("Foo GmbH"))  # unknown fits anything
    assert not names.kinds_compatible(kinds("Сдружение Foo"), kinds("Foo ЕООД"))
    assert not names.kinds_compatible(kinds("Фондация Foo"), kinds("Сдружение Foo"))


def test_a_name_made_only_of_legal_words_keeps_them():
    assert names.organisation_name("Фондация").core == skeleton("Фондация")


def test_jaro_winkler_gives_the_textbook_values():
    assert jaro_winkler("martha", "marhta") == pytest.approx(0.961, abs=0.001)
    assert jaro_winkler("dixon", "dicksonx") == pytest.approx(0.813, abs=0.001)
    assert jaro_winkler("same", "same") == 1.0
    assert jaro_winkler("abc", "xyz") == 0.0


# --- people -----------------------------------------------------------------------------------


def test_cyrillic_and_latin_spellings_of_one_name_agree():
    a = person(1, "Иван", "Петров", date_of_birth="1980-03-04")
    b = person(2, "Ivan", "Petroff", date_of_birth="1980-03-04")
    result = match(a, b)
    assert "name_transliterated" in result.reasons
    assert "same_birth_date" in result.reasons
    assert result.score >= DEFAULT_THRESHOLD


def test_a_diminutive_in_another_script_with_the_same_email_is_a_duplicate():
    a = person(1, "Георги", "Иванов", emails=("g.ivanov@abv.bg",))
    b = person(2, "Gosho", "Ivanov", emails=("G.Ivanov@abv.bg",))
    result = match(a, b)
    assert {"name_diminutive", "same_email"} <= set(result.reasons)
    assert result.score >= DEFAULT_THRESHOLD


def test_greek_and_latin_forms_of_georgi_with_a_shared_phone():
    a = person(1, "Γεώργιος", "Παπαδόπουλος", phones=("+306945551234",))
    b = person(2, "Gosho", "Papadopoulos", phones=("+30 694 555 1234",))
    result = match(a, b)
    assert {"name_diminutive", "name_transliterated", "same_phone"} <= set(result.reasons)
    assert result.score >= DEFAULT_THRESHOLD


def test_greek_name_in_latin_letters():
    a = person(1, "Νίκος", "Παπαδόπουλος", date_of_birth="1975-06-01")
    b = person(2, "Nikos", "Papadopoulos", date_of_birth="1975-06-01")
    result = match(a, b)
    assert "name_transliterated" in result.reasons
    assert result.score >= DEFAULT_THRESHOLD


def test_swapped_name_order_is_recognised():
    a = person(1, "Иван", "Петров", city="София", date_of_birth="1980-03-04")
    b = person(2, "Petrov", "Ivan", city="Sofia", date_of_birth="1980-03-04")
    result = match(a, b)
    assert "name_order_swapped" in result.reasons
    assert result.score >= DEFAULT_THRESHOLD


def test_a_common_name_alone_stays_under_the_threshold():
    result = match(person(1, "Иван", "Иванов"), person(2, "Иван", "Иванов"))
    assert result.reasons == ["same_name"]
    assert result.score < DEFAULT_THRESHOLD


def test_a_rare_name_needs_less_evidence_than_a_common_one():
    # Counted over a workspace of 10,000 people: Иванов 600 times, Бъчваров twice.
    frequencies = Frequencies(population=10_000)
    frequencies.add("family", skeleton("Иванов"), 600)
    frequencies.add("given", skeleton("Иван"), 500)
    frequencies.add("family", skeleton("Бъчваров"), 2)
    frequencies.add("given", skeleton("Калоян"), 40)
    common = match(person(1, "Иван", "Иванов"), person(2, "Иван", "Иванов"), frequencies)
    rare = match(person(1, "Калоян", "Бъчваров"), person(2, "Kaloyan", "Bachvarov"), frequencies)
    assert rare.score > common.score
    assert common.score < DEFAULT_THRESHOLD


def test_different_dates_of_birth_push_a_same_name_pair_down():
    a = person(1, "Иван", "Иванов", date_of_birth="1970-01-01", city="Варна")
    b = person(2, "Иван", "Иванов", date_of_birth="1991-05-05", city="Варна")
    result = match(a, b)
    assert "different_birth_date" in result.reasons
    assert result.score < 10


def test_husband_and_wife_are_not_one_person():
    a = person(1, "Иван", "Иванов", emails=("family@abv.bg",))
    b = person(2, "Ивана", "Иванова", emails=("family@abv.bg",))
    result = match(a, b)
    assert result.score < DEFAULT_THRESHOLD


def test_a_typo_in_the_family_name():
    a = person(1, "Мария", "Стоянова", date_of_birth="1990-02-03", city="Пловдив")
    b = person(2, "Мария", "Стаянова", date_of_birth="1990-02-03", city="Пловдив")
    result = match(a, b)
    assert "similar_name" in result.reasons
    assert result.score >= DEFAULT_THRESHOLD


def test_nothing_in_common_is_no_match():
    assert match(person(1, "Иван", "Иванов"), person(2, "Мария", "Петрова")) is None


def test_reasons_are_described_in_words():
    a = person(1, "Мария", "Петрова", emails=("maria@example.org",), phones=("+359888123456",))
    b = person(2, "Maria", "Petrova", emails=("Maria@Example.org",), phones=("+359888123456",))
    result = match(a, b)
    with translation.override("en"):
        words = {code: describe(code, a, b) for code in result.reasons}
    assert words["same_email"] == "Same email: maria@example.org"
    assert words["same_phone"] == "Same phone: +359 88 812 3456"
    assert words["name_transliterated"] == (
        "The same name in another script or spelling: Мария Петрова / Maria Petrova"
    )


# --- organisations ----------------------------------------------------------------------------


def test_the_same_eik_is_a_duplicate_whatever_the_names():
    result = match(
        OrgFacts(1, "Foo GmbH", eik=eik("12345678")), OrgFacts(2, "Bar", eik=eik("12345678"))
    )
    assert result.reasons[0] == "same_eik"
    assert result.score >= 99


def test_a_vat_number_is_the_eik_with_bg_in_front():
    a = OrgFacts(1, "Зелена планета", eik=eik("12345678"))
    b = OrgFacts(2, "Zelena Planeta", vat="BG" + eik("12345678"))
    assert "same_eik" in match(a, b).reasons


def test_different_eiks_keep_organisations_of_one_name_apart():
    a = OrgFacts(1, "Сдружение „Надежда“", eik=eik("12345678"))
    b = OrgFacts(2, "Сдружение „Надежда“", eik=eik("87654321"))
    result = match(a, b)
    assert "different_eik" in result.reasons
    assert result.score < 5


@pytest.mark.parametrize(
    "a, b",
    [
        ('"Зелена Планета" ЕООД', "Zelena Planeta Ltd"),
        ('Сдружение "Зелена планета"', "Zelena Planeta Association"),
        ("Asociația Verde", "Asociatia Verde"),
        ("Сдружение с нестопанска цел „Зелена планета“", "Зелена планета"),
    ],
)
def test_one_organisation_under_its_names_reaches_the_threshold(a, b):
    result = match(OrgFacts(1, a), OrgFacts(2, b))
    assert result.score >= DEFAULT_THRESHOLD


def test_names_of_different_kinds_are_weaker_evidence():
    same_kind = match(OrgFacts(1, "Foo GmbH"), OrgFacts(2, "Foo Ltd"))
    other_kind = match(OrgFacts(1, "Foo GmbH"), OrgFacts(2, "Foo e.V."))
    assert "name_legal_form" in other_kind.reasons
    assert other_kind.score < same_kind.score


def test_organisation_reasons_in_words():
    a = OrgFacts(1, '"Зелена Планета" ЕООД', website="https://www.zelena.bg/about")
    b = OrgFacts(2, "Zelena Planeta Ltd", emails=("office@zelena.bg",))
    result = match(a, b)
    assert "same_website_domain" in result.reasons
    with translation.override("en"):
        assert describe("same_website_domain", a, b) == "Same web domain: zelena.bg"
        assert describe("name_legal_form", a, b).startswith("Same name apart from the legal form")


# --- finding pairs in memory ------------------------------------------------------------------


def test_pairs_are_found_through_blocks_and_reported_once():
    facts = [
        person(1, "Иван", "Петров", emails=("ivan@example.org",), date_of_birth="1980-03-04"),
        person(2, "Ivan", "Petroff", emails=("ivan@example.org",), date_of_birth="1980-03-04"),
        person(3, "Мария", "Георгиева", city="Варна"),
        person(4, "Petrov", "Ivan", date_of_birth="1980-03-04", city="София"),
    ]
    pairs = list(find_person_pairs(facts))
    found = {(p.id_a, p.id_b) for p in pairs}
    assert (1, 2) in found and (1, 4) in found and (2, 4) in found
    assert len(found) == len(pairs)  # no pair twice
    assert all(p.id_a < p.id_b for p in pairs)


def test_progress_is_reported_up_to_the_total():
    seen = []
    facts = [person(i, "Иван", "Петров", date_of_birth="1980-03-04") for i in range(1, 30)]
    list(find_person_pairs(facts, on_progress=lambda done, total: seen.append((done, total))))
    assert seen and seen[-1][0] == seen[-1][1]


# --- the database: scan, candidates, command ---------------------------------------------------


@pytest.fixture
def planted(workspace, other_workspace):
    """A workspace with two planted duplicate pairs among other people, and a copy of one of
    them in another workspace."""
    ivan = make_person(
        workspace,
        given_name="Иван",
        family_name="Петров",
        emails=["ivan.petrov@abv.bg"],
        date_of_birth="1980-03-04",
    )
    ivan_latin = make_person(
        workspace,
        given_name="Ivan",
        family_name="Petroff",
        emails=["Ivan.Petrov@abv.bg"],
        date_of_birth="1980-03-04",
    )
    georgi = make_person(
        workspace, given_name="Георги", family_name="Бъчваров", phones=["+359 888 123 456"]
    )
    gosho = make_person(
        workspace, given_name="Gosho", family_name="Bachvarov", phones=["0888123456"]
    )
    for given, family in [("Мария", "Иванова"), ("Елена", "Стоянова"), ("Тодор", "Колев")]:
        make_person(workspace, given_name=given, family_name=family)
    make_person(
        other_workspace,
        given_name="Иван",
        family_name="Петров",
        emails=["ivan.petrov@abv.bg"],
        date_of_birth="1980-03-04",
    )
    return {"ivan": ivan, "ivan_latin": ivan_latin, "georgi": georgi, "gosho": gosho}


def test_the_scan_finds_the_planted_pairs_and_nothing_across_workspaces(workspace, planted):
    pairs = list(scan_people(workspace))
    found = {(p.id_a, p.id_b): p for p in pairs}
    ivans = tuple(sorted((planted["ivan"].pk, planted["ivan_latin"].pk)))
    georgis = tuple(sorted((planted["georgi"].pk, planted["gosho"].pk)))
    assert set(found) == {ivans, georgis}
    assert {"name_transliterated", "same_email", "same_birth_date"} <= set(found[ivans].reasons)
    assert {"name_diminutive", "same_phone"} <= set(found[georgis].reasons)


def test_a_new_record_is_checked_against_the_workspace(workspace, planted):
    new = PersonFacts(id=0, given_name="Ivan", family_name="Petrov", emails=("ivan.petrov@abv.bg",))
    found = candidates_for(workspace, new)
    assert {c.id for c in found} == {planted["ivan"].pk, planted["ivan_latin"].pk}
    assert all("same_email" in c.reasons for c in found)

    swapped = PersonFacts(
        id=0, given_name="Bachvarov", family_name="Georgi", phones=("0888123456",)
    )
    assert [c.id for c in candidates_for(workspace, swapped)][0] in {
        planted["georgi"].pk,
        planted["gosho"].pk,
    }
    assert (
        candidates_for(workspace, PersonFacts(id=0, given_name="Никой", family_name="Непознат"))
        == []
    )


def test_candidates_leave_out_the_record_itself(workspace, planted):
    ivan = planted["ivan"]
    facts = PersonFacts(
        id=ivan.pk, given_name="Иван", family_name="Петров", emails=("ivan.petrov@abv.bg",)
    )
    assert ivan.pk not in {c.id for c in candidates_for(workspace, facts)}


def test_organisations_scan_and_candidates(workspace, other_workspace):
    first = make_organisation(workspace, name='"Зелена планета" ЕООД', eik=eik("12345678"))
    second = make_organisation(workspace, name="Zelena Planeta Ltd", vat="BG" + eik("12345678"))
    make_organisation(workspace, name="Сдружение „Надежда“", eik=eik("11111111"))
    make_organisation(workspace, name="Сдружение „Надежда“", eik=eik("22222222"))
    make_organisation(other_workspace, name="Zelena Planeta Ltd", eik=eik("12345678"))

    pairs = list(scan_organisations(workspace))
    assert [(p.id_a, p.id_b) for p in pairs] == [tuple(sorted((first.pk, second.pk)))]
    assert "same_eik" in pairs[0].reasons

    found = organisation_candidates_for(workspace, OrgFacts(0, "Зелена Планета АД"))
    assert {c.id for c in found} == {first.pk, second.pk}
    by_eik = organisation_candidates_for(workspace, OrgFacts(0, "Нещо друго", eik=eik("12345678")))
    assert {c.id for c in by_eik} == {first.pk, second.pk}


def test_people_of_the_same_organisation(workspace):
    org = make_organisation(workspace, name="Фондация „Отворени врати“")
    a = make_person(workspace, given_name="Стефан", family_name="Маринов", city="Русе")
    b = make_person(workspace, given_name="Стефчо", family_name="Маринов", city="Русе")
    for p in (a, b):
        services.affiliation_create(
            workspace=workspace, actor=None, person=p, organisation=org, data={}
        )
    pairs = list(scan_people(workspace))
    assert len(pairs) == 1
    assert {"name_diminutive", "same_organisation", "same_city"} <= set(pairs[0].reasons)


def test_the_command_writes_the_pairs(workspace, planted, tmp_path):
    output = tmp_path / "pairs.csv"
    out = io.StringIO()
    call_command("find_duplicates", "--workspace", "ngo", "--output", str(output), stdout=out)
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert len(rows) == 2
    assert set(rows[0]) == {"id_a", "id_b", "score", "reasons"}
    assert all(int(r["id_a"]) < int(r["id_b"]) and int(r["score"]) >= 70 for r in rows)
    assert any("same_email" in r["reasons"].split(";") for r in rows)
    assert "2 likely duplicate pairs of people" in out.getvalue()


def test_the_command_takes_a_threshold_and_a_kind(workspace, planted, tmp_path):
    output = tmp_path / "orgs.csv"
    call_command(
        "find_duplicates",
        "--workspace",
        "ngo",
        "--output",
        str(output),
        "--threshold",
        "99",
        "--kind",
        "organisations",
        stdout=io.StringIO(),
    )
    assert output.read_text(encoding="utf-8").splitlines() == ["id_a,id_b,score,reasons"]


def test_the_command_refuses_an_unknown_workspace(db, tmp_path):
    with pytest.raises(CommandError, match="no workspace"):
        call_command("find_duplicates", "--workspace", "nope", "--output", str(tmp_path / "x.csv"))
