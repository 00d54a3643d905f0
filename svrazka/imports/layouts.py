"""Contact exports Svrazka knows by their columns (LinkedIn, Google Contacts, Outlook,
Thunderbird), and the column mapping for any other table.

A layout is recognised by a characteristic set of column names, in any order, among any other
columns, whatever their letter case (`recognise`). Each turns a row (header name -> value) into a
`ContactRecord`, copying every useful column: a value with no field of its own goes to
`ContactRecord.extra` as "Column name: value"; columns that only describe other columns ("E-mail
1 - Type"), phonetic spellings, photos and Outlook's housekeeping columns are dropped.

The headers these layouts were written against are in `shared/data/contact-csv-headers`
(see its SOURCES.md); localized exports (column names in other languages) are not recognised
and go through the column mapping like any other table.

For any other table: `TARGETS` (the fields a column can go to), `guess_mapping` (a first guess
from English and Bulgarian column names), `apply_mapping`, and `header_signature` (to remember a
mapping for the next file with the same columns).
"""

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from svrazka.imports.records import ContactRecord


@lru_cache(maxsize=4096)  # a file has few column names, each read once per row
def norm(name: str) -> str:
    """A column name as compared: no byte-order mark, folded case, single spaces."""
    return " ".join(name.replace("\ufeff", "").casefold().split())


# --- reading a row by column name ------------------------------------------------------------


class _Cells:
    """A row read by normalised column name, remembering which columns were used.

    Converters `take` the columns they map; whatever is left (`leftovers`) and not dropped on
    purpose goes to `extra` under its own column name.
    """

    __slots__ = ("names", "plan", "taken", "values")

    def __init__(self, header: tuple[str, ...], cells: list[str]) -> None:
        """A table row: its cells in the order of `header` (whose names are normalised once
        per file)."""
        plan = self.plan = _plan(header)
        self.names = plan.names  # normalised name -> the name as the file writes it
        if not plan.repeated:
            self.values = {
                k: v.strip() if v else "" for k, v in zip(plan.keys, cells, strict=False)
            }
        else:
            # A repeated column: keep the first value that is not empty, under its own name.
            self.values = {}
            self.names = {}
            for key, name, value in zip(plan.keys, plan.written, cells, strict=False):
                value = (value or "").strip()
                if key not in self.values or (value and not self.values[key]):
                    self.values[key] = value
                    self.names[key] = name
        self.taken: set[str] = set()

    def take(self, *names: str) -> str:
        """The first of these columns that has a value ("" if none); all count as used."""
        found = ""
        for name in names:
            key = norm(name)
            self.taken.add(key)
            if not found:
                found = self.values.get(key, "")
        return found

    def leftovers(self, drop: Callable[[str], bool]) -> list[tuple[str, str]]:
        """(column name, value) of the columns not taken, not dropped, with a value."""
        taken = self.taken
        return [
            (self.names[key], value)
            for key, value in self.values.items()
            if value and key not in taken and not drop(key)
        ]


class _Plan:
    """What is worked out once per header: each column's normalised name and name as written."""

    def __init__(self, header: tuple[str, ...]) -> None:
        self.keys = tuple(norm(name) for name in header)
        self.written = tuple(name.replace("\ufeff", "").strip() for name in header)
        self.repeated = len(set(self.keys)) < len(self.keys)
        self.names: dict[str, str] = {}
        for key, name in zip(self.keys, self.written, strict=True):
            self.names.setdefault(key, name)
        # Google's numbered groups: (normalised name, kind, number, part) in header order.
        self.google_groups = tuple(
            (key, *group) for key in self.names if (group := _google_group(key))
        )


@lru_cache(maxsize=16)
def _plan(header: tuple[str, ...]) -> _Plan:
    return _Plan(header)


def _dropper(names: Iterable[str], patterns: Iterable[str] = ()) -> Callable[[str], bool]:
    exact = frozenset(norm(n) for n in names)
    compiled = [re.compile(p) for p in patterns]
    return lambda key: key in exact or any(p.search(key) for p in compiled)


