"""Reading vCard files (versions 2.1, 3.0 and 4.0) into `ContactRecord`s, one card at a time.

Written by hand from the format's description (vCard 2.1, RFC 2425/2426, RFC 6350), because the
files real programs write break the rules in ways a strict parser refuses: Outlook and Android
continue quoted-printable values on unindented lines, iPhone ends lines with CR CR LF, Evolution
folds inside parameters, Gmail escapes colons in web addresses.

Memory stays bounded whatever the file's size: the reader takes lines one by one, keeps only the
current card, drops photos, logos, sounds, keys and every property it does not use as they are
read (without storing them), and gives up on a card whose kept text passes `MAX_CARD_CHARS`.

What the reader copies is the text of the file; validation happens later
(`svrazka.imports.validation`).
"""

import base64
import binascii
import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from svrazka.imports.records import ContactRecord

# The most text one card may keep (photos and unused properties are not kept, so do not count).
MAX_CARD_CHARS = 2 * 1024 * 1024

# Properties the reader turns into fields; every other property is skipped while reading.
# AGENT is kept only to recognise a vCard 2.1 card embedded in another (see `_Reader.feed`).
_USED = frozenset(
    {
        "VERSION",
        "N",
        "FN",
        "NICKNAME",
        "ORG",
        "TITLE",
        "ROLE",
        "EMAIL",
        "TEL",
        "ADR",
        "BDAY",
        "URL",
        "NOTE",
        "CATEGORIES",
        "KIND",
        "X-ABSHOWAS",
        "X-SOCIALPROFILE",
        "IMPP",
        "AGENT",
    }
)

# vCard 2.1 writes some parameters without a name ("TEL;WORK;VOICE:"); these are encodings.
_BARE_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"})

_NO_PREFERENCE = 1000


