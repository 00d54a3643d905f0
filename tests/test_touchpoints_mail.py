"""The mail dropbox: real-world MIME in, interactions out; threads, awaited replies, forwards,
automatic replies, duplicates, unknown senders and broken mail; fetch_mail against a Maildir and
a real Dovecot IMAP server; the unmatched inbox and the dropbox settings pages."""

import base64
import mailbox
import quopri
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from svrazka.partnerships import services as partnerships
from svrazka.touchpoints import mail
from svrazka.touchpoints.models import (
    Attachment,
    Direction,
    Interaction,
    MailSource,
    Source,
    UnmatchedMessage,
    UnmatchedStatus,
)
from tests.factories import make_person
from tests.mailserver import dovecot_server

RECEIVED = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DOCX = b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def q1251(text: str) -> str:
    """An encoded word in windows-1251, quoted-printable, as Outlook writes them."""
    encoded = quopri.encodestring(text.encode("cp1251"), header=True).decode()
    return f"=?windows-1251?Q?{encoded}?="


def wrap64(data: bytes) -> str:
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i : i + 76] for i in range(0, len(s), 76))


def crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


# A partner writes from Thunderbird: multipart/mixed, alternative text and HTML, a PDF whose
# name is RFC 2231-encoded Cyrillic, subject and name as UTF-8 base64 encoded words.
MARIA_WITH_PDF = crlf(
    f"""Return-Path: <maria@partner.bg>
Message-ID: <c0ffee-1@partner.bg>
Date: Mon, 09 Mar 2026 10:15:00 +0200
From: =?UTF-8?B?{b64("Мария Иванова")}?= <Maria@Partner.bg>
To: Alice Owner <alice@example.org>
Cc: dropbox@ngo.example
Subject: =?UTF-8?B?{b64("Споразумение за партньорство")}?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="------------mixed42"

This is a multi-part message in MIME format.
--------------mixed42
Content-Type: multipart/alternative; boundary="------------alt42"

--------------alt42
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

Здравейте, Алис!

Изпращам проекта на споразумението.

Поздрави,
Мария
--------------alt42
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: 8bit

<html><body><p>Здравейте, Алис!</p><p>HTML version</p></body></html>
--------------alt42--

--------------mixed42
Content-Type: application/pdf; name="=?UTF-8?B?{b64("споразумение.pdf")}?="
Content-Disposition: attachment;
 filename*=UTF-8''%D1%81%D0%BF%D0%BE%D1%80%D0%B0%D0%B7%D1%83%D0%BC%D0%B5%D0%BD%D0%B8%D0%B5.pdf
Content-Transfer-Encoding: base64

{wrap64(PDF)}
--------------mixed42--
"""
)


def outlook_1251(*, message_id="<outlook-7@partner.ro>", extra_headers="") -> bytes:
    """Outlook with the legacy Cyrillic charset: windows-1251 Q-encoded words, a QP body, and
    a .docx attachment."""
    body = quopri.encodestring("Благодаря за срещата — до скоро.".encode("cp1251")).decode()
    return crlf(
        f"""Message-ID: {message_id}
Date: Tue, 10 Mar 2026 09:00:00 +0300
From: {q1251("Георги Петров")} <georgi@partner.ro>
To: <bob@example.org>
Subject: {q1251("Среща в София")}
{extra_headers}MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="_004_outlook_"

--_004_outlook_
Content-Type: text/plain; charset="windows-1251"
Content-Transfer-Encoding: quoted-printable

{body}
--_004_outlook_
Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;
 name="agenda.docx"
Content-Disposition: attachment; filename="agenda.docx"
Content-Transfer-Encoding: base64

{wrap64(DOCX)}
--_004_outlook_--
"""
    )


HTML_ONLY = crlf(
    """Message-ID: <html-only@news.example>
Date: Wed, 11 Mar 2026 08:00:00 +0000
From: Maria <maria@partner.bg>
To: alice@example.org
Subject: HTML only
Content-Type: text/html; charset=utf-8

<html><head><style>p {color: red}</style></head><body><p>First&nbsp;line &amp; more</p>
<div>Second line</div><script>alert(1)</script></body></html>
"""
)

