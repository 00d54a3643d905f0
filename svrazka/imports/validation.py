"""Turn a `ContactRecord` read from a file into the values Svrazka stores, or into the reasons it
cannot: the same checks as the person and organisation forms (names as plain text, emails,
phones in E.164, web addresses, lengths), plus what only files have (formulas, impossible
dates, names of countries).

`check(record, region)` returns a `Checked` row: either `values` (plain JSON-able data, written
to the job's staging file) or `problems` [(field, message)].
"""

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import translation
from django.utils.translation import gettext as _

from svrazka.imports.records import ContactRecord
from svrazka.lib import translit
from svrazka.lib.countries import COUNTRIES
from svrazka.lib.identifiers import normalize_phone
from svrazka.lib.validators import validate_plain_name

# Field lengths of the contact models (svrazka.contacts.models).
MAX = {
    "given_name": 100,
    "middle_name": 100,
    "family_name": 100,
    "title": 50,
    "street": 200,
    "city": 100,
    "postal_code": 20,
    "website": 300,
    "linkedin": 300,
    "facebook": 300,
    "x": 300,
    "notes": 20000,
    "organisation": 300,
    "position": 150,
    "tag": 60,
    "email": 254,
    "address": 300,
}
MAX_EMAILS = 10
MAX_PHONES = 10
MAX_TAGS = 20

# What spreadsheets would run as a formula: "=…", or "+", "-", "@" followed by a function call.
_FORMULA = re.compile(r"^\s*(=|[+\-@]\s*[A-Za-z_][\w.]*\s*\()")
_URL = URLValidator(schemes=["http", "https"])
# Django's email check (validate_email), with its patterns compiled here once and the verdict
# on a domain kept: a file of contacts repeats a few domains many times.
_EMAIL_USER = re.compile(validate_email.user_regex.pattern, validate_email.user_regex.flags)


@lru_cache(maxsize=4096)
def _email_domain_ok(domain: str) -> bool:
    return domain in validate_email.domain_allowlist or validate_email.validate_domain_part(domain)


def email_ok(email: str) -> bool:
    """What `django.core.validators.validate_email` accepts (tests/test_import_validation.py
    compares)."""
    if not email or "@" not in email or len(email) > 320:
        return False
    user, domain = email.rsplit("@", 1)
    return _EMAIL_USER.match(user) is not None and _email_domain_ok(domain)


@dataclass
class Checked:
    line: int
    values: dict | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    excerpt: str = ""


