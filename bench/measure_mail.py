"""fetch_mail throughput: messages logged per second from a Maildir (and a real Dovecot IMAP).

    export SVRAZKA_VAR_DIR=/tmp/mailbench      # keep the developer's database untouched
    .venv/bin/python bench/measure_mail.py --messages 2000 [--people 300] [--imap]

Makes (once) a workspace "mailbench" with 3 members and `--people` people with addresses, half
of them at organisations; then writes `--messages` realistic messages into a fresh Maildir: mail
from people to us (Cyrillic subjects and names, some windows-1251, some HTML only), mail from us
to them (awaiting a reply), replies threaded to earlier mail, a few from unknown senders, a few
with a PDF attachment, and the same message delivered twice. Runs `fetch_mail` over it and prints
messages per second. `--imap` does the same through Dovecot (tests/mailserver.py). Each run uses
new Message-IDs, so runs add up in the database as a real dropbox would.
"""

import argparse
import base64
import mailbox
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svrazka.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

GIVEN = ["Мария", "Георги", "Иван", "Елена", "Петър", "Ana", "Nikos", "Ioana", "Димитър", "Анна"]
FAMILY = ["Иванова", "Петров", "Georgiou", "Popescu", "Стоянова", "Димитров", "Papadopoulou"]
SUBJECTS = [
    "Споразумение за партньорство",
    "Среща в София",
    "Erasmus+ KA2 application",
    "Отчет за дейностите",
    "Покана за конференция",
    "Budget for work package 3",
]
PDF = b"%PDF-1.4\n" + b"0" * 20000 + b"\n%%EOF\n"


def b64word(text: str) -> str:
    return f"=?UTF-8?B?{base64.b64encode(text.encode()).decode()}?="


