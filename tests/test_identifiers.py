"""Identifiers NGOs type in: Bulgarian EIK/BULSTAT, EU PIC and OID, EU VAT numbers, phones.

The EIK check digits are computed here independently, from the published algorithm, so the tests
do not trust the code they check.
"""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from svrazka.lib.identifiers import (
    format_phone,
    is_valid_eik,
    normalize_eik,
    normalize_phone,
    normalize_vat,
    validate_eik,
    validate_oid,
    validate_pic,
    validate_vat,
)


def _weighted(digits: str, weights: list[int]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11


def eik9_check(first8: str) -> int:
    """The 9th digit of an EIK: weights 1..8 mod 11; if 10, weights 3..10 mod 11; if 10, 0."""
    r = _weighted(first8, list(range(1, 9)))
    if r == 10:
        r = _weighted(first8, list(range(3, 11)))
        if r == 10:
            r = 0
    return r


def bulstat13_check(digits9to12: str) -> int:
    """The 13th digit of a BULSTAT: digits 9-12 with weights 2,7,3,5; if 10, 4,9,5,7; if 10, 0."""
    r = _weighted(digits9to12, [2, 7, 3, 5])
    if r == 10:
        r = _weighted(digits9to12, [4, 9, 5, 7])
        if r == 10:
            r = 0
    return r


def make_eik(first8: str) -> str:
    return first8 + str(eik9_check(first8))


def make_bulstat(first8: str, branch3: str) -> str:
    """A 13-digit BULSTAT: a 9-digit EIK, three branch digits, a check digit over digits 9-12."""
    nine = make_eik(first8)
    return nine + branch3 + str(bulstat13_check(nine[8] + branch3))


def other_digit(digit: str) -> str:
    return str((int(digit) + 1) % 10)


def _first8_with_fallback(level: int) -> str:
    """Some 8-digit prefix whose check digit needs the fallback weights (level 1) or ends in 0
    after both (level 2)."""
    for n in range(10**7, 10**8):
        s = str(n)
        first = _weighted(s, list(range(1, 9)))
        second = _weighted(s, list(range(3, 11)))
        if first == 10 and (second == 10) == (level == 2):
            return s
    raise AssertionError("no such prefix")


# --- the test's own algorithm agrees with real, published numbers -------------------------

REAL_EIK = "831642181"  # a real Bulgarian company's EIK, as printed on its documents


def test_the_independent_algorithm_confirms_the_real_world_eik():
    assert make_eik(REAL_EIK[:8]) == REAL_EIK


BAD_NINE = REAL_EIK[:8] + other_digit(REAL_EIK[8])

# --- EIK / BULSTAT ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "eik",
    [
        REAL_EIK,
        make_eik("12345678"),
        make_eik("17500000"),
        make_eik("00000000"),
        make_eik(_first8_with_fallback(1)),
        make_eik(_first8_with_fallback(2)),
    ],
)
def test_valid_nine_digit_eik(eik):
    assert is_valid_eik(eik)
    validate_eik(eik)  # does not raise


def test_the_fallback_cases_are_really_exercised():
    once = _first8_with_fallback(1)
    twice = _first8_with_fallback(2)
    assert _weighted(once, list(range(1, 9))) == 10
    assert _weighted(twice, list(range(3, 11))) == 10
    assert make_eik(twice).endswith("0")


@pytest.mark.parametrize(
    "bulstat",
    [
        make_bulstat("83164218", "001"),
        make_bulstat("12345678", "987"),
        make_bulstat("17500000", "555"),
    ],
)
def test_valid_thirteen_digit_bulstat(bulstat):
    assert len(bulstat) == 13
    assert is_valid_eik(bulstat)
    validate_eik(bulstat)


def test_thirteen_digit_fallback_weights():
    # Find branch digits whose first weighted sum is 10, so the 4,9,5,7 weights decide.
    nine = REAL_EIK
    for n in range(10**3):
        branch = f"{n:03d}"
        if _weighted(nine[8] + branch, [2, 7, 3, 5]) == 10:
            break
    else:
        raise AssertionError("no branch needs the fallback")
    bulstat = make_bulstat(REAL_EIK[:8], branch)
    assert is_valid_eik(bulstat)
    assert not is_valid_eik(bulstat[:12] + other_digit(bulstat[12]))


@pytest.mark.parametrize(
    "value",
    [
        REAL_EIK[:8] + other_digit(REAL_EIK[8]),  # wrong check digit
        "123456789",  # check digit of 12345678 is 7
        "83164218A",  # a letter
        "8316421 1",  # a space inside is not a digit
        "8316421810",  # 10 digits
        "83164218",  # 8 digits
        "",
        # a 13-digit number whose first nine digits are fine but the 13th is wrong
        make_bulstat("83164218", "001")[:12] + other_digit(make_bulstat("83164218", "001")[12]),
        # a 13-digit number whose 13th digit fits digits 9-12 but whose 9th digit is wrong
        BAD_NINE + "001" + str(bulstat13_check(BAD_NINE[8] + "001")),
    ],
)
def test_invalid_eik(value):
    assert not is_valid_eik(value)
    with pytest.raises(ValidationError) as exc:
        validate_eik(value)
    assert exc.value.code == "invalid_eik"
    assert "EIK" in exc.value.messages[0]