# --- values ----------------------------------------------------------------------------------

# What Outlook writes for "no date" and other non-values.
_NO_VALUE = frozenset({"0/0/00", "0/0/0000", "00.00.00", "00.00.0000", "1/1/1601"})


def split_multi(value: str) -> list[str]:
    """Google joins several values of one cell with " ::: "."""
    if ":::" not in value:  # most cells: one value or none
        value = value.strip()
        return [value] if value else []
    return [part.strip() for part in value.split(":::") if part.strip()]


def _unique(values: Iterable[str]) -> list[str]:
    if type(values) is list and len(values) < 2:  # most cells: nothing to compare
        return [v.strip() for v in values if v.strip()]
    result: list[str] = []
    seen: set[str] = set()
    for value in values:
        value = value.strip()
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            result.append(value)
    return result


def _join(parts: Iterable[str], separator: str = ", ") -> str:
    return separator.join(p.strip() for p in parts if p and p.strip())


def _month_day(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def birthday(text: str) -> str:
    """A birthday as "YYYY-MM-DD", or "--MM-DD" without its year; other text unchanged.

    Google writes "--04-15" for a birthday without a year; Outlook.com writes year 1604 for
    that; Outlook desktop writes its short date ("4/15/1980", or "15.4.1980" in much of Europe)
    and "0/0/00" for none. Validation (`validation.parse_date`) has the last word.
    """
    text = text.strip()
    if not text or text in _NO_VALUE:
        return ""
    year = month = day = None
    if m := re.fullmatch(r"--(\d{1,2})-?(\d{1,2})", text):
        month, day = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.+\-Z]*)?", text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        a, b = int(m[1]), int(m[2])
        # Outlook in English writes month/day; a first number over 12 can only be a day.
        month, day = (b, a) if a > 12 else (a, b)
        year = int(m[3])
    elif m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:г\.?)?", text):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    if month is None or day is None or not _month_day(month, day):
        return text
    if year is None or year == 1604:
        return f"--{month:02d}-{day:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def _year_month_day(year: str, month: str, day: str) -> str:
    """Thunderbird's three columns as one birthday ("" when month or day is missing)."""
    if not (month and day):
        return ""
    if month.isdigit() and day.isdigit() and (not year or year.isdigit()):
        if year and int(year) > 0:
            return birthday(f"{int(year):04d}-{int(month)}-{int(day)}")
        return birthday(f"--{int(month)}-{int(day)}")
    return _join((year, month, day), "-")  # as written, for validation to report


def url_field(url: str) -> str:
    """Which field a web address belongs in: "linkedin", "facebook", "x" or "website"."""
    text = url.strip()
    host = urlsplit(text if "//" in text else "//" + text).hostname or ""
    host = host.removeprefix("www.").removeprefix("m.").removeprefix("mobile.")
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        return "linkedin"
    if host in ("facebook.com", "fb.com", "fb.me") or host.endswith(".facebook.com"):
        return "facebook"
    if host in ("twitter.com", "x.com"):
        return "x"
    return "website"


def _add_url(record: ContactRecord, url: str, label: str) -> None:
    """Put a web address in its field, or in `extra` when the field is taken."""
    url = url.strip()
    if not url:
        return
    target = url_field(url)
    if not getattr(record, target):
        setattr(record, target, url)
    elif getattr(record, target) != url:
        record.extra.append(f"{label}: {url}")


def _tags(values: Iterable[str]) -> list[str]:
    """User labels, without Google's system groups ("* myContacts", "* starred")."""
    return _unique(v for v in values if not v.strip().startswith("*"))


def _finish(record: ContactRecord, cells: _Cells, drop: Callable[[str], bool]) -> ContactRecord:
    """Leftover columns to `extra`; a row with an organisation and no person is one."""
    record.emails = _unique(record.emails)
    record.phones = _unique(record.phones)
    record.extra.extend(
        f"{name}: {value}" for name, value in cells.leftovers(drop) if value not in _NO_VALUE
    )
    return set_kind(record)


