"""The mail dropbox: mail forwarded or BCC'd to a workspace's address becomes interactions.

`parse_message` reads one raw RFC 5322 message (bytes) into a `ParsedMail`; it never raises on
bad input — malformed MIME, unknown charsets, missing headers all give a best-effort result with
its defects noted. `ingest` turns one raw message into an interaction (or keeps it in the
unmatched inbox), each in its own transaction, so one bad message never loses the others.

The rules, as the product states them:

* **Ours and theirs.** The workspace's own addresses are its members' emails and its dropbox
  addresses (`MailSource.address`). Mail from one of ours is direction "out" and is with the
  people whose addresses are in To/Cc; mail from anyone else is direction "in" and is with the
  sender's person(s) plus any other known people in To/Cc. Members in From/To/Cc become the
  interaction's `users`. Addresses are compared lower-cased (`PersonEmail` stores them so).
* **Unknown senders.** Mail whose sender no person has (or, from us, whose recipients no person
  has) goes to the unmatched inbox with the raw .eml kept: nothing is dropped. So does mail that
  cannot be parsed at all, or cannot be logged, with the problem said.
* **Forwarded mail.** When a member forwards a message to the dropbox (an attached
  message/rfc822, or an inline "Forwarded message" block), the original is logged: its sender,
  recipients, date, subject and body; the member who forwarded it takes part on our side.
* **Threads.** In-Reply-To and References that name an interaction's Message-ID make the new
  one its reply (`in_reply_to`), and the reply carries the thread's partnership. A reply in the
  other direction closes the awaited reply it answers (`log_interaction` does this, for the
  parent and for earlier awaited messages with the same people).
* **Awaiting a reply.** Mail we send awaits their reply, expected within
  `REPLY_EXPECTED_DAYS` days, unless it is automatic or bulk (Auto-Submitted, Precedence
  bulk/list/junk, List-Id or List-Unsubscribe headers, X-Autoreply): a newsletter awaits
  nothing. Mail they send does not set "awaiting our reply" — our reply times are measured from
  the pairs anyway, and an FYI would otherwise nag us.
* **Automatic replies** from them (out-of-office, delivery reports, mailing lists: the headers
  above, multipart/report, mailer-daemon) are not their answer and are not logged as
  touchpoints: they are kept, already dismissed, in the unmatched inbox, where anyone can still
  assign one by hand.
* **Idempotent.** A message whose Message-ID is already an interaction's or an unmatched
  message's in the workspace is a duplicate and changes nothing. A message without Message-ID
  gets a stable one from a hash of its bytes.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import hashlib
import logging
import mimetypes
import quopri
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from svrazka.accounts.models import Membership
from svrazka.contacts.models import Person, PersonEmail
from svrazka.touchpoints.models import (
    Channel,
    Direction,
    Interaction,
    MailSource,
    Source,
    UnmatchedMessage,
    UnmatchedStatus,
)
from svrazka.touchpoints.services import log_interaction

logger = logging.getLogger(__name__)

REPLY_EXPECTED_DAYS = 7
MAX_SUMMARY = 20000
MAX_SUBJECT = 300
MAX_MESSAGE_ID = 300

# Outcomes of `ingest`, as fetch_mail counts them.
LOGGED = "logged"
THREADED = "threaded"
UNMATCHED = "unmatched"
AUTOMATIC = "automatic"
DUPLICATE = "duplicate"
FAILED = "failed"
OUTCOMES = (LOGGED, THREADED, UNMATCHED, AUTOMATIC, DUPLICATE, FAILED)

_POLICY = email.policy.compat32
_MSGID = re.compile(r"<[^<>\s]+>")
_FORWARD_MARKERS = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:Forwarded message|Original Message|Препратено съобщение|"
    r"Оригинално съобщение|Weitergeleitete Nachricht|Message transféré|Προωθημένο μήνυμα|"
    r"Mesaj redirecționat)\s*-{2,}|Begin forwarded message:)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_INLINE_HEADERS = {
    "from": "from",
    "от": "from",
    "de": "from",
    "von": "from",
    "date": "date",
    "sent": "date",
    "дата": "date",
    "изпратено": "date",
    "datum": "date",
    "subject": "subject",
    "относно": "subject",
    "тема": "subject",
    "betreff": "subject",
    "objet": "subject",
    "to": "to",
    "до": "to",
    "an": "to",
    "à": "to",
    "cc": "cc",
    "копие": "cc",
}
_QUOTE_INTRO = re.compile(
    r"^(On .{5,200} wrote:|На .{5,200} написа:|.{5,200} (?:wrote|написа):)\s*$", re.IGNORECASE
)


class MalformedMessage(Exception):
    """The bytes are not a mail message at all."""


@dataclass
class ParsedMail:
    message_id: str
    from_name: str = ""
    from_address: str = ""
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    date_missing: bool = False
    text: str = ""
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # In-Reply-To first, then newest first
    automatic: bool = False
    forwarded: ParsedMail | None = None
    note: str = ""  # what the member wrote above a forwarded message
    problems: list[str] = field(default_factory=list)

    @property
    def recipients(self) -> list[tuple[str, str]]:
        return self.to + self.cc


# --- parsing ---------------------------------------------------------------------------------


def _undo_surrogates(value: str) -> str:
    """Raw 8-bit bytes in headers (common, though not allowed) arrive as surrogate escapes:
    read them as UTF-8, else as Windows-1251 (the usual Cyrillic legacy charset)."""
    if not any("\udc80" <= c <= "\udcff" for c in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("windows-1251", "replace")


def clean_text(value: str, limit: int | None = None) -> str:
    """Text safe to store: no NUL or lone surrogates (undecodable bytes), trimmed."""
    try:
        value = _undo_surrogates(value or "")
    except UnicodeError:
        pass
    value = (value or "").replace("\x00", "")
    value = value.encode("utf-8", "replace").decode("utf-8")
    value = value.strip()
    if limit is not None and len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value


def _one_line(value: str, limit: int) -> str:
    return clean_text(" ".join((value or "").split()), limit)


def derived_message_id(raw: bytes) -> str:
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@svrazka.invalid>"


def _normalise_message_id(value: str) -> str:
    value = (value or "").strip()
    found = _MSGID.search(value)
    if found:
        value = found.group(0)
    elif value:
        value = "<" + "".join(value.split()).strip("<>") + ">"
    if len(value) > MAX_MESSAGE_ID:
        value = f"<{hashlib.sha256(value.encode()).hexdigest()[:40]}@svrazka.long>"
    return clean_text(value)


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(?==\?)")


def _decode_bytes(data: bytes, charset: str) -> str:
    for candidate in (charset, "utf-8", "windows-1251"):
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def decode_words(value: str) -> str:
    """A header's text: RFC 2047 encoded words decoded (adjacent words of one charset are
    joined before decoding, since mailers split multi-byte characters across them), raw 8-bit
    read as UTF-8 or Windows-1251, folding undone. Written by hand because the stdlib's
    modern header parser is a third of the time of logging a message and chokes on the mixes
    real mail has."""
    value = _undo_surrogates(value or "")
    value = re.sub(r"\r?\n(?=[ \t])", "", value)
    if "=?" not in value:
        return value
    value = _BETWEEN_WORDS.sub(r"\1", value)
    out: list[str] = []
    pos = 0
    pending: bytearray = bytearray()
    pending_charset = ""
    for m in _ENCODED_WORD.finditer(value):
        if m.start() != pos or (pending and m.group(1).lower() != pending_charset):
            if pending:
                out.append(_decode_bytes(bytes(pending), pending_charset))
                pending = bytearray()
            out.append(value[pos : m.start()])
        charset, encoding, text = m.groups()
        pending_charset = charset.split("*", 1)[0].lower()
        try:
            if encoding in "bB":
                pending += base64.b64decode(text + "=" * (-len(text) % 4))
            else:
                pending += quopri.decodestring(text.encode("ascii", "replace"), header=True)
        except (ValueError, binascii.Error):
            pending += m.group(0).encode("ascii", "replace")
        pos = m.end()
    if pending:
        out.append(_decode_bytes(bytes(pending), pending_charset))
    out.append(value[pos:])
    return "".join(out)


def _raw_values(msg: Message, name: str) -> list[str]:
    name = name.lower()
    return [v if isinstance(v, str) else str(v) for k, v in msg.raw_items() if k.lower() == name]


def _header(msg: Message, name: str) -> str:
    values = _raw_values(msg, name)
    return clean_text(decode_words(values[0])) if values else ""


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    values = [
        _undo_surrogates(v).replace("\r", "").replace("\n", " ") for v in _raw_values(msg, name)
    ]
    try:
        pairs = getaddresses(values)
    except Exception:
        pairs = []
    result = []
    for display, addr in pairs:
        addr = clean_text(addr).lower().strip("<>'\" ")
        if "@" not in addr:
            continue
        result.append((_one_line(decode_words(display), 200), addr[:254]))
    return result


def _parse_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        when = None
    if when is None:
        for fmt in (
            "%a, %d %b %Y at %H:%M",
            "%a, %b %d, %Y at %I:%M %p",
            "%A, %B %d, %Y %I:%M %p",
            "%A, %B %d, %Y at %I:%M %p",
            "%d.%m.%Y %H:%M",
            "%d.%m.%Y, %H:%M",
            "%Y-%m-%d %H:%M",
        ):
            try:
                when = datetime.strptime(value.strip(), fmt)
                break
            except ValueError:
                continue
    if when is None:
        return None
    if timezone.is_naive(when):
        when = when.replace(tzinfo=UTC)
    return when


def _sane_date(when: datetime | None, received: datetime) -> datetime | None:
    """A date that is plausible: not years before mail existed, not days in the future."""
    if when is None:
        return None
    if when.year < 1990 or when > received + timedelta(days=2):
        return None
    return when


def _decode_payload(part: Message) -> str:
    """A text part's text: in its declared charset if that reads cleanly, else UTF-8, else
    Windows-1251 (mail with 8-bit Cyrillic and no or a wrong charset is common)."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        try:
            content = part.get_content()
            return content if isinstance(content, str) else ""
        except Exception:
            payload = part.get_payload()
            return payload if isinstance(payload, str) else ""
    charset = None
    try:
        charset = part.get_content_charset()
    except Exception:
        pass
    for candidate in (charset, "utf-8", "windows-1251"):
        if not candidate:
            continue
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