def test_eik_with_bg_prefix_and_spaces_is_normalised():
    assert normalize_eik("BG" + REAL_EIK) == REAL_EIK
    assert normalize_eik("bg " + REAL_EIK) == REAL_EIK
    assert normalize_eik(" 831 642 181 ") == REAL_EIK
    validate_eik("BG" + REAL_EIK)
    validate_eik("bg831 642 181")
    with pytest.raises(ValidationError):
        validate_eik("BG123456789")


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.integers(1, 9))
def test_property_computed_check_digit_is_valid_and_any_other_is_not(first8, shift):
    eik = make_eik(first8)
    assert is_valid_eik(eik)
    wrong = first8 + str((int(eik[8]) + shift) % 10)
    assert not is_valid_eik(wrong)


# --- PIC and OID -----------------------------------------------------------------------------


def test_pic_is_nine_digits():
    validate_pic("949595373")
    for bad in ["94959537", "9495953730", "94959537A", "", "PIC949595"]:
        with pytest.raises(ValidationError) as exc:
            validate_pic(bad)
        assert exc.value.code == "invalid_pic"


def test_oid_is_e_and_eight_digits():
    validate_oid("E10012345")
    for bad in ["10012345", "E1001234", "E100123456", "X10012345", "EE0012345", ""]:
        with pytest.raises(ValidationError) as exc:
            validate_oid(bad)
        assert exc.value.code == "invalid_oid"


# --- VAT ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vat",
    [
        "BG" + REAL_EIK,
        "bg " + REAL_EIK,
        "BG" + make_eik("12345678"),
        "EL123456789",
        "GR123456789",  # the ISO code for Greece; VIES uses EL
        "RO1234567",
        "RO12345678",
        "DE123456789",
        "DE 123.456.789",
    ],
)
def test_valid_vat(vat):
    validate_vat(vat)


def test_greek_vat_is_normalised_to_el():
    assert normalize_vat("GR 123 456 789") == "EL123456789"
    assert normalize_vat("el123456789") == "EL123456789"


@pytest.mark.parametrize(
    "vat",
    [
        "BG123456789",  # BG + an EIK with a wrong check digit
        "BG" + REAL_EIK[:8] + other_digit(REAL_EIK[8]),
        "BG12345",  # too short for Bulgaria
        "DE12345678",  # Germany has 9 digits
        "DE1234567890",
        "ELABCDEFGHI",
        "RO1",
        "123456789",  # no country code
        "",
        "B",
        "!!!",
    ],
)
def test_invalid_vat(vat):
    with pytest.raises(ValidationError) as exc:
        validate_vat(vat)
    assert exc.value.code == "invalid_vat"
    assert exc.value.messages[0]


def test_bulgarian_vat_with_bad_eik_says_why():
    with pytest.raises(ValidationError) as exc:
        validate_vat("BG123456789")
    assert "EIK" in exc.value.messages[0]


# --- phones ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0888 123 456", "+359888123456"),
        ("0888123456", "+359888123456"),
        ("+359 888 123 456", "+359888123456"),
        ("00359 888 123 456", "+359888123456"),
        ("02 987 6543", "+35929876543"),
        ("+30 231 012 3456", "+302310123456"),
        ("+40 721 234 567", "+40721234567"),
        ("  +40 (721) 234-567 ", "+40721234567"),
    ],
)
def test_phone_is_normalised_to_e164(raw, e164):
    assert normalize_phone(raw) == e164


def test_phone_default_region_is_used_for_national_numbers():
    assert normalize_phone("0721 234 567", default_region="RO") == "+40721234567"
    assert normalize_phone("231 012 3456", default_region="gr") == "+302310123456"


@pytest.mark.parametrize("raw", ["123", "abc", "+359 1", "", "0888 123", "+40 721 234 567 89"])
def test_invalid_phone_raises_with_a_message(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(raw)
    assert exc.value.code == "invalid_phone"
    message = exc.value.messages[0]
    assert "not a valid phone number" in message
    assert raw.strip() in message


def test_format_phone_for_reading():
    assert format_phone("+359888123456") == "+359 88 812 3456"
    assert format_phone("+40721234567") == "+40 721 234 567"
    assert format_phone("+302310123456") == "+30 231 012 3456"


def test_format_phone_leaves_unparseable_values_alone():
    assert format_phone("not a number") == "not a number"