def setup_workspace(slug: str, people: int):
    from svrazka.accounts import services as accounts
    from svrazka.accounts.models import Membership, Role, Workspace
    from svrazka.contacts import services as contacts

    workspace = Workspace.objects.filter(slug=slug).first()
    members = [f"member{i}@mailbench.example" for i in range(3)]
    if workspace is not None and workspace.memberships.filter(user__email=members[0]).exists():
        return workspace, members
    # A new workspace, or an existing one (such as seed_bench's million people with their
    # 5,000,000 interactions) that gets the bench's members and people added once.
    owner, _ = accounts.user_get_or_create(email=members[0], password="bench-password-123")
    if workspace is None:
        workspace = accounts.workspace_create(slug=slug, name="Mail bench", owner=owner)
    else:
        Membership.objects.create(workspace=workspace, user=owner, role=Role.MEMBER)
    for email in members[1:]:
        user, _ = accounts.user_get_or_create(email=email, password="bench-password-123")
        Membership.objects.create(workspace=workspace, user=user, role=Role.MEMBER)
    orgs = [
        contacts.organisation_create(
            workspace=workspace, actor=owner, data={"name": f"Partner {i}", "kind": "ngo"}
        )
        for i in range(people // 10 + 1)
    ]
    for i in range(people):
        person = contacts.person_create(
            workspace=workspace,
            actor=owner,
            data={
                "given_name": GIVEN[i % len(GIVEN)],
                "family_name": FAMILY[i % len(FAMILY)],
                "emails": [f"person{i}@partner{i % 40}.example"],
            },
        )
        if i % 2 == 0:
            contacts.affiliation_create(
                workspace=workspace,
                actor=owner,
                person=person,
                organisation=orgs[i % len(orgs)],
                data={},
            )
    return workspace, members


def message(n: int, run: str, people: int, members: list[str], rng: random.Random) -> bytes:
    kind = rng.random()
    person = rng.randrange(people)
    them = f"{GIVEN[person % len(GIVEN)]} {FAMILY[person % len(FAMILY)]}"
    their = f"person{person}@partner{person % 40}.example"
    us = rng.choice(members)
    subject = rng.choice(SUBJECTS)
    day = 1 + n * 27 // 100000
    when = f"Mon, {day:02d} Mar 2026 {8 + n % 10:02d}:{n % 60:02d}:00 +0200"
    headers = [f"Message-ID: <{run}-{n}@mailbench.example>", f"Date: {when}", "MIME-Version: 1.0"]
    if kind < 0.30:  # from us
        headers += [f"From: {us}", f"To: {b64word(them)} <{their}>", f"Subject: {subject}"]
    elif kind < 0.45 and n > 10:  # their reply to something of ours
        earlier = rng.randrange(max(1, n - 10))
        headers += [
            f"From: {b64word(them)} <{their}>",
            f"To: {us}",
            f"Subject: Re: {b64word(subject)}",
            f"In-Reply-To: <{run}-{earlier}@mailbench.example>",
            f"References: <{run}-{earlier}@mailbench.example>",
        ]
    elif kind < 0.50:  # a stranger
        headers += [
            f"From: Someone New <new{n}@unknown.example>",
            f"To: {us}",
            f"Subject: {subject}",
        ]
    else:
        headers += [
            f"From: {b64word(them)} <{their}>",
            f"To: {us}",
            f"Cc: person{(person + 1) % people}@partner{(person + 1) % 40}.example",
            f"Subject: {b64word(subject)}",
        ]
    text = f"Здравейте,\n\nписмо номер {n} за {subject}.\n\nПоздрави,\n{them}\n"
    if n % 20 == 0:  # with a PDF
        boundary = f"b{n}"
        body = (
            f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n--{boundary}\n'
            f"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
            f"{base64.encodebytes(text.encode()).decode()}\n--{boundary}\n"
            "Content-Type: application/pdf\n"
            f'Content-Disposition: attachment; filename="doc{n}.pdf"\n'
            f"Content-Transfer-Encoding: base64\n\n{base64.encodebytes(PDF).decode()}\n"
            f"--{boundary}--\n"
        )
    elif n % 7 == 0:  # HTML only
        body = (
            "Content-Type: text/html; charset=utf-8\n\n"
            f"<html><body><p>{text.replace(chr(10), '<br>')}</p></body></html>\n"
        )
    elif n % 5 == 0:  # legacy Cyrillic charset
        return (
            "\n".join(headers) + "\nContent-Type: text/plain; charset=windows-1251\n"
            "Content-Transfer-Encoding: 8bit\n\n"
        ).encode() + text.encode("cp1251")
    else:
        body = f"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{text}"
    return ("\n".join(headers) + "\n" + body).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", default="mailbench")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--imap", action="store_true", help="also through a Dovecot IMAP server")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    workspace, members = setup_workspace(args.workspace, args.people)
    run = uuid.uuid4().hex[:8]
    rng = random.Random(42)
    messages = [message(n, run, args.people, members, rng) for n in range(args.messages)]
    messages.append(messages[len(messages) // 2])  # delivered twice
    print(f"database: {connection.vendor}; {len(messages)} messages, {args.people} people")

    with tempfile.TemporaryDirectory() as tmp:
        box = mailbox.Maildir(Path(tmp) / "Maildir", create=True)
        for raw in messages:
            box.add(raw)
        started = time.perf_counter()
        call_command(
            "fetch_mail", "--workspace", args.workspace, "--maildir", str(Path(tmp) / "Maildir")
        )
        elapsed = time.perf_counter() - started
        print(f"Maildir: {len(messages) / elapsed:.0f} messages/s ({elapsed:.1f} s)")

        if args.imap:
            from tests.mailserver import dovecot_server

            run = uuid.uuid4().hex[:8]
            rng = random.Random(43)
            messages = [message(n, run, args.people, members, rng) for n in range(args.messages)]
            with dovecot_server() as server:
                server.append_many(messages)
                started = time.perf_counter()
                call_command(
                    "fetch_mail",
                    "--workspace",
                    args.workspace,
                    "--imap-host",
                    server.host,
                    "--imap-port",
                    str(server.port),
                    "--imap-user",
                    server.user,
                    "--imap-password",
                    server.password,
                    "--no-ssl",
                )
                elapsed = time.perf_counter() - started
                print(f"IMAP: {len(messages) / elapsed:.0f} messages/s ({elapsed:.1f} s)")


if __name__ == "__main__":
    main()