class VCardError(Exception):
    """A card that cannot be read; the message is for people (in their language)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def looks_like_vcard(first_text: str) -> bool:
    """Whether the first line that is not blank is BEGIN:VCARD (in any letter case)."""
    for raw in first_text.splitlines():
        text = raw.strip().lstrip("\ufeff").strip()
        if text:
            return text.upper() == "BEGIN:VCARD"
    return False


def iter_records(lines: Iterable[str]) -> Iterator[tuple[int, ContactRecord | VCardError]]:
    """(line where the card begins, its record or why it cannot be read), card by card.

    `lines` are decoded text lines with or without their line ends (a text file, for one).
    """
    reader = _Reader()
    for number, raw in enumerate(lines, start=1):
        yield from reader.feed(number, raw)
    yield from reader.finish()


# --- From lines to content lines ---------------------------------------------------------------


class _Pending:
    """The content line being read, which may continue on the following lines."""

    __slots__ = ("line", "name", "keep", "qp", "parts", "size", "soft_break")

    def __init__(self, line: int, text: str) -> None:
        self.line = line
        # The name is what comes before the first ";" or ":", without its group ("item1.EMAIL").
        self.name = re.split(r"[;:]", text, maxsplit=1)[0].strip().rsplit(".", 1)[-1].upper()
        self.keep = self.name in _USED
        self.qp = "QUOTED-PRINTABLE" in text.split(":", 1)[0].upper()
        self.parts: list[str] = []
        self.size = 0
        self.soft_break = False
        self.add(text)

    def add(self, text: str) -> None:
        """The first line, or one that continues it (folded, or after a soft line break)."""
        # Quoted-printable ends a line with "=" when the value continues on the next line (a
        # "soft line break"), and that line is not indented. The "=" is not part of the value.
        stripped = text.rstrip()
        self.soft_break = self.qp and stripped.endswith("=")
        if self.soft_break:
            text = stripped[:-1]
        if self.keep:
            self.parts.append(text)
            self.size += len(text)

    def text(self) -> str:
        return "".join(self.parts)


class _Reader:
    """A state machine fed one line at a time; it keeps at most one card."""

    def __init__(self) -> None:
        self.start: int | None = None  # line of the current card's BEGIN:VCARD; None between cards
        self.version = ""
        self.kept: list[tuple[int, str]] = []
        self.size = 0
        self.pending: _Pending | None = None
        self.skipping = False  # the card is too large: read on to its END:VCARD, keep nothing
        self.nested = 0  # depth inside a vCard 2.1 AGENT card embedded in the current one

    def _begin(self, number: int) -> None:
        self.start = number
        self.version = ""
        self.kept = []
        self.size = 0
        self.pending = None
        self.skipping = False
        self.nested = 0

    def _close_pending(self) -> None:
        p = self.pending
        self.pending = None
        if p is None or not p.keep:
            return
        text = p.text()
        if p.name == "VERSION":
            self.version = text.partition(":")[2].strip()
        self.kept.append((p.line, text))

    def _missing_end(self) -> tuple[int, VCardError]:
        assert self.start is not None
        message = _("The card starting on line %(line)s has no END:VCARD.") % {"line": self.start}
        return self.start, VCardError(message, self.start)

    def feed(self, number: int, raw: str) -> Iterator[tuple[int, ContactRecord | VCardError]]:
        text = raw.rstrip("\r\n")
        if number == 1:
            text = text.lstrip("\ufeff")
        # A folded line is never BEGIN or END, even if it reads so (a note folded just there).
        folded = text[:1] in (" ", "\t") and self.pending is not None
        marker = "" if folded else text.strip().upper()

        if self.start is None:
            # Between cards: anything but the next BEGIN:VCARD is ignored.
            if marker == "BEGIN:VCARD":
                self._begin(number)
            return
        if self.nested:
            if marker == "BEGIN:VCARD":
                self.nested += 1
            elif marker == "END:VCARD":
                self.nested -= 1
            return
        if marker == "END:VCARD":
            if not self.skipping:
                self._close_pending()
                yield self.start, _build([p for p in map(_parse, self.kept) if p is not None])
            self.start = None
            self.kept = []
            return
        if marker == "BEGIN:VCARD":
            p = self.pending
            if not self.skipping and p is not None and p.name == "AGENT":
                # vCard 2.1 writes a person's agent as a whole card after "AGENT:"; skip it.
                self.pending = None
                self.nested = 1
                return
            # A new card before this one ended: report this one and read on.
            if not self.skipping:
                yield self._missing_end()
            self._begin(number)
            return
        if self.skipping:
            return

        p = self.pending
        before = p.size if p is not None else 0
        if p is not None and p.soft_break:
            p.add(text)
        elif p is not None and folded:
            # Folding: a line break followed by one space or tab is no character (3.0, 4.0);
            # vCard 2.1 folded only at white space, which stays.
            p.add(text if self.version == "2.1" else text[1:])
        elif not text.strip():
            # A blank line means nothing inside a card (2.1 ends base64 data with one; files
            # read with CR CR LF line ends have one after every line).
            return
        else:
            self._close_pending()
            p = self.pending = _Pending(number, text)
            before = 0
        self.size += p.size - before
        if self.size > MAX_CARD_CHARS:
            start = self.start
            message = _(
                "The card starting on line %(line)s is larger than %(size)s MB; it was skipped."
            ) % {"line": start, "size": MAX_CARD_CHARS // (1024 * 1024)}
            yield start, VCardError(message, start)
            self.skipping = True
            self.kept = []
            self.pending = None

    def finish(self) -> Iterator[tuple[int, ContactRecord | VCardError]]:
        if self.start is not None and not self.skipping:
            yield self._missing_end()
        self.start = None


# --- Content lines --------------------------------------------------------------------------


@dataclass
class _Property:
    line: int
    group: str
    name: str
    params: dict[str, list[str]] = field(default_factory=dict)
    raw: str = ""  # the value as written: still escaped, maybe encoded

    @property
    def types(self) -> set[str]:
        return {t.lower() for t in self.params.get("TYPE", [])}

    @property
    def preference(self) -> int:
        """1 is the most preferred (4.0 PREF=1, 2.1 and 3.0 TYPE=pref), then 2, 3…"""
        for value in self.params.get("PREF", []):
            if value.strip().isdecimal():
                return int(value)
        return 1 if "pref" in self.types else _NO_PREFERENCE

    def param(self, name: str) -> str:
        values = self.params.get(name)
        return values[-1].strip() if values else ""


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    quoted = False
    start = 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def _parse(item: tuple[int, str]) -> _Property | None:
    """A content line as [group "."] name *(";" param) ":" value. None for a line with no colon."""
    line, text = item
    colon = text.find(":")
    if colon < 0:
        return None
    if '"' in text[:colon]:
        # A quoted parameter value may hold colons (LABEL="a:b"); with an unbalanced quote,
        # the first colon has to do.
        quoted = False
        for i, ch in enumerate(text):
            if ch == '"':
                quoted = not quoted
            elif ch == ":" and not quoted:
                colon = i
                break
    head, raw = text[:colon], text[colon + 1 :]
    pieces = _split_outside_quotes(head, ";")
    group, _dot, name = pieces[0].strip().rpartition(".")
    prop = _Property(line=line, group=group, name=name.upper(), raw=raw)
    for piece in pieces[1:]:
        key, eq, value = piece.partition("=")
        key = key.strip().upper()
        if not key:
            continue
        if not eq:  # a vCard 2.1 parameter without its name
            value, key = key, "ENCODING" if key in _BARE_ENCODINGS else "TYPE"
            prop.params.setdefault(key, []).append(value)
        elif key == "TYPE":  # TYPE=work,pref (3.0) and TYPE="work,voice" (4.0)
            values = [v.strip() for v in _unquote(value).split(",")]
            prop.params.setdefault(key, []).extend(v for v in values if v)
        else:
            prop.params.setdefault(key, []).append(_unquote(value))
    return prop


# --- Values ----------------------------------------------------------------------------------

_QP_OCTET = re.compile(r"=([0-9A-Fa-f]{2})")
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
# RFC 6350 defines \n \, \; \\; Apple and Google also escape colons and double quotes.
_ESCAPES = {"n": "\n", "N": "\n", "\\": "\\", ",": ",", ";": ";", ":": ":", '"': '"'}


def _codec(charset: str) -> str | None:
    """Python's name for a CHARSET parameter; None for none, an unknown one, or one that is not
    a text encoding (CHARSET=base64)."""
    if not charset:
        return None
    try:
        name = codecs.lookup(charset).name
        "".encode(name)  # LookupError for codecs that are not text encodings
    except LookupError:
        return None
    return name


def _legacy_codec(data: bytes) -> str:
    """A guess for 8-bit text that says neither its charset nor is UTF-8: mostly letters in the
    upper half (Cyrillic in windows-1251) or Latin letters with a few accented ones (1252)."""
    upper = sum(1 for b in data if b >= 0xC0)
    latin = sum(1 for b in data if 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A)
    return "cp1251" if 2 * upper > latin else "cp1252"


def _decode_bytes(data: bytes, codec: str | None) -> str:
    if codec:
        return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(_legacy_codec(data), errors="replace")


def _quoted_printable(text: str, codec: str | None) -> bytes:
    """=XX octets to bytes; other characters as the charset writes them. (Soft line breaks were
    taken out while reading the lines.)"""
    out = bytearray()
    pos = 0
    for m in _QP_OCTET.finditer(text):
        out += text[pos : m.start()].encode(codec or "utf-8", errors="replace")
        out.append(int(m.group(1), 16))
        pos = m.end()
    out += text[pos:].encode(codec or "utf-8", errors="replace")
    return bytes(out)


def _decoded(prop: _Property) -> str:
    """The value with its transfer encoding (2.1 quoted-printable, base64) undone."""
    encoding = prop.param("ENCODING").upper()
    codec = _codec(prop.param("CHARSET"))
    if encoding in ("QUOTED-PRINTABLE", "QP"):
        return _decode_bytes(_quoted_printable(prop.raw, codec), codec)
    if encoding in ("B", "BASE64"):
        try:
            data = base64.b64decode("".join(prop.raw.split()))
        except (binascii.Error, ValueError):
            return ""
        return _decode_bytes(data, codec)
    return prop.raw


def _split_escaped(text: str, seps: str) -> list[str]:
    """Split at any of `seps` not escaped with a backslash; the pieces keep their escapes."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch in seps:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    """Escapes to what they stand for; any other backslash (C:\\temp) stays as written."""
    return _ESCAPED.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def _one_line(text: str, sep: str = " ") -> str:
    """Single-line text: lines joined with `sep`, runs of white space as one space."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return sep.join(line for line in lines if line)