def set_kind(record: ContactRecord) -> ContactRecord:
    """A row with an organisation and no person's name is the organisation itself."""
    person = record.given_name or record.middle_name or record.family_name
    if record.organisation and not person:
        if not record.full_name or norm(record.full_name) == norm(record.organisation):
            record.kind = "organisation"
    return record


# --- LinkedIn --------------------------------------------------------------------------------

_LINKEDIN_DROP = _dropper(())


def _linkedin(c: _Cells) -> ContactRecord:
    record = ContactRecord(
        given_name=c.take("First Name"),
        family_name=c.take("Last Name"),
        emails=[c.take("Email Address", "E-mail Address")],
        organisation=c.take("Company"),
        position=c.take("Position"),
    )
    _add_url(record, c.take("URL", "Profile URL"), "URL")
    # "Connected On" (when the connection was made) is left for `extra`.
    return _finish(record, c, _LINKEDIN_DROP)


# --- Google Contacts (the legacy "Google CSV" and the current export) ------------------------

# "E-mail 1 - Value", "Organization 2 - Title", "Custom Field 1 - Label"...
_GOOGLE_GROUP = re.compile(r"^(?P<kind>\D+?) (?P<n>\d+) - (?P<part>.+)$")

_GOOGLE_DROP = _dropper(
    (
        "Yomi Name",
        "Given Name Yomi",
        "Additional Name Yomi",
        "Family Name Yomi",
        "Phonetic First Name",
        "Phonetic Middle Name",
        "Phonetic Last Name",
        "Initials",
        "Photo",
        "Gender",
        "Sensitivity",
        "Priority",
        "Subject",
        "Billing Information",
        "Directory Server",
        "Mileage",
    ),
    # Types and labels describe the value next to them; Yomi is a Japanese reading.
    (r" - (type|label)$", r"yomi"),
)


def _google_groups(c: _Cells) -> dict[tuple[str, int], dict[str, str]]:
    """Numbered column groups, in the file's order: ("e-mail", 1) -> {"type": ..., "value": ...}."""
    groups: dict[tuple[str, int], dict[str, str]] = {}
    values = c.values
    for key, kind, n, part in c.plan.google_groups:
        groups.setdefault((kind, n), {})[part] = values.get(key, "")
        c.taken.add(key)
    return groups


def _google_group(key: str) -> tuple[str, int, str] | None:
    m = _GOOGLE_GROUP.match(key)
    return (m["kind"], int(m["n"]), m["part"]) if m else None


def _google_address(parts: dict[str, str]) -> tuple[str, str, str, str, str]:
    """(street, city, postal code, region, country) of one address group."""
    street = _join((parts.get("street", ""), parts.get("extended address", "")))
    if parts.get("po box"):
        street = _join((street, f"PO Box {parts['po box']}"))
    fields = (
        parts.get("city", ""),
        parts.get("postal code", ""),
        parts.get("region", ""),
        parts.get("country", ""),
    )
    if not street and not any(fields):
        # Only the formatted address (several lines): keep it whole as the street.
        street = _join(parts.get("formatted", "").splitlines())
    return (street, *fields)