def _label(name: str) -> str:
    labels = {
        "given_name": _("given name"),
        "middle_name": _("middle name"),
        "family_name": _("family name"),
        "title": _("title"),
        "street": _("street address"),
        "city": _("city"),
        "postal_code": _("postal code"),
        "website": _("website"),
        "linkedin": _("LinkedIn"),
        "facebook": _("Facebook"),
        "x": _("X (Twitter)"),
        "notes": _("notes"),
        "organisation": _("organisation"),
        "position": _("position"),
        "tag": _("tag"),
        "email": _("email"),
        "phone": _("phone"),
        "date_of_birth": _("date of birth"),
        "name": _("name"),
        "address": _("address"),
    }
    return labels.get(name, name)


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Folded country name (English, Bulgarian, and the code itself) -> ISO code."""
    names: dict[str, str] = {}
    for lang in ("en", "bg"):
        with translation.override(lang):
            for code, name in COUNTRIES:
                names[translit.fold(str(name))] = code
    for code, _name in COUNTRIES:
        names[code.lower()] = code
    extra = {
        "uk": "GB", "great britain": "GB", "england": "GB", "bulgarie": "BG", "bulgarien": "BG",
        "ellada": "GR", "hellas": "GR", "romania": "RO", "deutschland": "DE",
        "north macedonia": "MK", "macedonia": "MK", "turkiye": "TR", "czech republic": "CZ",
    }  # fmt: skip
    names.update({translit.fold(k): v for k, v in extra.items()})
    return names


def country_code(text: str) -> str | None:
    text = (text or "").strip()
    if not text:
        return ""
    return _country_names().get(translit.fold(text))


def parse_date(text: str) -> date | None:
    """A date of birth as files write it. None for no date or a date without its year
    ("--04-15", Outlook's year 1604); ValueError for one that cannot be."""
    text = (text or "").strip()
    if not text or text.startswith("--") or text in {"0/0/00", "00.00.0000"}:
        return None
    m = re.fullmatch(r"(\d{4})-?(\d{1,2})-?(\d{1,2})(?:[T ].*)?", text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    elif m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:г\.?)?", text):
        d, mo, y = (int(g) for g in m.groups())
    elif m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        a, b, y = (int(g) for g in m.groups())
        # Outlook writes month/day; a first number over 12 can only be a day.
        mo, d = (b, a) if a > 12 else (a, b)
    else:
        raise ValueError(text)
    if y == 1604:  # Outlook's "no year"
        return None
    value = date(y, mo, d)  # ValueError for 2023-02-30
    if y < 1900 or value > date.today():
        raise ValueError(text)
    return value


@lru_cache(maxsize=200_000)
def _word_tokens(text: str) -> frozenset[str]:
    return frozenset(translit.tokens(text))


@lru_cache(maxsize=200_000)
def sort_key(text: str) -> str:
    return translit.sort_key(text)


def person_tokens(values: dict) -> list[str]:
    """The search tokens the services give a person (see contacts.services._person_tokens),
    with names cached: a file repeats the same given and family names many times."""
    result: set[str] = set()
    for name in ("given_name", "middle_name", "family_name"):
        if values[name]:
            result |= _word_tokens(values[name])
    extra = []
    for number in values["phones"]:
        extra.append(number.lstrip("+"))
        if number.startswith("+359"):
            extra.append("0" + number[4:])
    if values["emails"] or extra:
        result |= translit.tokens(*values["emails"], *extra)
    return sorted(result)


@lru_cache(maxsize=100_000)
def _phone(raw: str, regions: tuple[str, ...]) -> str | None:
    """E.164 of a number valid in one of `regions` (the person's country, then the
    workspace's); else of one that is at least possible there; else None."""
    possible = None
    for region in regions:
        try:
            return normalize_phone(raw, region)
        except ValidationError:
            pass
        if possible is None:
            try:
                number = phonenumbers.parse(raw, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_possible_number(number):
                possible = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return possible


@lru_cache(maxsize=100_000)
def _good_name(value: str, limit: int) -> str | None:
    """A name as `_Row.name` keeps it (single spaces), or None if it has a problem to tell.
    Kept for the names seen last: a file repeats the same names (and organisations) often."""
    value = " ".join(value.split())
    if len(value) > limit or _FORMULA.match(value):
        return None
    try:
        validate_plain_name(value)
    except ValidationError:
        return None
    return value


class _Row:
    def __init__(self, line: int):
        self.line = line
        self.problems: list[tuple[str, str]] = []
        # What could not be stored as it is but is kept (in the notes): said, not refused.
        self.warnings: list[tuple[str, str]] = []
        self.kept: list[str] = []

    def text(self, name: str, value: str, *, limit_name: str | None = None) -> str:
        if not value:
            return ""
        value = " ".join(value.split()) if name != "notes" else value.strip()
        limit = MAX[limit_name or name]
        if len(value) > limit:
            self.problems.append(
                (
                    name,
                    _("%(field)s is longer than %(limit)s characters.")
                    % {"field": _label(name).capitalize(), "limit": limit},
                )
            )
            return ""
        if value and _FORMULA.match(value):
            self.problems.append(
                (
                    name,
                    _("%(field)s looks like a spreadsheet formula: “%(value)s”.")
                    % {"field": _label(name).capitalize(), "value": value[:40]},
                )
            )
            return ""
        return value

    def name(self, field_name: str, value: str, *, limit_name: str | None = None) -> str:
        if not value:
            return ""
        cleaned = _good_name(value, MAX[limit_name or field_name])
        if cleaned is not None:
            return cleaned
        value = self.text(field_name, value, limit_name=limit_name)
        if not value:
            return ""
        try:
            validate_plain_name(value)
        except ValidationError as e:
            self.problems.append(
                (field_name, f"{_label(field_name).capitalize()}: {e.messages[0]}")
            )
            return ""
        return value

    def url(self, name: str, value: str) -> str:
        value = self.text(name, value)
        if not value:
            return ""
        if "://" not in value:
            value = "https://" + value
        try:
            _URL(value)
        except ValidationError:
            self.problems.append(
                (
                    name,
                    _("“%(value)s” is not a web address.") % {"value": value[:80]},
                )
            )
            return ""
        return value

    def emails(self, values: list[str]) -> list[str]:
        result: list[str] = []
        for raw in values:
            email = (raw or "").strip().lower()
            if email.startswith("mailto:"):
                email = email[7:]
            if not email or email in result:
                continue
            if len(email) > MAX["email"] or not email_ok(email):
                self.warnings.append(
                    (
                        "email",
                        _("“%(value)s” is not a valid email address; it is kept in the notes.")
                        % {"value": raw[:80]},
                    )
                )
                self.kept.append(_("Email (not valid): %(value)s") % {"value": raw[:254]})
                continue
            result.append(email)
        return result[:MAX_EMAILS]

    def phones(self, values: list[str], regions: tuple[str, ...]) -> list[str]:
        result: list[str] = []
        for raw in values:
            raw = (raw or "").strip()
            if raw.lower().startswith("tel:"):
                raw = raw[4:]
            if not raw:
                continue
            number = _phone(raw, regions)
            if number is None:
                self.warnings.append(
                    (
                        "phone",
                        _(
                            "“%(value)s” is not a phone number Svrazka can read; "
                            "it is kept in the notes."
                        )
                        % {"value": raw[:40]},
                    )
                )
                self.kept.append(_("Phone (not valid): %(value)s") % {"value": raw[:60]})
                continue
            if number not in result:
                result.append(number)
        return result[:MAX_PHONES]

    def tags(self, values: list[str]) -> list[str]:
        result: list[str] = []
        for raw in values:
            tag = self.name("tag", raw)
            if tag and tag.casefold() not in {t.casefold() for t in result}:
                result.append(tag)
        return result[:MAX_TAGS]


def _split_full_name(full: str) -> tuple[str, str, str]:
    """("Family, Given") or ("Given [Middle] Family") -> (given, middle, family)."""
    full = " ".join(full.split())
    if "," in full:
        family, _sep, given = full.partition(",")
        return given.strip(), "", family.strip()
    parts = full.split(" ")
    if len(parts) == 1:
        return parts[0], "", ""
    if len(parts) == 2:
        return parts[0], "", parts[1]
    return parts[0], " ".join(parts[1:-1]), parts[-1]


def _notes(record: ContactRecord) -> str:
    lines = [record.notes.strip()] if record.notes.strip() else []
    if record.nickname:
        lines.append(_("Nickname: %(value)s") % {"value": record.nickname})
    if record.department:
        lines.append(_("Department: %(value)s") % {"value": record.department})
    if record.region:
        lines.append(_("Region: %(value)s") % {"value": record.region})
    lines.extend(e for e in record.extra if e)
    return "\n".join(lines)


def check(record: ContactRecord, line: int, region: str = "BG") -> Checked:
    """Validate one record; `region` is the default country for phone numbers without one."""
    row = _Row(line)
    excerpt = " ".join(
        p
        for p in (
            record.given_name,
            record.family_name,
            record.full_name if not (record.given_name or record.family_name) else "",
            record.emails[0] if record.emails else "",
            record.organisation,
        )
        if p
    )[:300]
    if record.is_empty():
        row.problems.append(("name", _("This row has no name, email, phone or organisation.")))
        return Checked(line=line, problems=row.problems, excerpt=excerpt)

    country = country_code(record.country)
    notes = _notes(record)
    if country is None:
        notes = "\n".join(
            filter(None, [notes, _("Country: %(value)s") % {"value": record.country.strip()}])
        )
        country = ""
    regions = tuple(dict.fromkeys(r for r in (country, region) if r))

    named = record.given_name or record.family_name or record.full_name
    is_org = record.kind == "organisation" or (not named and record.organisation)
    emails = row.emails(record.emails)
    phones = row.phones(record.phones, regions)
    if not is_org and not named:
        if not emails:
            row.problems.append(("name", _("This row has no name.")))
            return Checked(line=line, problems=row.problems, excerpt=excerpt)
        # A card with an address and nothing else (phones export these): named after it.
        record.full_name = " ".join(
            w.capitalize() for w in re.split(r"[._\-+]+", emails[0].split("@")[0]) if w
        )
        row.warnings.append(
            (
                "name",
                _("No name: named “%(name)s” after the email address.")
                % {"name": record.full_name},
            )
        )
    if row.kept:
        notes = "\n".join(filter(None, [notes, *row.kept]))
    address = ", ".join(p for p in (record.street, record.postal_code, record.city) if p.strip())
    common = {
        "website": row.url("website", record.website),
        "linkedin": row.url("linkedin", record.linkedin),
        "facebook": row.url("facebook", record.facebook),
        "x": row.url("x", record.x),
        "country": country,
        "notes": row.text("notes", notes),
        "tags": row.tags(record.tags),
    }
    if is_org:
        name = row.name("organisation", record.organisation)
        values = {
            "kind": "organisation",
            "name": name,
            "email": emails[0] if emails else "",
            "phone": phones[0] if phones else "",
            "city": row.text("city", record.city),
            "address": row.text("address", address),
            "sort_key": sort_key(name),
            **common,
        }
    else:
        given, middle, family = (
            record.given_name.strip(),
            record.middle_name.strip(),
            record.family_name.strip(),
        )
        if not (given or family):
            given, middle, family = _split_full_name(record.full_name)
        if not given:  # a family name alone: it is all the name there is
            given, family = family, ""
        try:
            birth = parse_date(record.date_of_birth)
        except ValueError:
            birth = None
            row.problems.append(
                (
                    "date_of_birth",
                    _("“%(value)s” is not a possible date of birth.")
                    % {"value": record.date_of_birth[:40]},
                )
            )
        values = {
            "kind": "person",
            "given_name": row.name("given_name", given),
            "middle_name": row.name("middle_name", middle),
            "family_name": row.name("family_name", family),
            "title": row.name("title", record.title),
            "emails": emails,
            "phones": phones,
            "street": row.text("street", record.street),
            "city": row.text("city", record.city),
            "postal_code": row.text("postal_code", record.postal_code),
            "date_of_birth": birth.isoformat() if birth else None,
            "organisation": row.name("organisation", record.organisation),
            "position": row.name("position", record.position),
            **common,
        }
        values["sort_key"] = sort_key(
            " ".join(
                p for p in (values["family_name"], values["given_name"], values["middle_name"]) if p
            )
        )
        values["tokens"] = person_tokens(values)
    if row.problems:
        return Checked(line=line, problems=row.problems, excerpt=excerpt)
    return Checked(line=line, values=values, warnings=row.warnings, excerpt=excerpt)