def _text(prop: _Property) -> str:
    return _unescape(_decoded(prop)).strip()


def _component_values(prop: _Property, lists: bool) -> list[list[str]]:
    """The ";"-separated components of a structured value (N, ADR, ORG), each a list of values
    on one line: with `lists` (3.0 and 4.0) a component may hold several, separated by ","."""
    result = []
    for component in _split_escaped(_decoded(prop), ";"):
        values = _split_escaped(component, ",") if lists else [component]
        texts = (_one_line(_unescape(v), ", ") for v in values)
        result.append([t for t in texts if t])
    return result


def _components(prop: _Property, lists: bool, joiner: str = ", ") -> list[str]:
    return [joiner.join(values) for values in _component_values(prop, lists)]


def _component(parts: list[str], index: int) -> str:
    return parts[index] if index < len(parts) else ""


def _by_preference(props: list[_Property]) -> list[_Property]:
    """The preferred first, otherwise in the file's order."""
    return sorted(props, key=lambda p: p.preference)  # sorted() is stable


def _phone(prop: _Property) -> str:
    value = _one_line(_text(prop))
    if value.lower().startswith("tel:"):  # 4.0: tel:+1-418-656-9254;ext=102
        number, *params = value[4:].split(";")
        ext = next((p[4:] for p in params if p.lower().startswith("ext=")), "")
        value = f"{number} ext. {ext}" if ext else number
    return value.strip()