def _google(c: _Cells) -> ContactRecord:
    record = ContactRecord(
        full_name=c.take("Name"),
        given_name=c.take("Given Name", "First Name"),
        middle_name=c.take("Additional Name", "Middle Name"),
        family_name=c.take("Family Name", "Last Name"),
        title=c.take("Name Prefix"),
        nickname=c.take("Nickname"),
        date_of_birth=birthday(c.take("Birthday")),
        notes=c.take("Notes"),
        tags=_tags(split_multi(c.take("Group Membership", "Labels"))),
        organisation=c.take("Organization Name"),
        position=c.take("Organization Title"),
        department=c.take("Organization Department"),
    )
    file_as = c.take("File As")
    address_done = False
    for (kind, n), parts in _google_groups(c).items():
        value = parts.get("value", "")
        label = parts.get("label") or parts.get("type") or ""
        if kind == "e-mail":
            record.emails.extend(split_multi(value))
        elif kind == "phone":
            record.phones.extend(split_multi(value))
        elif kind == "website":
            for url in split_multi(value):
                _add_url(record, url, label or "Website")
        elif kind == "address":
            street, city, postal_code, region, country = _google_address(parts)
            if not address_done and (street or city or postal_code or region or country):
                record.street, record.city, record.postal_code = street, city, postal_code
                record.region, record.country = region, country
                address_done = True
            elif text := _join((street, postal_code, city, region, country)):
                record.extra.append(f"{label or 'Address'}: {text}")
        elif kind == "organization":
            name, title, department = (
                parts.get("name", ""),
                parts.get("title", ""),
                parts.get("department", ""),
            )
            if not record.organisation and not record.position and (name or title):
                record.organisation, record.position = name, title
                record.department = record.department or department
            elif text := _join((name, title, department)):
                record.extra.append(f"Organization: {text}")
            if desc := parts.get("job description"):
                record.extra.append(f"Job Description: {desc}")
            if location := parts.get("location"):
                record.extra.append(f"Office Location: {location}")
        else:
            # Events ("Anniversary"), custom fields, relations ("Spouse"), IM, external IDs:
            # "label: value", the label being what the person typed or chose.
            if kind == "im" and parts.get("service"):
                label = parts["service"]
            label = label or f"{kind.title()} {n}"
            for one in split_multi(value):
                record.extra.append(f"{label}: {one}")
    # The legacy export has a free-text occupation besides the organisation's title.
    occupation = c.take("Occupation")
    if occupation and not record.position:
        record.position = occupation
    elif occupation:
        record.extra.append(f"Occupation: {occupation}")
    if file_as and not (record.given_name or record.family_name or record.full_name):
        if norm(file_as) != norm(record.organisation):
            record.full_name = file_as
    return _finish(record, c, _GOOGLE_DROP)


# --- Outlook (desktop "Export to CSV" and Outlook.com) --------------------------------------

# Phones that belong to the person, in order of usefulness. Faxes, pagers, telex, TTY and the
# assistant's phone are left for `extra`.
_OUTLOOK_PHONES = (
    "Mobile Phone",
    "Business Phone",
    "Business Phone 2",
    "Primary Phone",
    "Company Main Phone",
    "Home Phone",
    "Home Phone 2",
    "Other Phone",
    "Car Phone",
    "Callback",
    "Radio Phone",
    "ISDN",
)

_OUTLOOK_DROP = _dropper(
    (
        "Gender",
        "Priority",
        "Private",
        "Sensitivity",
        "Senstivity",  # sic, Outlook's spelling
        "Initials",
        "Internet Free/Busy",
        "Directory Server",
        "Billing Information",
        "Mileage",
        "Government ID Number",
        "Organizational ID Number",
        "Given Yomi",
        "Surname Yomi",
        "Company Yomi",
    ),
)


def _outlook_address(c: _Cells, prefix: str) -> tuple[str, str, str, str, str]:
    street = _join(
        (
            c.take(f"{prefix} Street"),
            c.take(f"{prefix} Street 2"),
            c.take(f"{prefix} Street 3"),
        )
    )
    po_box = c.take(f"{prefix} Address PO Box")
    if po_box:
        street = _join((street, f"PO Box {po_box}"))
    return (
        street,
        c.take(f"{prefix} City"),
        c.take(f"{prefix} Postal Code"),
        c.take(f"{prefix} State"),
        c.take(f"{prefix} Country/Region", f"{prefix} Country"),
    )


