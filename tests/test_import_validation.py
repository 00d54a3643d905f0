"""What a row read from a file must be to be imported: the same rules as the forms, plus what
only files have (formulas, impossible dates, country names)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from svrazka.imports.records import ContactRecord
from svrazka.imports.validation import check, country_code, email_ok, parse_date


def _fields(checked) -> set[str]:
    return {f for f, _m in checked.problems}


def test_a_clean_row_becomes_person_values_with_search_tokens():
    checked = check(
        ContactRecord(
            given_name="Мария",
            family_name="Иванова",
            emails=["Maria@Example.ORG", "maria@example.org"],
            phones=["0888 123 456"],
            organisation="Зелена планета",
            position="Координатор",
            country="България",
            date_of_birth="15.04.1985",
            tags=["LinkedIn", "linkedin"],
            website="zelena.bg",
        ),
        line=2,
    )
    assert checked.problems == []
    v = checked.values
    assert v["kind"] == "person"
    assert v["emails"] == ["maria@example.org"]
    assert v["phones"] == ["+359888123456"]
    assert v["country"] == "BG"
    assert v["date_of_birth"] == "1985-04-15"
    assert v["tags"] == ["LinkedIn"]
    assert v["website"] == "https://zelena.bg"
    # The Latin spelling finds her: the tokens are the services' own.
    assert "ivanova" in v["tokens"] and "maria" in v["tokens"]


@pytest.mark.parametrize(
    "record, field",
    [
        (ContactRecord(given_name='=HYPERLINK("http://x","y")'), "given_name"),
        (ContactRecord(given_name="Ivan", position="@SUM(A1:A2)"), "position"),
        (ContactRecord(given_name="<script>alert(1)</script>"), "given_name"),
        (ContactRecord(given_name="Ivan", date_of_birth="2023-02-30"), "date_of_birth"),
        (ContactRecord(given_name="Ivan", date_of_birth="31.13.1990"), "date_of_birth"),
        (ContactRecord(given_name="Ivan", date_of_birth="2999-01-01"), "date_of_birth"),
        (ContactRecord(given_name="x" * 101), "given_name"),
        (ContactRecord(given_name="Ivan", website="javascript:alert(1)"), "website"),
    ],
)
def test_bad_values_are_problems_and_nothing_is_kept(record, field):
    checked = check(record, line=7)
    assert checked.values is None
    assert field in _fields(checked)
    assert all(message for _f, message in checked.problems)


def test_problems_are_in_the_users_language():
    with translation.override("bg"):
        checked = check(ContactRecord(given_name="Ivan", date_of_birth="2023-02-30"), line=3)
    assert "не е" in checked.problems[0][1]


def test_an_email_or_phone_that_cannot_be_read_is_kept_in_the_notes_with_a_warning():
    """Real exports carry placeholders ("BusinessPhone") and broken addresses: the contact is
    imported, nothing is dropped, and the row says why."""
    checked = check(
        ContactRecord(
            given_name="Ivan", emails=["nope", "ivan@x.bg"], phones=["12", "BusinessPhone"]
        ),
        line=5,
    )
    assert checked.values["emails"] == ["ivan@x.bg"] and checked.values["phones"] == []
    assert "nope" in checked.values["notes"] and "BusinessPhone" in checked.values["notes"]
    assert {f for f, _m in checked.warnings} == {"email", "phone"}


def test_a_number_without_a_country_code_is_read_in_the_persons_country():
    v = check(ContactRecord(given_name="Jo", phones=["(202) 555-0143"], country="US"), 1).values
    assert v["phones"] == ["+12025550143"]
    v = check(ContactRecord(given_name="Jo", phones=["0888 123 456"]), 1).values
    assert v["phones"] == ["+359888123456"]


def test_a_card_with_only_an_email_is_named_after_it():
    checked = check(ContactRecord(emails=["john.doe@company.com"]), 1)
    assert (checked.values["given_name"], checked.values["family_name"]) == ("John", "Doe")
    assert checked.warnings


def test_a_row_with_nothing_in_it_is_a_problem():
    assert check(ContactRecord(notes="only a note"), line=4).values is None


def test_full_name_alone_is_split_and_family_first_with_a_comma():
    assert check(ContactRecord(full_name="Петър Иванов Петров"), 1).values["family_name"] == (
        "Петров"
    )
    v = check(ContactRecord(full_name="Papadopoulos, Nikos"), 1).values
    assert (v["given_name"], v["family_name"]) == ("Nikos", "Papadopoulos")


def test_a_row_with_only_an_organisation_is_an_organisation():
    v = check(ContactRecord(organisation="Фондация „Отворено общество“", emails=["a@b.bg"]), 1)
    assert v.values["kind"] == "organisation"
    assert v.values["email"] == "a@b.bg"


def test_unknown_country_is_kept_in_the_notes_not_refused():
    v = check(ContactRecord(given_name="Jo", country="Atlantis"), 1).values
    assert v["country"] == ""
    assert "Atlantis" in v["notes"]


def test_dates_as_files_write_them():
    assert parse_date("1980-04-15") == date(1980, 4, 15)
    assert parse_date("19800415") == date(1980, 4, 15)
    assert parse_date("4/15/1980") == date(1980, 4, 15)  # Outlook, month first
    assert parse_date("15/4/1980") == date(1980, 4, 15)
    assert parse_date("--04-15") is None  # no year (vCard 4.0, Google)
    assert parse_date("1604-04-15") is None  # Outlook's "no year"
    with pytest.raises(ValueError):
        parse_date("yesterday")


def test_country_names_in_english_bulgarian_and_codes():
    assert country_code("Greece") == "GR"
    assert country_code("Гърция") == "GR"
    assert country_code("ro") == "RO"
    assert country_code("") == ""
    assert country_code("Narnia") is None


EMAILISH = st.text(
    st.sampled_from("abcxyzABC019.-_+!#'\"@[]:\\ äъ") | st.sampled_from(["@", "."]), max_size=30
)


def _django_accepts(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


@settings(max_examples=400)
@given(EMAILISH | st.emails().map(str))
def test_the_quick_email_check_agrees_with_djangos(value):
    assert email_ok(value) == _django_accepts(value)


@pytest.mark.parametrize(
    "value", ["a@b.bg", "a@localhost", "a@[127.0.0.1]", '"a b"@x.org', "a@b", "a@@b.org", "@b.org"]
)
def test_the_quick_email_check_on_the_edges(value):
    assert email_ok(value) == _django_accepts(value)


@pytest.mark.parametrize(
    "record",
    [
        ContactRecord(given_name="Мария", family_name="Иванова", emails=["m@x.bg"], tags=["A"]),
        ContactRecord(organisation="Зелена планета", city="София"),
        ContactRecord(full_name="Ion Popescu", date_of_birth="1980-02-03", phones=["0888123456"]),
    ],
)
def test_a_staged_row_reads_back_as_the_values_checked(record):
    from svrazka.imports.checking import staged_text, staged_values

    values = check(record, 1).values
    text = staged_text(values)
    assert '""' not in text and "[]" not in text  # the empty ones are left out
    restored = staged_values(text)
    assert {
        k: list(v) if isinstance(v, tuple) else v for k, v in restored.items() if k in values
    } == values
