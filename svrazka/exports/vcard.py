"""Writing a `ContactRecord` as a vCard 4.0 (RFC 6350) or 3.0 (RFC 2426) card.

Text is escaped (backslash, comma, semicolon, line breaks), lines are folded at 75 octets
without splitting a UTF-8 character, and end with CRLF, as both versions require.
`svrazka.imports.vcard` reads these cards back to the same record.
"""

import re

from svrazka.imports.records import ContactRecord

VERSIONS = ("4.0", "3.0")
LINE_OCTETS = 75

# A phone number that can be written as a tel: URI (RFC 3966): "+", digits, visual separators.
_TEL_URI = re.compile(r"\+?[0-9][0-9 ().-]*")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NO_YEAR_DATE = re.compile(r"--(\d{2})-?(\d{2})")
_BASIC_DATE = re.compile(r"\d{8}")

# X-SOCIALPROFILE TYPE for each social field (Apple's names).
_SOCIAL = (("linkedin", "linkedin"), ("facebook", "facebook"), ("x", "twitter"))


def _lines_of(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


_NEEDS_ESCAPE = re.compile(r"[\\,;\r\n]")


def escape(text: str) -> str:
    """A text value: backslash, comma and semicolon escaped, line breaks as \\n."""
    text = text.strip()
    if not _NEEDS_ESCAPE.search(text):
        return text  # most values (and every empty one): nothing to escape
    text = _lines_of(text)
    for plain, escaped in (("\\", "\\\\"), (",", "\\,"), (";", "\\;"), ("\n", "\\n")):
        text = text.replace(plain, escaped)
    return text


def _uri(text: str) -> str:
    """URIs are not escaped; they only lose line breaks."""
    return "".join(text.split("\n")).replace("\r", "").strip()


def _structured(*components: str) -> str:
    return ";".join(escape(c) for c in components)


def fold(line: str) -> str:
    """The line cut into lines of at most 75 octets of UTF-8, each continuation starting with a
    space; a character is never split between two lines."""
    if len(line) <= LINE_OCTETS // 4 or len(line.encode("utf-8", "surrogatepass")) <= LINE_OCTETS:
        return line  # the usual case: short enough as it is
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for ch in line:
        octets = len(ch.encode("utf-8", errors="surrogatepass"))
        if size + octets > LINE_OCTETS:
            pieces.append("".join(current))
            current, size = [" "], 1
        current.append(ch)
        size += octets
    pieces.append("".join(current))
    return "\r\n".join(pieces)


def _formatted_name(record: ContactRecord) -> str:
    if record.kind == "organisation" and record.organisation.strip():
        return record.organisation.strip()
    parts = (record.title, record.given_name, record.middle_name, record.family_name)
    name = " ".join(p.strip() for p in parts if p.strip())
    return (
        name
        or record.full_name.strip()
        or record.organisation.strip()
        or (record.emails[0].strip() if record.emails else "")
    )


def _birthday(text: str, v4: bool) -> str:
    """BDAY; 4.0 wants the basic format (19850415, --0415), 3.0 takes ISO 8601 as written."""
    text = text.strip()
    if not v4:
        return "BDAY:" + escape(text)
    if m := _ISO_DATE.fullmatch(text):
        return "BDAY:" + "".join(m.groups())
    if m := _NO_YEAR_DATE.fullmatch(text):
        return "BDAY:--" + "".join(m.groups())
    if _BASIC_DATE.fullmatch(text):
        return "BDAY:" + text
    return "BDAY;VALUE=text:" + escape(text)


def _telephone(number: str, v4: bool, preferred: bool) -> str:
    number = " ".join(number.split())
    if v4:
        pref = ";PREF=1" if preferred else ""
        if _TEL_URI.fullmatch(number):  # RFC 6350 asks for tel: URIs (no spaces in them)
            return f"TEL;VALUE=uri{pref}:tel:" + number.replace(" ", "-")
        return f"TEL{pref}:" + escape(number)
    return ("TEL;TYPE=VOICE,PREF:" if preferred else "TEL;TYPE=VOICE:") + escape(number)


def card_text(record: ContactRecord, version: str = "4.0", uid: str | None = None) -> str:
    """One card, BEGIN:VCARD to END:VCARD, with CRLF line ends. `version` is "4.0" or "3.0"."""
    if version not in VERSIONS:
        raise ValueError(f"vCard version {version!r}; Svrazka writes 4.0 and 3.0.")
    v4 = version == "4.0"
    is_org = record.kind == "organisation"
    lines = ["BEGIN:VCARD", f"VERSION:{version}", "PRODID:-//Svrazka//Svrazka//EN"]
    if is_org:
        # 4.0 says so in KIND; Apple's X-ABShowAs does it for 3.0 (and is harmless elsewhere).
        lines.append("KIND:org" if v4 else "X-ABSHOWAS:COMPANY")
    if is_org:
        lines.append("N:;;;;")
    else:
        family, given = record.family_name, record.given_name
        lines.append("N:" + _structured(family, given, record.middle_name, record.title, ""))
    lines.append("FN:" + escape(_formatted_name(record)))
    if record.nickname.strip():
        lines.append("NICKNAME:" + escape(record.nickname))
    if record.organisation.strip() or record.department.strip():
        if record.department.strip():
            lines.append("ORG:" + _structured(record.organisation, record.department))
        else:
            lines.append("ORG:" + escape(record.organisation))
    if record.position.strip():
        lines.append("TITLE:" + escape(record.position))

    # The first email and phone are the preferred ones (that is how Svrazka lists them).
    emails = [e.strip() for e in record.emails if e.strip()]
    for i, email in enumerate(emails):
        preferred = i == 0 and len(emails) > 1
        if v4:
            lines.append(("EMAIL;PREF=1:" if preferred else "EMAIL:") + escape(email))
        else:
            params = "TYPE=INTERNET,PREF" if preferred else "TYPE=INTERNET"
            lines.append(f"EMAIL;{params}:" + escape(email))
    phones = [p.strip() for p in record.phones if p.strip()]
    for i, phone in enumerate(phones):
        lines.append(_telephone(phone, v4, preferred=i == 0 and len(phones) > 1))

    address = (record.street, record.city, record.region, record.postal_code, record.country)
    if any(p.strip() for p in address):
        # ADR: PO box; extended address; street; locality; region; postal code; country.
        street, city, region, postal, country = address
        lines.append("ADR:" + _structured("", "", street, city, region, postal, country))
    if record.date_of_birth.strip():
        lines.append(_birthday(record.date_of_birth, v4))
    if record.website.strip():
        lines.append("URL:" + _uri(record.website))
    for field, social_type in _SOCIAL:
        url = _uri(getattr(record, field))
        if url:
            # URL for every program; X-SOCIALPROFILE for those that show profiles (Apple).
            lines.append("URL:" + url)
            lines.append(f"X-SOCIALPROFILE;TYPE={social_type}:" + url)
    if record.notes.strip():
        lines.append("NOTE:" + escape(record.notes))
    tags = [escape(t) for t in record.tags if t.strip()]
    if tags:
        lines.append("CATEGORIES:" + ",".join(tags))
    if uid:
        lines.append("UID:" + _uri(uid))
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)