def _outlook(c: _Cells) -> ContactRecord:
    record = ContactRecord(
        title=c.take("Title"),
        given_name=c.take("First Name"),
        middle_name=c.take("Middle Name"),
        family_name=c.take("Last Name"),
        nickname=c.take("Nickname"),
        organisation=c.take("Company"),
        department=c.take("Department"),
        position=c.take("Job Title"),
        notes=c.take("Notes"),
        date_of_birth=birthday(c.take("Birthday")),
        tags=_tags(c.take("Categories").split(";")),
    )
    for n in ("", " 2", " 3"):
        address = c.take(f"E-mail{n} Address")
        kind = c.take(f"E-mail{n} Type")
        c.take(f"E-mail{n} Display Name")
        # Exchange contacts have an internal X.500 address ("/o=ExchangeLabs/..."), type EX.
        if address and kind.upper() != "EX" and not address.startswith(("/o=", "/O=")):
            record.emails.append(address)
    record.phones.extend(p for p in (c.take(name) for name in _OUTLOOK_PHONES) if p)
    # The business address first (Svrazka is about work), else home, else other.
    for prefix in ("Business", "Home", "Other"):
        street, city, postal_code, region, country = _outlook_address(c, prefix)
        if not (street or city or postal_code or region or country):
            continue
        if not (record.street or record.city or record.postal_code or record.country):
            record.street, record.city, record.postal_code = street, city, postal_code
            record.region, record.country = region, country
        else:
            text = _join((street, postal_code, city, region, country))
            record.extra.append(f"{prefix} Address: {text}")
    _add_url(record, c.take("Web Page"), "Web Page")
    _add_url(record, c.take("Personal Web Page"), "Personal Web Page")
    profession = c.take("Profession")
    if profession and not record.position:
        record.position = profession
    elif profession:
        record.extra.append(f"Profession: {profession}")
    anniversary = birthday(c.take("Anniversary"))
    if anniversary:
        record.extra.append(f"Anniversary: {anniversary}")
    return _finish(record, c, _OUTLOOK_DROP)


# --- Thunderbird -----------------------------------------------------------------------------

_THUNDERBIRD_DROP = _dropper(())


def _thunderbird(c: _Cells) -> ContactRecord:
    record = ContactRecord(
        given_name=c.take("First Name"),
        family_name=c.take("Last Name"),
        full_name=c.take("Display Name"),
        nickname=c.take("Nickname"),
        emails=[c.take("Primary Email"), c.take("Secondary Email")],
        phones=[c.take("Mobile Number"), c.take("Work Phone"), c.take("Home Phone")],
        organisation=c.take("Organization"),
        department=c.take("Department"),
        position=c.take("Job Title"),
        notes=c.take("Notes"),
        date_of_birth=_year_month_day(
            c.take("Birth Year"), c.take("Birth Month"), c.take("Birth Day")
        ),
    )
    for prefix in ("Work", "Home"):
        street = _join((c.take(f"{prefix} Address"), c.take(f"{prefix} Address 2")))
        city, postal_code = c.take(f"{prefix} City"), c.take(f"{prefix} ZipCode")
        region, country = c.take(f"{prefix} State"), c.take(f"{prefix} Country")
        if not (street or city or postal_code or region or country):
            continue
        if not (record.street or record.city or record.postal_code or record.country):
            record.street, record.city, record.postal_code = street, city, postal_code
            record.region, record.country = region, country
        else:
            text = _join((street, postal_code, city, region, country))
            record.extra.append(f"{prefix} Address: {text}")
    _add_url(record, c.take("Web Page 1"), "Web Page 1")
    _add_url(record, c.take("Web Page 2"), "Web Page 2")
    return _finish(record, c, _THUNDERBIRD_DROP)