class _HTMLText(HTMLParser):
    BLOCKS = frozenset(
        "p div br li tr h1 h2 h3 h4 h5 h6 blockquote pre table ul ol hr section article".split()
    )
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("• ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
        text = "".join(parser.parts)
    except Exception:
        text = unescape(re.sub(r"<[^>]*>", " ", html))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _is_attachment(part: Message) -> bool:
    if part.is_multipart():
        return False
    try:
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
    except Exception:
        disposition, filename = "", None
    if disposition == "attachment":
        return True
    ctype = part.get_content_type()
    if ctype.startswith("text/") and not filename:
        return False
    if disposition == "inline" and ctype.startswith("image/") and part.get("Content-ID"):
        return False  # a picture in the signature, shown by the HTML body
    return bool(filename) or not ctype.startswith(("text/", "multipart/"))


def _attachment(part: Message, n: int) -> tuple[str, str, bytes]:
    ctype = part.get_content_type()
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    name = _one_line(decode_words(name), 200)
    if not name:
        name = f"attachment-{n}{mimetypes.guess_extension(ctype) or '.bin'}"
    if ctype == "message/rfc822":
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            data = payload[0].as_bytes()
        else:
            data = part.get_payload(decode=True) or b""
        if not name.lower().endswith(".eml"):
            name += ".eml"
    else:
        data = part.get_payload(decode=True) or b""
    return name, ctype, data


def _inner_message(part: Message) -> Message | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def _strip_quoted(text: str) -> str:
    """The new part of a reply: without the quoted earlier message below it."""
    lines = text.splitlines()
    kept: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith(">"):
            continue
        if _QUOTE_INTRO.match(line.strip()) and any(
            x.startswith(">") for x in lines[i + 1 : i + 4]
        ):
            continue
        kept.append(line)
    stripped = "\n".join(kept).strip()
    return stripped or text.strip()


def _automatic(msg: Message, from_address: str) -> bool:
    auto_submitted = _header(msg, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if _header(msg, "X-Autoreply") or _header(msg, "X-Autorespond"):
        return True
    if _header(msg, "Precedence").lower() in {"bulk", "junk", "list", "auto_reply"}:
        return True
    if _header(msg, "List-Id") or _header(msg, "List-Unsubscribe"):
        return True
    if msg.get_content_type() == "multipart/report":
        return True
    local = from_address.partition("@")[0]
    return local in {"mailer-daemon", "postmaster"}


def _inline_forward(text: str) -> tuple[str, ParsedMail | None]:
    """An inline-forwarded original: the note above the marker, and the original's headers and
    body below it."""
    found = _FORWARD_MARKERS.search(text)
    if not found:
        return text, None
    note = text[: found.start()].strip()
    rest = text[found.end() :].lstrip("\n").splitlines()
    headers: dict[str, str] = {}
    i = 0
    while i < len(rest):
        line = rest[i].lstrip("> \t")
        if not line.strip():
            if headers:
                i += 1
                break
            i += 1
            continue
        name, sep, value = line.partition(":")
        key = _INLINE_HEADERS.get(name.strip().strip("*").lower())
        if not sep or key is None:
            if headers:
                break
            i += 1
            continue
        headers[key] = value.strip().strip("*").strip()
        i += 1
    body = "\n".join(line[1:].lstrip() if line.startswith(">") else line for line in rest[i:])
    if "from" not in headers:
        return text, None
    sender = getaddresses([headers["from"]])
    name, addr = sender[0] if sender else ("", "")
    if "@" not in addr:
        found_addr = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", headers["from"])
        addr = found_addr.group(0) if found_addr else ""
        name = headers["from"].split("<")[0].split("[")[0].strip(' "')
    original = ParsedMail(
        message_id="",
        from_name=_one_line(name, 200),
        from_address=addr.lower()[:254],
        to=[
            (_one_line(n, 200), a.lower())
            for n, a in getaddresses([headers.get("to", "")])
            if "@" in a
        ],
        cc=[
            (_one_line(n, 200), a.lower())
            for n, a in getaddresses([headers.get("cc", "")])
            if "@" in a
        ],
        subject=_one_line(headers.get("subject", ""), MAX_SUBJECT),
        date=_parse_date(headers.get("date", "")),
        text=body.strip(),
    )
    return note, original


def _walk_parts(msg: Message) -> Iterable[Message]:
    """Every leaf part; an attached message (message/rfc822) is a leaf, not walked into."""
    if msg.is_multipart() and msg.get_content_type() != "message/rfc822":
        payload = msg.get_payload()
        if isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, Message):
                    yield from _walk_parts(sub)
        return
    yield msg


def _body_text(msg: Message) -> tuple[str, list[Message]]:
    """The message's text (plain preferred, else HTML as text) and the parts that hold it."""
    plain = html = None
    for part in _walk_parts(msg):
        if _is_attachment(part):
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and plain is None:
            plain = part
        elif ctype == "text/html" and html is None:
            html = part
    if plain is not None:
        text = _decode_payload(plain)
        if text.strip() or html is None:
            return text, [plain]
    if html is not None:
        return html_to_text(_decode_payload(html)), [html]
    if msg.is_multipart() and isinstance(msg.get_payload(), str):
        # A multipart whose boundary never appears: its body is all we have.
        return msg.get_payload(), []
    return "", []


_DELIMITER = re.compile(rb"^--([^\s]{1,200}?)(?:--)?[ \t]*\r?$", re.MULTILINE)


def _content_root(msg: Message, raw: bytes) -> Message:
    """The part whose children hold the content. A multipart whose declared boundary never
    appears (a common breakage: the boundary was rewritten in the header but not the body) is
    re-read with the delimiter the body actually uses."""
    if not msg.get_content_maintype() == "multipart" or msg.is_multipart():
        return msg
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    found = _DELIMITER.search(body)
    if not found:
        return msg
    boundary = found.group(1).decode("ascii", "replace").replace('"', "")
    try:
        again = email.message_from_bytes(
            f'Content-Type: {msg.get_content_type()}; boundary="{boundary}"\r\n\r\n'.encode()
            + body,
            policy=_POLICY,
        )
    except Exception:
        return msg
    return again if again.is_multipart() else msg


def _parse(msg: Message, raw: bytes, received: datetime, *, depth: int = 0) -> ParsedMail:
    problems = []
    for defect in getattr(msg, "defects", []) or []:
        problems.append(type(defect).__name__)
    message_id = _normalise_message_id(_header(msg, "Message-ID"))
    if not message_id:
        message_id = derived_message_id(raw) if depth == 0 else ""
    senders = _addresses(msg, "From") or _addresses(msg, "Sender") or _addresses(msg, "Reply-To")
    from_name, from_address = senders[0] if senders else ("", "")
    date = _sane_date(_parse_date(_header(msg, "Date")), received)
    refs = _MSGID.findall(_header(msg, "In-Reply-To"))
    refs += list(reversed(_MSGID.findall(_header(msg, "References"))))
    parsed = ParsedMail(
        message_id=message_id,
        from_name=from_name,
        from_address=from_address,
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        subject=_one_line(_header(msg, "Subject"), MAX_SUBJECT),
        date=date or received,
        date_missing=date is None,
        references=list(dict.fromkeys(r for r in refs if len(r) <= MAX_MESSAGE_ID)),
        automatic=_automatic(msg, from_address),
        problems=problems,
    )
    content = _content_root(msg, raw) if depth == 0 else msg
    text, body_parts = _body_text(content)
    n = 0
    for part in _walk_parts(content):
        if part in body_parts:
            continue
        if part.get_content_type() == "message/rfc822" or _is_attachment(part):
            inner = _inner_message(part) if part.get_content_type() == "message/rfc822" else None
            if inner is not None and parsed.forwarded is None and depth == 0:
                parsed.forwarded = _parse(inner, raw, received, depth=depth + 1)
                if parsed.forwarded.date_missing:
                    parsed.forwarded.date = parsed.date
                continue
            n += 1
            try:
                parsed.attachments.append(_attachment(part, n))
            except Exception as e:  # an attachment that cannot be decoded is noted, not fatal
                parsed.problems.append(f"attachment {n}: {type(e).__name__}")
    text = text.replace("\r\n", "\n")
    if depth == 0 and parsed.forwarded is None:
        note, original = _inline_forward(text)
        if original is not None:
            original.date = _sane_date(original.date, received) or parsed.date
            parsed.forwarded = original
            parsed.note = note
            text = note
    elif parsed.forwarded is not None:
        parsed.note = _strip_quoted(text)
    parsed.text = _strip_quoted(text)
    return parsed


def parse_message(raw: bytes, *, received_at: datetime | None = None) -> ParsedMail:
    """Read one RFC 5322 message. Raises MalformedMessage only when the bytes are no mail at
    all (empty, or no header of any kind)."""
    received = received_at or timezone.now()
    if not raw or not raw.strip():
        raise MalformedMessage(_("The message is empty."))
    try:
        msg = email.message_from_bytes(raw, policy=_POLICY)
    except Exception as e:
        raise MalformedMessage(str(e)[:200]) from e
    if not msg.keys():
        raise MalformedMessage(_("The message has no headers."))
    return _parse(msg, raw, received)


# --- who it is with ------------------------------------------------------------------------


class Directory:
    """Who is who in one workspace, for matching addresses: its members and dropbox addresses
    (loaded once per fetch), the people with an address, and the Message-IDs already logged
    or kept. `prefetch` answers a whole batch of messages with two queries instead of three
    per message; what it has not seen is asked for one message at a time."""

    def __init__(self, workspace, dropbox_addresses: Iterable[str] = ()) -> None:
        self.workspace = workspace
        self.members: dict[str, object] = {}
        for m in Membership.objects.filter(workspace=workspace).select_related("user"):
            self.members[m.user.email.lower()] = m.user
        self.dropboxes = {a.lower() for a in dropbox_addresses if a}
        self.dropboxes |= {
            a.lower()
            for a in MailSource.objects.filter(workspace=workspace).values_list(
                "address", flat=True
            )
        }
        self._people: dict[str, list[Person]] = {}
        self._checked_ids: set[str] = set()
        self._known_ids: set[str] = set()

    def is_ours(self, address: str) -> bool:
        return address in self.members or address in self.dropboxes

    def _load_people(self, addresses: set[str]) -> None:
        for a in addresses:
            self._people[a] = []
        for chunk in _chunks(sorted(addresses), 500):
            for pe in (
                PersonEmail.objects.filter(workspace=self.workspace, email__in=chunk)
                .select_related("person")
                .order_by("person_id")
            ):
                self._people[pe.email].append(pe.person)

    def people(self, addresses: Iterable[str]) -> dict[str, list[Person]]:
        wanted = {a for a in addresses if a and not self.is_ours(a)}
        missing = wanted - self._people.keys()
        if missing:
            self._load_people(missing)
        return {a: self._people[a] for a in wanted if self._people[a]}

    def _load_ids(self, ids: set[str]) -> None:
        for chunk in _chunks(sorted(ids), 500):
            self._known_ids.update(
                Interaction.objects.filter(workspace=self.workspace, message_id__in=chunk)
                .exclude(message_id="")  # so SQLite uses the partial unique index
                .values_list("message_id", flat=True)
            )
            self._known_ids.update(
                UnmatchedMessage.objects.filter(
                    workspace=self.workspace, message_id__in=chunk
                ).values_list("message_id", flat=True)
            )
        self._checked_ids |= ids

    def is_duplicate(self, message_ids: Iterable[str]) -> bool:
        ids = {m for m in message_ids if m}
        missing = ids - self._checked_ids
        if missing:
            self._load_ids(missing)
        return bool(ids & self._known_ids)

    def remember(self, message_ids: Iterable[str]) -> None:
        ids = {m for m in message_ids if m}
        self._checked_ids |= ids
        self._known_ids |= ids

    def prefetch(self, mails: Iterable[ParsedMail]) -> None:
        addresses: set[str] = set()
        ids: set[str] = set()
        for m in mails:
            ids.update(_message_ids(m))
            for one in (m, m.forwarded):
                if one is not None:
                    addresses.add(one.from_address)
                    addresses.update(a for _, a in one.recipients)
        addresses = {a for a in addresses if a and not self.is_ours(a)} - self._people.keys()
        if addresses:
            self._load_people(addresses)
        ids = {i for i in ids if i} - self._checked_ids
        if ids:
            self._load_ids(ids)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Plan:
    """What a message becomes: the interaction's direction, people and our participants."""

    mail: ParsedMail
    direction: str
    people: list[Person]
    users: list
    counterpart: tuple[str, str]  # (name, address) of the other side, for the unmatched inbox


def plan(parsed: ParsedMail, directory: Directory, extra_people: Iterable[Person] = ()) -> Plan:
    """Who a message is with. A member's forward is judged by its original."""
    mail = parsed
    forwarder = None
    if parsed.forwarded is not None and parsed.from_address in directory.members:
        mail = parsed.forwarded
        forwarder = directory.members[parsed.from_address]
    elif parsed.forwarded is not None:
        mail = parsed  # someone else forwarded something to us: it is their message
    addresses = [mail.from_address] + [a for _, a in mail.recipients]
    by_address = directory.people(addresses)
    users = [directory.members[a] for a in addresses if a in directory.members]
    if forwarder is not None:
        users.append(forwarder)
    people: list[Person] = []
    if directory.is_ours(mail.from_address):
        direction = Direction.OUT
        others = [(n, a) for n, a in mail.recipients if not directory.is_ours(a)]
        counterpart = others[0] if others else ("", "")
        for _name, address in mail.recipients:
            people += by_address.get(address, [])
    else:
        direction = Direction.IN
        counterpart = (mail.from_name, mail.from_address)
        sender_people = by_address.get(mail.from_address, [])
        if sender_people or extra_people:
            people += sender_people
            for _name, address in mail.recipients:
                people += by_address.get(address, [])
    people += list(extra_people)
    return Plan(
        mail=mail,
        direction=direction,
        people=list({p.pk: p for p in people}.values()),
        users=list({u.pk: u for u in users}.values()),
        counterpart=counterpart,
    )


# --- logging ---------------------------------------------------------------------------------


def _message_ids(parsed: ParsedMail) -> list[str]:
    ids = [parsed.message_id]
    if parsed.forwarded is not None and parsed.forwarded.message_id:
        ids.append(parsed.forwarded.message_id)
    return ids


def _thread_parent(workspace, mail: ParsedMail, outer: ParsedMail) -> Interaction | None:
    refs = list(dict.fromkeys(mail.references + outer.references))
    if not refs:
        return None
    found = {
        i.message_id: i
        for i in Interaction.objects.filter(workspace=workspace, message_id__in=refs[:100]).exclude(
            message_id=""
        )
    }
    for ref in refs:
        if ref in found:
            return found[ref]
    return None


def _summary(p: Plan, parsed: ParsedMail) -> str:
    text = p.mail.text
    if p.mail is not parsed and parsed.note:
        text = f"{parsed.note}\n\n— — —\n\n{text}"
    return clean_text(text, MAX_SUMMARY)


def log_plan(*, workspace, parsed: ParsedMail, p: Plan, actor=None) -> Interaction:
    mail = p.mail
    parent = _thread_parent(workspace, mail, parsed)
    message_id = mail.message_id if mail is not parsed and mail.message_id else parsed.message_id
    occurred_at = mail.date or parsed.date or timezone.now()
    awaiting = p.direction == Direction.OUT and not (mail.automatic or parsed.automatic)
    return log_interaction(
        workspace=workspace,
        actor=actor,
        channel=Channel.EMAIL,
        direction=p.direction,
        occurred_at=occurred_at,
        people=p.people,
        users=p.users,
        partnership=parent.partnership if parent is not None else None,
        subject=mail.subject or parsed.subject,
        summary=_summary(p, parsed),
        awaiting_reply=awaiting,
        reply_expected_by=(
            timezone.localdate(occurred_at) + timedelta(days=REPLY_EXPECTED_DAYS)
            if awaiting
            else None
        ),
        message_id=message_id,
        in_reply_to=parent,
        source=Source.MAIL,
        attachments=mail.attachments if mail.attachments else parsed.attachments,
    )


def keep_unmatched(
    *,
    workspace,
    raw: bytes,
    message_id: str,
    mail: ParsedMail | None = None,
    problem: str = "",
    status: str = UnmatchedStatus.OPEN,
) -> UnmatchedMessage:
    """Keep a message whole in the unmatched inbox; `mail` is what it says (for a member's
    forward, the original), shown in the list."""
    unmatched = UnmatchedMessage(
        workspace=workspace,
        message_id=message_id[:MAX_MESSAGE_ID],
        from_address=(mail.from_address if mail else "")[:254],
        from_name=(mail.from_name if mail else "")[:200],
        to_addresses=", ".join(a for _, a in mail.recipients) if mail else "",
        subject=(mail.subject if mail else "")[:MAX_SUBJECT],
        sent_at=None if (mail is None or mail.date_missing) else mail.date,
        problem=clean_text(problem, 300),
        status=status,
    )
    unmatched.raw.save("message.eml", ContentFile(raw), save=False)
    unmatched.save()
    return unmatched


def _ingest(
    *, workspace, raw: bytes, parsed: ParsedMail | None, directory: Directory, received_at, actor
) -> tuple[str, list[str]]:
    if parsed is None:
        try:
            parsed = parse_message(raw, received_at=received_at)
        except MalformedMessage as e:
            message_id = derived_message_id(raw)
            if directory.is_duplicate([message_id]):
                return DUPLICATE, []
            keep_unmatched(
                workspace=workspace,
                raw=raw,
                message_id=message_id,
                problem=_("Could not be read as mail: %(error)s") % {"error": e},
            )
            return UNMATCHED, [message_id]
    ids = _message_ids(parsed)
    if directory.is_duplicate(ids):
        return DUPLICATE, []
    p = plan(parsed, directory)
    if p.direction == Direction.IN and (p.mail.automatic or parsed.automatic):
        keep_unmatched(
            workspace=workspace,
            raw=raw,
            message_id=parsed.message_id,
            mail=p.mail,
            problem=_(
                "An automatic reply (out of office, delivery report or mailing list): "
                "not counted as their answer."
            ),
            status=UnmatchedStatus.DISMISSED,
        )
        return AUTOMATIC, ids
    if not p.people:
        keep_unmatched(workspace=workspace, raw=raw, message_id=parsed.message_id, mail=p.mail)
        return UNMATCHED, ids
    interaction = log_plan(workspace=workspace, parsed=parsed, p=p, actor=actor)
    return (THREADED if interaction.in_reply_to_id else LOGGED), ids


def ingest(
    *,
    workspace,
    raw: bytes,
    parsed: ParsedMail | None = None,
    directory: Directory | None = None,
    received_at: datetime | None = None,
    actor=None,
) -> str:
    """Log one raw message (`parsed` if the caller has read it already); returns one of
    OUTCOMES. Its own transaction: whatever goes wrong with this message, the message is kept
    (as unmatched, with the problem) if at all possible, and the caller goes on with the next."""
    directory = directory or Directory(workspace)
    try:
        with transaction.atomic():
            outcome, ids = _ingest(
                workspace=workspace,
                raw=raw,
                parsed=parsed,
                directory=directory,
                received_at=received_at,
                actor=actor,
            )
        directory.remember(ids)
        return outcome
    except Exception as e:
        logger.warning("mail dropbox: could not log a message: %r", e, exc_info=True)
        problem = (
            " ".join(e.messages) if isinstance(e, ValidationError) else f"{type(e).__name__}: {e}"
        )
    try:
        with transaction.atomic():
            try:
                parsed = parse_message(raw, received_at=received_at)
                message_id = parsed.message_id
            except Exception:
                parsed, message_id = None, derived_message_id(raw)
            if _stored(workspace, message_id):
                return DUPLICATE
            keep_unmatched(
                workspace=workspace,
                raw=raw,
                message_id=message_id,
                mail=parsed,
                problem=_("Could not be logged: %(error)s") % {"error": problem},
            )
        directory.remember([message_id])
        return UNMATCHED
    except Exception:
        logger.exception("mail dropbox: could not keep a message")
        return FAILED


def _stored(workspace, message_id: str) -> bool:
    """Asked of the database itself (after a failure, the directory's memory may be stale)."""
    return (
        Interaction.objects.filter(workspace=workspace, message_id=message_id)
        .exclude(message_id="")
        .exists()
        or UnmatchedMessage.objects.filter(workspace=workspace, message_id=message_id).exists()
    )


# --- the unmatched inbox ---------------------------------------------------------------------


def read_unmatched(unmatched: UnmatchedMessage) -> ParsedMail | None:
    try:
        with unmatched.raw.open("rb") as f:
            raw = f.read()
        return parse_message(raw, received_at=unmatched.received_at)
    except Exception:
        return None


@transaction.atomic
def assign_unmatched(
    *, unmatched: UnmatchedMessage, person: Person, actor, add_address: bool = False
) -> Interaction:
    """Log a kept message as an interaction with `person` (and whoever else it matches); when
    asked, the other side's address becomes one of the person's emails, and the other open
    messages from that address are logged too."""
    from svrazka.contacts.services import person_update

    workspace = unmatched.workspace
    if person.workspace_id != workspace.pk:
        raise ValidationError({"person": _("Choose from this workspace.")})
    unmatched = UnmatchedMessage.objects.select_for_update().get(pk=unmatched.pk)
    if unmatched.status == UnmatchedStatus.ASSIGNED:
        raise ValidationError(_("This message is already logged."))
    parsed = read_unmatched(unmatched)
    directory = Directory(workspace)
    if parsed is None:
        parsed = ParsedMail(
            message_id=unmatched.message_id,
            from_name=unmatched.from_name,
            from_address=unmatched.from_address,
            subject=unmatched.subject,
            date=unmatched.sent_at or unmatched.received_at,
        )
    p = plan(parsed, directory, extra_people=[person])
    address = (p.counterpart[1] or "").lower()
    if add_address and address and "@" in address and not directory.is_ours(address):
        existing = list(person.emails.values_list("email", flat=True))
        if address not in existing:
            person_update(
                person=person, actor=actor, data={"emails": [*existing, address]}, version=None
            )
    parsed.message_id = unmatched.message_id
    if parsed.forwarded is not None and p.mail is parsed.forwarded:
        parsed.forwarded.message_id = ""  # keep the id the inbox knew it by
    interaction = log_plan(workspace=workspace, parsed=parsed, p=p, actor=actor)
    unmatched.status = UnmatchedStatus.ASSIGNED
    unmatched.interaction = interaction
    unmatched.save(update_fields=["status", "interaction"])
    if add_address and address:
        for other in UnmatchedMessage.objects.filter(
            workspace=workspace,
            status=UnmatchedStatus.OPEN,
            problem="",
            from_address__iexact=address,
        ).exclude(pk=unmatched.pk)[:200]:
            try:
                assign_unmatched(unmatched=other, person=person, actor=actor)
            except Exception:  # that one stays in the inbox, to be looked at by hand
                logger.warning("mail dropbox: could not assign %s", other.pk, exc_info=True)
    return interaction


@transaction.atomic
def dismiss_unmatched(*, unmatched: UnmatchedMessage) -> None:
    UnmatchedMessage.objects.filter(pk=unmatched.pk, status=UnmatchedStatus.OPEN).update(
        status=UnmatchedStatus.DISMISSED
    )