def _social_kind(url: str) -> str | None:
    """The field for a profile on LinkedIn, Facebook or X ("linkedin", "facebook", "x")."""
    try:
        host = urlsplit(url if "://" in url else "https://" + url).hostname or ""
    except ValueError:
        return None
    host = host.lower().removeprefix("www.").removeprefix("m.")
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        return "linkedin"
    if host in ("facebook.com", "fb.com", "fb.me") or host.endswith(".facebook.com"):
        return "facebook"
    if host in ("twitter.com", "x.com", "mobile.twitter.com"):
        return "x"
    return None


_SOCIAL_TYPES = {"linkedin": "linkedin", "facebook": "facebook", "twitter": "x", "x": "x"}


def _address_line(parts: list[str]) -> str:
    """An address on one line, for `extra`: street, PO box, postal code and city, region, land."""
    pobox, extended, street, city, region, postal, country = (
        _component(parts, i) for i in range(7)
    )
    town = " ".join(p for p in (postal, city) if p)
    return ", ".join(p for p in (street, extended, pobox, town, region, country) if p)


# --- From properties to a record ---------------------------------------------------------------


def _build(props: list[_Property]) -> ContactRecord:
    record = ContactRecord()
    version = next((p.raw.strip() for p in props if p.name == "VERSION"), "")
    lists = version != "2.1"  # 3.0 and 4.0 separate the values of a list with commas
    by_name: dict[str, list[_Property]] = {}
    for p in props:
        by_name.setdefault(p.name, []).append(p)

    def each(name: str) -> list[_Property]:
        return by_name.get(name, [])

    def first_text(name: str) -> str:
        return next((t for t in (_one_line(_text(p)) for p in each(name)) if t), "")

    def add_extra(line: str) -> None:
        if line not in record.extra:
            record.extra.append(line)

    # Names: the first N that has any (4.0 may give one per language), else FN as it is.
    for p in each("N"):
        values = _component_values(p, lists)
        # Several given or additional names are one name ("Richter,James"); several suffixes a
        # list ("ing. jr,M.Sc.").
        parts = [" ".join(v) for v in values[:4]] + [", ".join(v) for v in values[4:5]]
        if any(parts):
            record.family_name = _component(parts, 0)
            record.given_name = _component(parts, 1)
            record.middle_name = _component(parts, 2)
            record.title = _component(parts, 3)
            if suffix := _component(parts, 4):
                add_extra(_("Name suffix: %(value)s") % {"value": suffix})
            break
    record.full_name = first_text("FN")
    for p in each("NICKNAME"):
        values = _split_escaped(_decoded(p), ",") if lists else [_decoded(p)]
        record.nickname = ", ".join(t for t in (_one_line(_unescape(v)) for v in values) if t)
        if record.nickname:
            break

    # Work: the first ORG (organisation; units), the first TITLE, else ROLE.
    for p in each("ORG"):
        parts = _components(p, lists=False)
        if not any(parts):
            continue
        if not (record.organisation or record.department):
            record.organisation = parts[0]
            record.department = ", ".join(c for c in parts[1:] if c)
        else:
            add_extra(_("Organisation: %(value)s") % {"value": ", ".join(c for c in parts if c)})
    titles = [t for t in (_one_line(_text(p)) for p in each("TITLE")) if t]
    roles = [t for t in (_one_line(_text(p)) for p in each("ROLE")) if t]
    if titles or roles:
        record.position = (titles or roles)[0]
    for title in titles[1:]:
        add_extra(_("Position: %(value)s") % {"value": title})
    for role in roles:
        if role != record.position:
            add_extra(_("Role: %(value)s") % {"value": role})

    for p in _by_preference(each("EMAIL")):
        email = _one_line(_text(p))
        if email and email.casefold() not in {e.casefold() for e in record.emails}:
            record.emails.append(email)
    for p in _by_preference(each("TEL")):
        phone = _phone(p)
        if phone and phone not in record.phones:
            record.phones.append(phone)

    # The address: the preferred ADR, else the first; the others go to `extra`.
    # Components lose the commas some programs leave at their ends ("Silicon Alley 5,").
    addresses = [(p, [c.strip(" ,") for c in _components(p, lists)]) for p in each("ADR")]
    addresses = [a for a in addresses if any(a[1])]
    if addresses:
        chosen = min(addresses, key=lambda a: a[0].preference)
        parts = chosen[1]
        record.street = ", ".join(p for p in (_component(parts, 2), _component(parts, 1)) if p)
        record.city = _component(parts, 3)
        record.region = _component(parts, 4)
        record.postal_code = _component(parts, 5)
        record.country = _component(parts, 6)
        if pobox := _component(parts, 0):
            add_extra(_("PO box: %(value)s") % {"value": pobox})
        for other in addresses:
            if other is not chosen:
                add_extra(_("Address: %(value)s") % {"value": _address_line(other[1])})

    record.date_of_birth = first_text("BDAY")

    # Web addresses: LinkedIn, Facebook and X profiles to their fields, the first other to
    # website; the rest are kept in `extra`.
    def add_link(kind: str, url: str) -> None:
        current = getattr(record, kind)
        if not current:
            setattr(record, kind, url)
        elif current != url:
            labels = {
                "website": _("Website: %(value)s"),
                "linkedin": _("LinkedIn: %(value)s"),
                "facebook": _("Facebook: %(value)s"),
                "x": _("X: %(value)s"),
            }
            add_extra(labels[kind] % {"value": url})

    # Social profiles first: their TYPE says which site, whatever the address.
    for p in each("X-SOCIALPROFILE"):
        url = _one_line(_text(p), "")
        kind = next((_SOCIAL_TYPES[t] for t in sorted(p.types) if t in _SOCIAL_TYPES), None)
        kind = kind or _social_kind(url)
        if kind and "://" in url:
            add_link(kind, url)
        elif url:
            add_extra(_("Social profile: %(value)s") % {"value": url})
    profiles = {record.linkedin, record.facebook, record.x} - {""}
    for p in _by_preference(each("URL")):
        url = _one_line(_text(p), "")
        if url and url not in profiles:
            add_link(_social_kind(url) or "website", url)
    for p in each("IMPP"):
        if address := _one_line(_text(p)):
            add_extra(_("Instant messaging: %(value)s") % {"value": address})

    notes: list[str] = []
    for p in each("NOTE"):
        note = _text(p).replace("\r\n", "\n").replace("\r", "\n").strip()
        if note and note not in notes:
            notes.append(note)
    record.notes = "\n".join(notes)

    # Tags: Svrazka's tag names have no commas or semicolons, so both separate categories, even
    # escaped (Thunderbird escapes the commas between its categories).
    for p in each("CATEGORIES"):
        for tag in re.split(r"[,;]", _unescape(_decoded(p))):
            tag = _one_line(tag)
            if tag and tag.casefold() not in {t.casefold() for t in record.tags}:
                record.tags.append(tag)

    # An organisation: KIND:org (4.0), X-ABShowAs:COMPANY (Apple), or a card with ORG whose only
    # name, if any, is the organisation's own.
    kind = first_text("KIND").lower()
    shown_as = first_text("X-ABSHOWAS").upper()
    has_name = any((record.given_name, record.middle_name, record.family_name))
    only_org = (
        record.organisation
        and not has_name
        and record.full_name.casefold() in ("", record.organisation.casefold())
    )
    if kind in ("org", "organization", "organisation") or shown_as == "COMPANY" or only_org:
        record.kind = "organisation"
        if not record.organisation:
            record.organisation = record.full_name or _one_line(
                " ".join((record.given_name, record.middle_name, record.family_name))
            )
    return record