# --- recognising a layout --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Layout:
    """A known export: `key` is the import format ("linkedin", "google", "outlook",
    "thunderbird"); `variant` tells apart exports of one program that share it."""

    key: str
    variant: str
    label: str | Promise
    # Each group must have at least one of its (normalised) column names in the header.
    required: tuple[frozenset[str], ...]
    convert: Callable[[_Cells], ContactRecord]

    def matches(self, names: set[str]) -> bool:
        return all(group & names for group in self.required)

    def to_record(self, row: Mapping[str, str]) -> ContactRecord:
        """The row (column name as in the header -> value) as a record."""
        row = {name: value for name, value in row.items() if name is not None}
        return self.record_of(tuple(row), list(row.values()))

    def record_of(self, header: tuple[str, ...], cells: list[str]) -> ContactRecord:
        """A table row (its cells, in the order of `header`) as a record."""
        return self.convert(_Cells(header, cells))


def _need(*alternatives: str) -> frozenset[str]:
    return frozenset(norm(a) for a in alternatives)


LINKEDIN = Layout(
    "linkedin",
    "connections",
    _("LinkedIn connections"),
    (
        _need("First Name"),
        _need("Last Name"),
        _need("Connected On"),
        _need("URL", "Email Address", "E-mail Address", "Company", "Position"),
    ),
    _linkedin,
)
THUNDERBIRD = Layout(
    "thunderbird",
    "",
    _("Thunderbird address book"),
    (
        _need("First Name"),
        _need("Last Name"),
        _need("Display Name"),
        _need("Primary Email"),
        _need("Secondary Email", "Screen Name", "Work Phone", "Mobile Number", "Web Page 1"),
    ),
    _thunderbird,
)
GOOGLE_LEGACY = Layout(
    "google",
    "legacy",
    _("Google Contacts (older “Google CSV” export)"),
    (
        _need("Given Name"),
        _need("Family Name"),
        _need("Group Membership", "Additional Name", "Yomi Name", "E-mail 1 - Value"),
    ),
    _google,
)
GOOGLE_CURRENT = Layout(
    "google",
    "current",
    _("Google Contacts"),
    (
        _need("First Name"),
        _need("Last Name"),
        _need("Labels"),
        _need("File As", "Phonetic First Name", "Organization Name", "Name Prefix"),
    ),
    _google,
)
OUTLOOK_COM = Layout(
    "outlook",
    "outlook.com",
    _("Outlook.com"),
    (
        _need("First Name"),
        _need("Last Name"),
        _need("E-mail Address"),
        _need("Given Yomi", "Surname Yomi", "Company Yomi"),
    ),
    _outlook,
)
OUTLOOK_DESKTOP = Layout(
    "outlook",
    "desktop",
    _("Outlook"),
    (
        _need("First Name"),
        _need("Last Name"),
        _need("E-mail Address"),
        _need("Business Country", "Business Country/Region", "Home Country/Region"),
    ),
    _outlook,
)

# The most specific first: the Outlook layouts share their names with the others.
LAYOUTS: tuple[Layout, ...] = (
    LINKEDIN,
    THUNDERBIRD,
    GOOGLE_LEGACY,
    GOOGLE_CURRENT,
    OUTLOOK_COM,
    OUTLOOK_DESKTOP,
)


def recognise(header: list[str]) -> Layout | None:
    """The known export these columns are from, or None."""
    names = {norm(h) for h in header}
    for layout in LAYOUTS:
        if layout.matches(names):
            return layout
    return None


# --- any other table: the column mapping -----------------------------------------------------

# Fields a column can go to, in the order they are offered. "email", "phone", "tags", "notes" and
# "street" can come from several columns.
TARGETS: list[tuple[str, str | Promise]] = [
    ("ignore", _("Do not import")),
    ("given_name", _("Given name")),
    ("middle_name", _("Middle name")),
    ("family_name", _("Family name")),
    ("full_name", _("Full name")),
    ("title", _("Title (Dr., Prof.)")),
    ("email", _("Email")),
    ("phone", _("Phone")),
    ("organisation", _("Organisation")),
    ("department", _("Department")),
    ("position", _("Position")),
    ("street", _("Street address")),
    ("city", _("City")),
    ("postal_code", _("Postal code")),
    ("region", _("Region")),
    ("country", _("Country")),
    ("date_of_birth", _("Date of birth")),
    ("website", _("Website")),
    ("linkedin", _("LinkedIn")),
    ("facebook", _("Facebook")),
    ("x", _("X (Twitter)")),
    ("notes", _("Notes")),
    ("tags", _("Tags")),
]