BROKEN_BOUNDARY = crlf(
    """Message-ID: <broken@partner.bg>
Date: Wed, 11 Mar 2026 08:00:00 +0000
From: maria@partner.bg
To: alice@example.org
Subject: Broken
Content-Type: multipart/mixed; boundary="declared"

--not-the-declared-one
Content-Type: text/plain

The text is still here.
--not-the-declared-one--
"""
)

NO_ID_NO_DATE = crlf(
    """From: maria@partner.bg
To: alice@example.org
Subject: No id, no date
Content-Type: text/plain; charset=x-unknown-charset

Body in a charset nobody knows: \xe9
"""
)


def simple(
    *,
    message_id: str,
    sender: str,
    to: str,
    subject: str = "Hello",
    body: str = "Hello.",
    when: str = "Mon, 09 Mar 2026 10:00:00 +0000",
    headers: str = "",
) -> bytes:
    return crlf(
        f"Message-ID: {message_id}\nDate: {when}\nFrom: {sender}\nTo: {to}\n"
        f"Subject: {subject}\n{headers}Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def maria(workspace, alice):
    return make_person(
        workspace, alice, given_name="Мария", family_name="Иванова", emails=["maria@partner.bg"]
    )


@pytest.fixture
def georgi(workspace, alice):
    return make_person(
        workspace, alice, given_name="Георги", family_name="Петров", emails=["georgi@partner.ro"]
    )


def ingest(workspace, raw, **kw):
    return mail.ingest(workspace=workspace, raw=raw, received_at=RECEIVED, **kw)


# --- parsing ---------------------------------------------------------------------------------


def test_parses_multipart_with_cyrillic_subject_name_and_pdf():
    parsed = mail.parse_message(MARIA_WITH_PDF, received_at=RECEIVED)
    assert parsed.message_id == "<c0ffee-1@partner.bg>"
    assert parsed.from_name == "Мария Иванова"
    assert parsed.from_address == "maria@partner.bg"
    assert parsed.subject == "Споразумение за партньорство"
    assert parsed.to == [("Alice Owner", "alice@example.org")]
    assert parsed.date == datetime(2026, 3, 9, 8, 15, tzinfo=UTC)
    assert parsed.text.startswith("Здравейте, Алис!")
    assert "HTML version" not in parsed.text  # text/plain preferred
    assert parsed.attachments == [("споразумение.pdf", "application/pdf", PDF)]


def test_parses_windows_1251_quoted_printable():
    parsed = mail.parse_message(outlook_1251(), received_at=RECEIVED)
    assert parsed.from_name == "Георги Петров"
    assert parsed.subject == "Среща в София"
    assert parsed.text == "Благодаря за срещата — до скоро."
    name, ctype, data = parsed.attachments[0]
    assert name == "agenda.docx" and ctype.endswith("wordprocessingml.document")
    assert data == DOCX


def test_html_only_becomes_text_without_scripts_or_styles():
    parsed = mail.parse_message(HTML_ONLY, received_at=RECEIVED)
    assert parsed.text == "First\xa0line & more\n\nSecond line" or parsed.text.split() == [
        "First",
        "line",
        "&",
        "more",
        "Second",
        "line",
    ]
    assert "alert" not in parsed.text and "color" not in parsed.text


def test_broken_boundary_keeps_the_text_and_notes_the_defect():
    parsed = mail.parse_message(BROKEN_BOUNDARY, received_at=RECEIVED)
    assert "The text is still here." in parsed.text
    assert parsed.problems


def test_missing_message_id_and_date_and_unknown_charset():
    parsed = mail.parse_message(NO_ID_NO_DATE, received_at=RECEIVED)
    again = mail.parse_message(NO_ID_NO_DATE, received_at=RECEIVED + timedelta(days=1))
    assert parsed.message_id == again.message_id  # stable: from a hash of the bytes
    assert parsed.message_id.endswith("@svrazka.invalid>")
    assert parsed.date == RECEIVED and parsed.date_missing
    assert parsed.text.startswith("Body in a charset nobody knows")


def test_raw_8bit_headers_are_read_as_utf8():
    raw = "Message-ID: <8bit@x>\r\nFrom: Мария <maria@partner.bg>\r\nSubject: Тема\r\n\r\nТекст\r\n"
    parsed = mail.parse_message(raw.encode(), received_at=RECEIVED)
    assert parsed.subject == "Тема"
    assert parsed.from_name == "Мария"
    assert parsed.text == "Текст"


def test_encoded_words_split_inside_a_character_are_joined():
    data = "Партньорство".encode()
    first, second = base64.b64encode(data[:5]).decode(), base64.b64encode(data[5:]).decode()
    header = f"=?UTF-8?B?{first}?=\r\n =?UTF-8?B?{second}?= и още"
    assert mail.decode_words(header) == "Партньорство и още"
    # An unknown charset: UTF-8 if it reads, else Windows-1251 (the likelier guess here).
    assert mail.decode_words("=?x-unknown?Q?=D0=96=?=") == "Ж"
    assert mail.decode_words("=?x-unknown?Q?=C6?=") == "Ж"
    assert mail.decode_words("=?utf-8?q?broken") == "=?utf-8?q?broken"


def test_not_mail_at_all_is_refused():
    with pytest.raises(mail.MalformedMessage):
        mail.parse_message(b"   \r\n", received_at=RECEIVED)


# --- logging ---------------------------------------------------------------------------------


def test_mail_from_a_person_is_logged_in_with_attachments(workspace, alice, maria):
    assert ingest(workspace, MARIA_WITH_PDF) == mail.LOGGED
    i = Interaction.objects.get(workspace=workspace)
    assert i.direction == Direction.IN
    assert i.channel == "email" and i.source == Source.MAIL
    assert i.subject == "Споразумение за партньорство"
    assert i.message_id == "<c0ffee-1@partner.bg>"
    assert list(i.people.all()) == [maria]
    assert list(i.users.all()) == [alice]
    assert not i.awaiting_reply
    attachment = Attachment.objects.get(interaction=i)
    assert attachment.filename == "споразумение.pdf"
    assert attachment.size == len(PDF)
    with attachment.file.open("rb") as f:
        assert f.read() == PDF


def test_outgoing_mail_awaits_a_reply_which_closes_it_in_the_thread(workspace, alice, maria):
    partnership = partnerships.partnership_create(
        workspace=workspace, actor=alice, data={"title": "Erasmus+ 2026"}
    )
    out = simple(
        message_id="<q1@example.org>",
        sender="Alice Owner <alice@example.org>",
        to="maria@partner.bg",
        subject="Can you sign?",
    )
    assert ingest(workspace, out) == mail.LOGGED
    asked = Interaction.objects.get(message_id="<q1@example.org>")
    assert asked.direction == Direction.OUT
    assert asked.awaiting_reply
    assert asked.reply_expected_by == date(2026, 3, 16)
    Interaction.objects.filter(pk=asked.pk).update(partnership=partnership)

    reply = simple(
        message_id="<r1@partner.bg>",
        sender="maria@partner.bg",
        to="alice@example.org",
        subject="Re: Can you sign?",
        body="Yes, signed.\n\nOn Mon, 9 Mar 2026 Alice wrote:\n> Can you sign?",
        when="Tue, 10 Mar 2026 08:00:00 +0000",
        headers="In-Reply-To: <q1@example.org>\nReferences: <q1@example.org>\n",
    )
    assert ingest(workspace, reply) == mail.THREADED
    answer = Interaction.objects.get(message_id="<r1@partner.bg>")
    assert answer.in_reply_to == asked
    assert answer.partnership == partnership  # the thread's partnership carries over
    assert answer.summary == "Yes, signed."  # the quoted question is not repeated
    asked.refresh_from_db()
    assert not asked.awaiting_reply
    assert asked.answered_by == answer
    assert asked.answered_at == answer.occurred_at


def test_automatic_reply_is_not_their_answer(workspace, alice, maria):
    ingest(
        workspace,
        simple(message_id="<q2@example.org>", sender="alice@example.org", to="maria@partner.bg"),
    )
    ooo = simple(
        message_id="<ooo@partner.bg>",
        sender="maria@partner.bg",
        to="alice@example.org",
        subject="Out of office",
        when="Mon, 09 Mar 2026 10:01:00 +0000",
        headers="Auto-Submitted: auto-replied\nIn-Reply-To: <q2@example.org>\n",
    )
    assert ingest(workspace, ooo) == mail.AUTOMATIC
    assert Interaction.objects.get(message_id="<q2@example.org>").awaiting_reply
    kept = UnmatchedMessage.objects.get(message_id="<ooo@partner.bg>")
    assert kept.status == UnmatchedStatus.DISMISSED and kept.problem
    assert Interaction.objects.count() == 1


def test_newsletter_from_us_awaits_nothing(workspace, alice, maria):
    raw = simple(
        message_id="<news@example.org>",
        sender="alice@example.org",
        to="maria@partner.bg",
        headers="Precedence: bulk\nList-Unsubscribe: <mailto:unsubscribe@example.org>\n",
    )
    assert ingest(workspace, raw) == mail.LOGGED
    assert not Interaction.objects.get().awaiting_reply


def test_the_same_message_twice_is_logged_once(workspace, alice, maria):
    assert ingest(workspace, MARIA_WITH_PDF) == mail.LOGGED
    assert ingest(workspace, MARIA_WITH_PDF) == mail.DUPLICATE
    assert Interaction.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert ingest(workspace, NO_ID_NO_DATE) == mail.LOGGED  # maria is known
    assert ingest(workspace, NO_ID_NO_DATE) == mail.DUPLICATE


def test_unknown_sender_is_kept_whole_in_the_inbox(workspace, alice):
    assert ingest(workspace, MARIA_WITH_PDF) == mail.UNMATCHED
    kept = UnmatchedMessage.objects.get(workspace=workspace)
    assert kept.from_address == "maria@partner.bg"
    assert kept.from_name == "Мария Иванова"
    assert kept.subject == "Споразумение за партньорство"
    assert kept.status == UnmatchedStatus.OPEN and not kept.problem
    with kept.raw.open("rb") as f:
        assert f.read() == MARIA_WITH_PDF
    assert ingest(workspace, MARIA_WITH_PDF) == mail.DUPLICATE
    assert not Interaction.objects.exists()


def test_garbage_is_kept_with_its_problem(workspace):
    garbage = b"\x00\x01\x02 this is not mail \xff\xfe"
    assert ingest(workspace, garbage) == mail.UNMATCHED
    kept = UnmatchedMessage.objects.get()
    assert kept.problem
    assert ingest(workspace, garbage) == mail.DUPLICATE


def test_broken_mime_from_a_known_person_is_still_logged(workspace, maria):
    assert ingest(workspace, BROKEN_BOUNDARY) == mail.LOGGED
    assert "The text is still here." in Interaction.objects.get().summary


def test_one_failing_message_loses_nothing(workspace, maria, georgi, monkeypatch):
    real = mail.log_interaction

    def flaky(**kw):
        if kw["subject"] == "Среща в София":
            raise RuntimeError("database hiccup")
        return real(**kw)

    monkeypatch.setattr(mail, "log_interaction", flaky)
    assert ingest(workspace, outlook_1251()) == mail.UNMATCHED
    assert ingest(workspace, MARIA_WITH_PDF) == mail.LOGGED
    kept = UnmatchedMessage.objects.get()
    assert "database hiccup" in kept.problem
    assert not Attachment.objects.filter(filename="agenda.docx").exists()  # rolled back


def test_forwarded_as_attachment_logs_the_original(workspace, alice, maria):
    forward = crlf(
        f"""Message-ID: <fwd-1@example.org>
Date: Thu, 12 Mar 2026 09:00:00 +0000
From: Alice Owner <alice@example.org>
To: dropbox@ngo.example
Subject: Fwd: =?UTF-8?B?{b64("Споразумение за партньорство")}?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain; charset=utf-8

For the record.
--outer
Content-Type: message/rfc822
Content-Disposition: attachment; filename="original.eml"

{MARIA_WITH_PDF.decode()}
--outer--
"""
    )
    assert ingest(workspace, forward) == mail.LOGGED
    i = Interaction.objects.get()
    assert i.direction == Direction.IN
    assert i.message_id == "<c0ffee-1@partner.bg>"  # the original's: a later BCC is a duplicate
    assert i.occurred_at == datetime(2026, 3, 9, 8, 15, tzinfo=UTC)
    assert i.subject == "Споразумение за партньорство"
    assert list(i.people.all()) == [maria]
    assert list(i.users.all()) == [alice]
    assert i.summary.startswith("For the record.")
    assert "Изпращам проекта" in i.summary
    assert list(i.attachments.values_list("filename", flat=True)) == ["споразумение.pdf"]
    assert ingest(workspace, MARIA_WITH_PDF) == mail.DUPLICATE


def test_inline_forward_logs_the_original_sender_and_date(workspace, alice, bob, georgi):
    forward = simple(
        message_id="<fwd-2@example.org>",
        sender="bob@example.org",
        to="dropbox@ngo.example",
        subject="Fwd: Среща",
        when="Fri, 13 Mar 2026 09:00:00 +0000",
        body=(
            "FYI\n\n---------- Forwarded message ---------\n"
            "From: Георги Петров <georgi@partner.ro>\n"
            "Date: Wed, 11 Mar 2026 16:30:00 +0200\n"
            "Subject: Среща в София\n"
            "To: Bob <bob@example.org>\n\n"
            "Ще дойдем в четвъртък.\n"
        ),
    )
    assert ingest(workspace, forward) == mail.LOGGED
    i = Interaction.objects.get()
    assert i.direction == Direction.IN
    assert list(i.people.all()) == [georgi]
    assert list(i.users.all()) == [bob]
    assert i.subject == "Среща в София"
    assert i.occurred_at == datetime(2026, 3, 11, 14, 30, tzinfo=UTC)
    assert "Ще дойдем в четвъртък." in i.summary


def test_forward_by_an_outsider_is_their_own_message(workspace, maria):
    # Maria forwards something to us: it is a message from Maria, not from whoever she quotes.
    raw = simple(
        message_id="<fwd-3@partner.bg>",
        sender="maria@partner.bg",
        to="alice@example.org",
        body="See below\n\n---------- Forwarded message ---------\nFrom: x@y.z\n\nold\n",
    )
    assert ingest(workspace, raw) == mail.LOGGED
    assert list(Interaction.objects.get().people.all()) == [maria]


def test_mail_to_several_people_links_each_and_their_organisations(workspace, alice, maria):
    from svrazka.contacts import services as contacts
    from tests.factories import make_organisation

    org = make_organisation(workspace, alice, name="Partner BG")
    contacts.affiliation_create(
        workspace=workspace, actor=alice, person=maria, organisation=org, data={}
    )
    other = make_person(workspace, alice, emails=["Ivan@Partner.bg"])
    raw = simple(
        message_id="<many@example.org>",
        sender="alice@example.org",
        to="Maria <MARIA@partner.bg>, stranger@nowhere.example",
        headers="Cc: ivan@partner.bg, bob@example.org\n",
    )
    assert ingest(workspace, raw) == mail.LOGGED
    i = Interaction.objects.get()
    assert set(i.people.all()) == {maria, other}
    assert list(i.organisation_links.values_list("organisation_id", flat=True)) == [org.pk]


def test_other_workspaces_people_never_match(workspace, other_workspace, oscar):
    make_person(other_workspace, oscar, emails=["maria@partner.bg"])
    assert ingest(workspace, MARIA_WITH_PDF) == mail.UNMATCHED
    assert not Interaction.objects.exists()


# --- fetch_mail ------------------------------------------------------------------------------


def _maildir(tmp_path, messages):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for raw in messages:
        box.add(raw)
    return box


def test_fetch_mail_from_a_maildir(workspace, alice, maria, georgi, tmp_path, capsys):
    _maildir(tmp_path, [MARIA_WITH_PDF, outlook_1251(), HTML_ONLY, b"\x00garbage"])
    call_command("fetch_mail", "--workspace", "ngo", "--maildir", str(tmp_path / "Maildir"))
    out = capsys.readouterr().out
    assert "4 messages" in out and "3 logged" in out and "1 unmatched" in out
    assert Interaction.objects.count() == 3
    assert not list((tmp_path / "Maildir" / "new").iterdir())
    cur = sorted(p.name for p in (tmp_path / "Maildir" / "cur").iterdir())
    assert len(cur) == 4 and all(name.endswith(":2,S") for name in cur)

    call_command("fetch_mail", "--workspace", "ngo", "--maildir", str(tmp_path / "Maildir"))
    assert "0 messages" in capsys.readouterr().out
    call_command(
        "fetch_mail", "--workspace", "ngo", "--maildir", str(tmp_path / "Maildir"), "--all"
    )
    assert "4 duplicates" in capsys.readouterr().out
    assert Interaction.objects.count() == 3


def test_fetch_mail_uses_the_workspace_dropbox_settings(workspace, maria, tmp_path, capsys):
    _maildir(tmp_path, [MARIA_WITH_PDF])
    source = MailSource.objects.create(
        workspace=workspace,
        kind="maildir",
        address="in@ngo.example",
        path=str(tmp_path / "Maildir"),
    )
    call_command("fetch_mail", "--workspace", "ngo")
    assert "1 logged" in capsys.readouterr().out
    source.refresh_from_db()
    assert source.last_fetched_at is not None and source.last_error == ""


def test_fetch_mail_refuses_a_wrong_workspace(db):
    with pytest.raises(CommandError, match="No workspace"):
        call_command("fetch_mail", "--workspace", "nope", "--maildir", "/nonexistent")


def test_fetch_mail_says_when_the_server_is_unreachable(workspace):
    from tests.mailserver import free_port

    with pytest.raises(CommandError, match="Cannot reach"):
        call_command(
            "fetch_mail",
            "--workspace",
            "ngo",
            "--imap-host",
            "127.0.0.1",
            "--imap-port",
            str(free_port()),
            "--imap-user",
            "u",
            "--no-ssl",
        )


def test_fetch_mail_without_a_dropbox_says_so(workspace):
    with pytest.raises(CommandError, match="no dropbox"):
        call_command("fetch_mail", "--workspace", "ngo")


@pytest.mark.django_db(transaction=True)
def test_fetch_mail_from_a_real_imap_server(workspace, alice, bob, maria, georgi, tmp_path, capsys):
    with dovecot_server() as server:
        question = simple(
            message_id="<q-imap@example.org>",
            sender="bob@example.org",
            to="georgi@partner.ro",
            subject="Среща?",
            when="Mon, 09 Mar 2026 08:00:00 +0000",
        )
        answer = outlook_1251(extra_headers="In-Reply-To: <q-imap@example.org>\r\n")
        unknown = simple(
            message_id="<who@else.example>", sender="who@else.example", to="alice@example.org"
        )
        server.append_many([MARIA_WITH_PDF, answer, question, unknown, b"Subject: x\r\n\r\n\xff"])
        server.append(MARIA_WITH_PDF)  # delivered twice
        args = [
            "fetch_mail",
            "--workspace",
            "ngo",
            "--imap-host",
            server.host,
            "--imap-port",
            str(server.port),
            "--imap-user",
            server.user,
            "--imap-password",
            server.password,
            "--no-ssl",
            "--dropbox-address",
            server.user,
        ]
        call_command(*args)
        out = capsys.readouterr().out
        assert "6 messages" in out
        assert "1 duplicates" in out
        assert Interaction.objects.count() == 3
        reply = Interaction.objects.get(message_id="<outlook-7@partner.ro>")
        asked = Interaction.objects.get(message_id="<q-imap@example.org>")
        assert reply.in_reply_to == asked  # sorted by date although delivered before it
        assert asked.answered_by == reply and not asked.awaiting_reply
        assert Attachment.objects.filter(filename="agenda.docx").exists()
        assert UnmatchedMessage.objects.count() == 2
        assert all("\\Seen" in flags for flags in server.flags().values())

        call_command(*args)
        assert "0 messages" in capsys.readouterr().out
        assert Interaction.objects.count() == 3


# --- the unmatched inbox and the dropbox settings ----------------------------------------------


@pytest.fixture
def kept(workspace):
    """Maria's mail, kept because nobody has her address yet."""
    assert ingest(workspace, MARIA_WITH_PDF) == mail.UNMATCHED
    return UnmatchedMessage.objects.get(workspace=workspace)


def test_inbox_lists_what_is_open(alice_client, kept):
    r = alice_client.get("/w/ngo/inbox/")
    assert r.status_code == 200
    assert "Споразумение за партньорство" in r.content.decode()
    r = alice_client.get("/w/ngo/inbox/?status=dismissed")
    assert "Споразумение" not in r.content.decode()


def test_inbox_list_queries_do_not_grow(
    alice_client, workspace, kept, django_assert_max_num_queries
):
    for n in range(20):
        ingest(
            workspace,
            simple(message_id=f"<s{n}@x>", sender=f"s{n}@x.example", to="alice@example.org"),
        )
    with django_assert_max_num_queries(12):
        assert alice_client.get("/w/ngo/inbox/").status_code == 200


def test_detail_shows_the_message_and_its_attachments(vera_client, kept):
    r = vera_client.get(f"/w/ngo/inbox/{kept.pk}/")
    assert r.status_code == 200
    page = r.content.decode()
    assert "Мария Иванова" in page and "maria@partner.bg" in page
    assert "Изпращам проекта на споразумението." in page
    assert "споразумение.pdf" in page
    assert "Log with this person" not in page  # a viewer cannot assign
    raw = vera_client.get(f"/w/ngo/inbox/{kept.pk}/raw/")
    assert raw.status_code == 200 and raw["Content-Type"] == "message/rfc822"
    assert b"".join(raw.streaming_content if raw.streaming else [raw.content]) == MARIA_WITH_PDF


def test_person_options_search(bob_client, workspace, alice):
    make_person(workspace, alice, given_name="Мария", family_name="Иванова")
    r = bob_client.get("/w/ngo/inbox/people/?q=Мария")
    assert r.status_code == 200 and "Мария Иванова" in r.content.decode()


def test_assign_to_a_person_logs_it_and_learns_the_address(bob_client, bob, workspace, alice, kept):
    maria = make_person(workspace, alice, given_name="Мария", family_name="Иванова")
    # A second message from the same address waits in the inbox too.
    second = simple(
        message_id="<second@partner.bg>", sender="maria@partner.bg", to="bob@example.org"
    )
    assert ingest(workspace, second) == mail.UNMATCHED
    r = bob_client.post(
        f"/w/ngo/inbox/{kept.pk}/assign/", {"person": maria.pk, "add_address": "on"}
    )
    assert r.status_code == 302
    kept.refresh_from_db()
    assert kept.status == UnmatchedStatus.ASSIGNED
    i = kept.interaction
    assert i.message_id == "<c0ffee-1@partner.bg>"
    assert i.direction == Direction.IN and list(i.people.all()) == [maria]
    assert i.created_by == bob
    assert list(i.attachments.values_list("filename", flat=True)) == ["споразумение.pdf"]
    assert list(maria.emails.values_list("email", flat=True)) == ["maria@partner.bg"]
    other = UnmatchedMessage.objects.get(message_id="<second@partner.bg>")
    assert other.status == UnmatchedStatus.ASSIGNED
    # and the next mail from her is logged directly
    third = simple(message_id="<third@partner.bg>", sender="maria@partner.bg", to="bob@example.org")
    assert ingest(workspace, third) == mail.LOGGED
    # assigning twice is refused
    r = bob_client.post(f"/w/ngo/inbox/{kept.pk}/assign/", {"person": maria.pk})
    assert r.status_code == 302
    assert Interaction.objects.filter(message_id="<c0ffee-1@partner.bg>").count() == 1


def test_assign_to_a_new_person(alice_client, kept):
    r = alice_client.post(
        f"/w/ngo/inbox/{kept.pk}/assign/",
        {
            "action": "new_person",
            "given_name": "Мария",
            "family_name": "Иванова",
            "email": "maria@partner.bg",
        },
    )
    assert r.status_code == 302
    kept.refresh_from_db()
    person = kept.interaction.people.get()
    assert person.full_name == "Мария Иванова"
    assert list(person.emails.values_list("email", flat=True)) == ["maria@partner.bg"]


def test_assign_with_bad_input_saves_nothing(alice_client, other_workspace, oscar, kept):
    stranger = make_person(other_workspace, oscar)
    r = alice_client.post(f"/w/ngo/inbox/{kept.pk}/assign/", {"person": stranger.pk})
    assert r.status_code == 404  # another workspace's person does not exist here
    r = alice_client.post(f"/w/ngo/inbox/{kept.pk}/assign/", {"person": ""})
    assert r.status_code == 400
    r = alice_client.post(
        f"/w/ngo/inbox/{kept.pk}/assign/", {"action": "new_person", "given_name": "<b>x</b>"}
    )
    assert r.status_code == 400 and "Nothing was saved." in r.content.decode()
    kept.refresh_from_db()
    assert kept.status == UnmatchedStatus.OPEN and not Interaction.objects.exists()


def test_dismiss(bob_client, kept):
    r = bob_client.post(f"/w/ngo/inbox/{kept.pk}/dismiss/")
    assert r.status_code == 302
    kept.refresh_from_db()
    assert kept.status == UnmatchedStatus.DISMISSED
    assert bob_client.get(f"/w/ngo/inbox/{kept.pk}/dismiss/").status_code == 405


def test_outsiders_get_404_and_viewers_403(oscar_client, vera_client, kept):
    for url in ("/w/ngo/inbox/", f"/w/ngo/inbox/{kept.pk}/", f"/w/ngo/inbox/{kept.pk}/raw/"):
        assert oscar_client.get(url).status_code == 404
    for url in (f"/w/ngo/inbox/{kept.pk}/assign/", f"/w/ngo/inbox/{kept.pk}/dismiss/"):
        assert oscar_client.post(url).status_code == 404
        assert vera_client.post(url).status_code == 403
    kept.refresh_from_db()
    assert kept.status == UnmatchedStatus.OPEN


def test_another_workspaces_message_is_404(alice_client, other_workspace):
    theirs = ingest(other_workspace, MARIA_WITH_PDF)
    assert theirs == mail.UNMATCHED
    pk = UnmatchedMessage.objects.get(workspace=other_workspace).pk
    assert alice_client.get(f"/w/ngo/inbox/{pk}/").status_code == 404
    assert alice_client.post(f"/w/ngo/inbox/{pk}/dismiss/").status_code == 404


def test_dropbox_settings_are_for_admins(alice_client, bob_client, oscar_client, workspace):
    assert bob_client.get("/w/ngo/inbox/sources/").status_code == 403
    assert oscar_client.get("/w/ngo/inbox/sources/").status_code == 404
    data = {
        "address": "in@ngo.example",
        "kind": "imap",
        "host": "mail.ngo.example",
        "port": "993",
        "use_ssl": "on",
        "username": "in@ngo.example",
        "password": "s3cret-pass",
        "folder": "INBOX",
    }
    assert bob_client.post("/w/ngo/inbox/sources/", data).status_code == 403
    r = alice_client.post("/w/ngo/inbox/sources/", data)
    assert r.status_code == 302
    source = MailSource.objects.get(workspace=workspace)
    assert source.password == "s3cret-pass"
    page = alice_client.get(f"/w/ngo/inbox/sources/{source.pk}/").content.decode()
    assert "s3cret-pass" not in page
    assert "s3cret-pass" not in alice_client.get("/w/ngo/inbox/sources/").content.decode()
    # editing without a password keeps the stored one
    r = alice_client.post(
        f"/w/ngo/inbox/sources/{source.pk}/", {**data, "password": "", "folder": "Dropbox"}
    )
    assert r.status_code == 302
    source.refresh_from_db()
    assert source.folder == "Dropbox" and source.password == "s3cret-pass"
    assert oscar_client.post(f"/w/ngo/inbox/sources/{source.pk}/delete/").status_code == 404
    assert bob_client.post(f"/w/ngo/inbox/sources/{source.pk}/delete/").status_code == 403
    assert alice_client.post(f"/w/ngo/inbox/sources/{source.pk}/delete/").status_code == 302
    assert not MailSource.objects.exists()


def test_dropbox_settings_refuse_bad_input(alice_client, workspace, settings, tmp_path):
    r = alice_client.post("/w/ngo/inbox/sources/", {"address": "not an address", "kind": "imap"})
    assert (
        r.status_code == 400 and "Nothing was saved." not in "" and not MailSource.objects.exists()
    )
    maildir = {
        "address": "in@ngo.example",
        "kind": "maildir",
        "path": "/etc",
        "port": "993",
        "folder": "INBOX",
    }
    assert alice_client.post("/w/ngo/inbox/sources/", maildir).status_code == 400
    settings.MAIL_DROPBOX_MAILDIR_ROOT = str(tmp_path)
    assert (
        alice_client.post("/w/ngo/inbox/sources/", {**maildir, "path": "../etc"}).status_code == 400
    )
    assert (
        alice_client.post("/w/ngo/inbox/sources/", {**maildir, "path": "ngo/Maildir"}).status_code
        == 302
    )
    assert MailSource.objects.get().path == "ngo/Maildir"
