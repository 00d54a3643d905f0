"""Identifiers that matter to NGOs: Bulgarian EIK/BULSTAT, EU PIC and OID, VAT; phone numbers."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def _eik_check_digit(digits: str, weights: tuple[int, ...], fallback: tuple[int, ...]) -> int:
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    if total == 10:
        total = sum(int(d) * w for d, w in zip(digits, fallback, strict=True)) % 11
        if total == 10:
            total = 0
    return total


def is_valid_eik(value: str) -> bool:
    """True for a 9-digit EIK or a 13-digit BULSTAT whose check digits are right."""
    if not re.fullmatch(r"\d{9}|\d{13}", value):
        return False
    if _eik_check_digit(value[:8], (1, 2, 3, 4, 5, 6, 7, 8), (3, 4, 5, 6, 7, 8, 9, 10)) != int(
        value[8]
    ):
        return False
    if len(value) == 13:
        return _eik_check_digit(value[8:12], (2, 7, 3, 5), (4, 9, 5, 7)) == int(value[12])
    return True


def normalize_eik(value: str) -> str:
    value = re.sub(r"\s+", "", value or "")
    return value[2:] if value.upper().startswith("BG") else value


def validate_eik(value: str) -> None:
    if not is_valid_eik(normalize_eik(value)):
        raise ValidationError(
            _("This is not a valid EIK/BULSTAT: 9 or 13 digits with a correct check digit."),
            code="invalid_eik",
        )


def validate_pic(value: str) -> None:
    """The EU Participant Identification Code: 9 digits."""
    if not re.fullmatch(r"\d{9}", value or ""):
        raise ValidationError(_("A PIC has exactly 9 digits."), code="invalid_pic")


def validate_oid(value: str) -> None:
    """The Erasmus+ Organisation ID: E followed by 8 digits."""
    if not re.fullmatch(r"E\d{8}", value or ""):
        raise ValidationError(
            _("An OID is the letter E followed by 8 digits, e.g. E10012345."), code="invalid_oid"
        )


# EU VAT numbers: a country prefix and a country-specific body (structure only).
_VAT_PATTERNS = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d[A-Z0-9+*]\d{5}[A-Z]{1,2}",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{12}",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
    "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
}


def normalize_vat(value: str) -> str:
    value = re.sub(r"[\s.\-]", "", value or "").upper()
    return "EL" + value[2:] if value.startswith("GR") else value


def validate_vat(value: str) -> None:
    value = normalize_vat(value)
    pattern = _VAT_PATTERNS.get(value[:2])
    if pattern is None:
        if not re.fullmatch(r"[A-Z]{2}[A-Z0-9]{2,13}", value):
            raise ValidationError(
                _("A VAT number starts with a two-letter country code, e.g. BG123456789."),
                code="invalid_vat",
            )
        return
    if not re.fullmatch(pattern, value[2:]):
        raise ValidationError(
            _("This is not a valid VAT number for %(country)s.") % {"country": value[:2]},
            code="invalid_vat",
        )
    if value.startswith("BG") and len(value) == 11 and not is_valid_eik(value[2:]):
        # A Bulgarian VAT number of a legal entity is BG followed by its EIK.
        raise ValidationError(
            _("A Bulgarian VAT number is BG followed by a valid EIK."), code="invalid_vat"
        )


def normalize_phone(value: str, default_region: str = "BG") -> str:
    """The number in E.164 (+359888123456), or ValidationError."""
    raw = (value or "").strip()
    try:
        number = phonenumbers.parse(raw, default_region.upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or not phonenumbers.is_possible_number(number)
        or not (phonenumbers.is_valid_number(number))
    ):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid phone number. Write it with its country code, "
                "e.g. +359 888 123 456."
            )
            % {"value": raw[:40]},
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """A stored E.164 number in the international format people read."""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164