_MULTI = frozenset({"email", "phone", "tags", "notes", "street"})

# Column names people use for each field, in English and Bulgarian. They are compared as
# `_guess_key` makes them: folded case, letters and digits only ("E-mail" = "email").
_NAMES = {
    "given_name": (
        "first name", "firstname", "given name", "forename", "first",
        "собствено име", "първо име", "малко име",
    ),
    "middle_name": ("middle name", "middle", "additional name", "презиме", "бащино име"),
    "family_name": (
        "last name", "lastname", "surname", "family name", "last",
        "фамилия", "фамилно име",
    ),
    "full_name": (
        "name", "full name", "contact name", "contact", "display name", "person",
        "име и фамилия", "имена", "трите имена", "пълно име", "лице", "лице за контакт",
        "контактно лице", "име на лицето",
    ),
    "title": ("title", "prefix", "salutation", "honorific", "титла", "обръщение"),
    "email": (
        "email", "e-mail", "mail", "email address", "e-mail address", "primary email",
        "work email", "personal email", "имейл", "имейл адрес", "е-мейл", "е-поща", "ел. поща",
        "ел поща", "електронна поща", "мейл", "поща",
    ),
    "phone": (
        "phone", "telephone", "tel", "mobile", "mobile phone", "cell", "cell phone",
        "phone number", "work phone", "home phone", "gsm", "телефон", "тел", "телефонен номер",
        "мобилен", "мобилен телефон", "служебен телефон", "gsm номер",
    ),
    "organisation": (
        "organisation", "organization", "company", "company name", "organisation name",
        "organization name", "employer", "institution", "org", "affiliation", "организация",
        "фирма", "компания", "институция", "работодател", "месторабота",
    ),
    "department": ("department", "dept", "unit", "отдел", "звено", "дирекция"),
    "position": (
        "position", "job title", "job", "role", "occupation", "function",
        "длъжност", "позиция", "роля",
    ),
    "street": (
        "street", "address", "street address", "address line", "addressline", "адрес",
        "улица", "адрес за кореспонденция",
    ),
    "city": ("city", "town", "locality", "град", "населено място", "населено място град"),
    "postal_code": (
        "postal code", "postcode", "post code", "zip", "zip code", "пощенски код", "пк", "п.к.",
    ),
    "region": ("region", "state", "county", "province", "област", "регион", "община"),
    "country": ("country", "country/region", "nation", "държава", "страна"),
    "date_of_birth": (
        "birthday", "date of birth", "birth date", "birthdate", "dob", "born",
        "рождена дата", "дата на раждане", "рожден ден",
    ),
    "website": (
        "website", "web site", "web", "web page", "webpage", "homepage", "url", "site",
        "уебсайт", "уеб сайт", "сайт", "интернет страница", "уеб страница",
    ),
    "linkedin": ("linkedin", "linkedin url", "linkedin profile", "линкедин"),
    "facebook": ("facebook", "fb", "facebook page", "фейсбук"),
    "x": ("x", "twitter", "twitter handle", "x twitter", "туитър"),
    "notes": (
        "notes", "note", "comments", "comment", "remarks", "description",
        "бележки", "бележка", "забележка", "забележки", "коментар", "коментари",
    ),
    "tags": (
        "tags", "tag", "labels", "label", "categories", "category", "groups", "group",
        "етикети", "етикет", "тагове", "категория", "категории", "група", "групи",
    ),
}  # fmt: skip


def _guess_key(name: str) -> str:
    """The name as compared: "E-mail 2 " -> "email2", "Пощенски код" -> "пощенскикод"."""
    return "".join(ch for ch in name.replace("\ufeff", "").casefold() if ch.isalnum())


_GUESS = {_guess_key(name): target for target, names in _NAMES.items() for name in names}
# "Name" and "Име" are the given name next to a family-name column ("Name, Surname"), else the
# whole name.
_NAME_KEYS = frozenset({_guess_key("Name"), _guess_key("Име")})


def _guess_one(name: str) -> str | None:
    key = _guess_key(name)
    if not key:
        return None
    if key in _GUESS:
        return _GUESS[key]
    base = key.rstrip("0123456789")  # "Email 2", "Phone1", "Address line 2"
    if base != key and base in _GUESS:
        return _GUESS[base]
    # Names that only contain a word: "Work e-mail", "Служебен имейл", "Mobile number"...
    if any(w in key for w in ("type", "label", "тип", "вид", "fax", "факс")):
        return None
    if any(w in key for w in ("email", "имейл", "мейл", "епоща", "елпоща")):
        return "email"
    if any(w in key for w in ("phone", "mobile", "телефон", "мобилен", "gsm")):
        return "phone"
    return None


def guess_mapping(header: list[str]) -> dict[int, str]:
    """Column index -> target for the columns whose names say what they hold.

    A field that takes one value gets only the first column that names it.
    """
    keys = [_guess_key(name) for name in header]
    has_family = any(_GUESS.get(k) == "family_name" for k in keys)
    result: dict[int, str] = {}
    for i, name in enumerate(header):
        if keys[i] in _NAME_KEYS:
            target: str | None = "given_name" if has_family else "full_name"
        else:
            target = _guess_one(name)
        if target is None:
            continue
        if target not in _MULTI and target in result.values():
            continue
        result[i] = target
    return result


_SPLIT_EMAILS = re.compile(r"[\s,;]+|:::")
_SPLIT_LIST = re.compile(r"\s*(?:[,;]|:::)\s*")


def apply_mapping(
    mapping: Mapping[int, str], cells: list[str], header: list[str] | None = None
) -> ContactRecord:
    """The cells of one row as a record, through a mapping (column index -> target key).

    Several columns may go to "email", "phone" and "tags" (each cell may also hold several,
    separated by commas or semicolons), "notes" (joined by lines) and "street" (joined by
    commas). For other fields the first column with a value wins, and the value of any other
    goes to `extra` (as "Column: value" when `header` is given).
    """
    record = ContactRecord()
    filled: set[str] = set()
    for index, target in sorted(mapping.items(), key=lambda item: int(item[0])):
        index = int(index)
        value = cells[index].strip() if index < len(cells) else ""
        if not value or target == "ignore":
            continue
        if target == "email":
            record.emails.extend(v for v in _SPLIT_EMAILS.split(value) if v.strip())
        elif target == "phone":
            record.phones.extend(v for v in _SPLIT_LIST.split(value) if v)
        elif target == "tags":
            record.tags.extend(v for v in _SPLIT_LIST.split(value) if v)
        elif target == "notes":
            record.notes = _join((record.notes, value), "\n")
        elif target == "street":
            record.street = _join((record.street, value))
        elif not hasattr(record, target) or target in ("kind", "extra"):
            continue  # not a field (a stale mapping): nothing to put it in
        elif target in filled:
            name = header[index].strip() if header and index < len(header) else ""
            record.extra.append(f"{name}: {value}" if name else value)
        else:
            setattr(record, target, value)
            filled.add(target)
    record.emails = _unique(record.emails)
    record.phones = _unique(record.phones)
    record.tags = _unique(record.tags)
    return set_kind(record)


def header_signature(header: list[str]) -> str:
    """A stable hash of the column names (case, spacing and empty trailing columns aside),
    to remember the mapping chosen for a file with these columns."""
    names = [norm(h) for h in header]
    while names and not names[-1]:
        names.pop()
    return hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()
