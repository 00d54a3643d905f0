"""Read a workspace's mail dropbox and log what it holds (see svrazka/touchpoints/mail.py).

    manage.py fetch_mail --workspace ngo                      # the workspace's dropbox settings
    manage.py fetch_mail --workspace ngo --imap-host mail.example.org --imap-user dropbox@… \\
        [--imap-port 993] [--imap-folder INBOX] [--no-ssl]    # password: SVRAZKA_IMAP_PASSWORD
    manage.py fetch_mail --workspace ngo --maildir /var/mail/dropbox

IMAP: reads the unread messages (UID SEARCH UNSEEN; `--all` reads every message, duplicates are
skipped by Message-ID), fetched in batches without marking them read, and marks each \\Seen once
it is logged or kept; nothing is deleted. Maildir: reads the messages not flagged seen and moves
each to cur/ with the S flag once it is logged or kept. A message that could not even be kept
stays unread for the next run, and the command exits non-zero.
"""

from __future__ import annotations

import imaplib
import mailbox
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from svrazka.accounts.models import Workspace
from svrazka.touchpoints import mail, services
from svrazka.touchpoints.models import MailSource, MailSourceKind

BATCH = 100
HEALTH_EVERY = 5000  # messages between health refreshes of the relationships they touched
TIMEOUT = 30
_UID = re.compile(rb"UID (\d+)")


@dataclass
class Item:
    key: str
    raw: bytes
    received_at: datetime | None


def _read(item: Item) -> tuple[Item, mail.ParsedMail | None, float]:
    try:
        parsed = mail.parse_message(item.raw, received_at=item.received_at)
    except Exception:  # ingest keeps it with the problem said
        return item, None, item.received_at.timestamp() if item.received_at else 0.0
    return item, parsed, parsed.date.timestamp() if parsed.date else 0.0


class ImapReader:
    def __init__(self, *, host, port, user, password, folder, ssl, read_all, batch) -> None:
        self.label = f"imap://{user}@{host}:{port}/{folder}"
        try:
            if ssl:
                self.imap = imaplib.IMAP4_SSL(host, port, timeout=TIMEOUT)
            else:
                self.imap = imaplib.IMAP4(host, port, timeout=TIMEOUT)
        except (OSError, imaplib.IMAP4.error) as e:
            raise CommandError(f"Cannot reach the IMAP server {host}:{port}: {e}") from e
        try:
            self.imap.login(user, password)
        except imaplib.IMAP4.error as e:
            raise CommandError(f"The IMAP server {host} refused the login of {user}: {e}") from e
        typ, data = self.imap.select(_quote(folder))
        if typ != "OK":
            raise CommandError(f"No folder {folder!r} on {host}: {data}")
        self.read_all = read_all
        self.batch = batch

    def batches(self) -> Iterator[list[Item]]:
        typ, data = self.imap.uid("SEARCH", None, "ALL" if self.read_all else "UNSEEN")
        if typ != "OK":
            raise CommandError(f"The IMAP search failed: {data}")
        uids = (data[0] or b"").split()
        for start in range(0, len(uids), self.batch):
            chunk = uids[start : start + self.batch]
            typ, data = self.imap.uid("FETCH", b",".join(chunk), "(UID INTERNALDATE BODY.PEEK[])")
            if typ != "OK":
                raise CommandError(f"The IMAP fetch failed: {data}")
            yield self._items(data)

    @staticmethod
    def _items(data) -> list[Item]:
        items = []
        for n, entry in enumerate(data):
            if not isinstance(entry, tuple):
                continue
            head, raw = entry[0], entry[1]
            found = _UID.search(head)
            if found is None and n + 1 < len(data) and isinstance(data[n + 1], bytes):
                found = _UID.search(data[n + 1])  # some servers send UID after the body
            if found is None:
                continue
            received = None
            parts = imaplib.Internaldate2tuple(head)
            if parts is not None:
                received = datetime.fromtimestamp(time.mktime(parts), tz=UTC)
            items.append(Item(found.group(1).decode(), raw, received))
        return items

    def done(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 500):
            chunk = ",".join(keys[start : start + 500])
            self.imap.uid("STORE", chunk, "+FLAGS.SILENT", r"(\Seen)")

    def close(self) -> None:
        try:
            self.imap.close()
            self.imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class MaildirReader:
    def __init__(self, *, path: str, read_all: bool, batch: int) -> None:
        self.label = f"maildir:{path}"
        self.path = path
        try:
            self.box = mailbox.Maildir(path, factory=None, create=False)
            self.box.keys()
        except (OSError, mailbox.Error) as e:
            raise CommandError(f"No Maildir at {path}: {e}") from e
        self.read_all = read_all
        self.batch = batch

    def _subpath(self, key: str) -> str:
        return self.box._lookup(key)  # "new/<key>" or "cur/<key>:2,<flags>"

    def batches(self) -> Iterator[list[Item]]:
        keys = []
        for key in sorted(self.box.iterkeys()):
            info = self._subpath(key).partition(self.box.colon)[2]
            flags = info[2:] if info.startswith("2,") else ""
            if self.read_all or "S" not in flags:
                keys.append(key)
        for start in range(0, len(keys), self.batch):
            items = []
            for key in keys[start : start + self.batch]:
                full = os.path.join(self.path, self._subpath(key))
                try:
                    with open(full, "rb") as f:
                        raw = f.read()
                    received = datetime.fromtimestamp(os.stat(full).st_mtime, tz=UTC)
                except FileNotFoundError:
                    continue  # taken by another reader meanwhile
                items.append(Item(key, raw, received))
            yield items

    def done(self, keys: list[str]) -> None:
        colon = self.box.colon
        for key in keys:
            old = self._subpath(key)
            base, _, info = os.path.basename(old).partition(colon)
            flags = set(info[2:]) if info.startswith("2,") else set()
            new = os.path.join("cur", f"{base}{colon}2,{''.join(sorted(flags | {'S'}))}")
            if new != old:
                try:
                    os.rename(os.path.join(self.path, old), os.path.join(self.path, new))
                except FileNotFoundError:
                    continue
                self.box._toc[key] = new

    def close(self) -> None:
        pass


class Command(BaseCommand):
    help = "Log the mail in a workspace's dropbox (IMAP and/or Maildir) as interactions."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument("--imap-host")
        parser.add_argument("--imap-port", type=int)
        parser.add_argument("--imap-user")
        parser.add_argument(
            "--imap-password",
            help="or set SVRAZKA_IMAP_PASSWORD (a command line is visible to other users)",
        )
        parser.add_argument("--imap-folder", default="INBOX")
        parser.add_argument("--no-ssl", action="store_true", help="plain IMAP, no TLS")
        parser.add_argument("--maildir", help="path of a Maildir to read")
        parser.add_argument(
            "--dropbox-address",
            action="append",
            default=[],
            help="the dropbox's own address (repeatable); the workspace's settings add theirs",
        )
        parser.add_argument(
            "--all", action="store_true", help="read messages already seen too (duplicates skip)"
        )
        parser.add_argument("--batch-size", type=int, default=BATCH)

    def handle(self, *args, **options) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace with the address {options['workspace']!r}.")
        batch = max(1, min(options["batch_size"], 1000))
        read_all = options["all"]
        sources: list[tuple[MailSource | None, dict]] = []
        if options["imap_host"]:
            if not options["imap_user"]:
                raise CommandError("--imap-host needs --imap-user.")
            ssl = not options["no_ssl"]
            sources.append(
                (
                    None,
                    {
                        "kind": "imap",
                        "host": options["imap_host"],
                        "port": options["imap_port"] or (993 if ssl else 143),
                        "user": options["imap_user"],
                        "password": options["imap_password"]
                        or os.environ.get("SVRAZKA_IMAP_PASSWORD", ""),
                        "folder": options["imap_folder"],
                        "ssl": ssl,
                    },
                )
            )
        if options["maildir"]:
            sources.append((None, {"kind": "maildir", "path": options["maildir"]}))
        if not sources:
            for s in MailSource.objects.filter(workspace=workspace).order_by("pk"):
                if s.kind == MailSourceKind.MAILDIR:
                    sources.append((s, {"kind": "maildir", "path": s.path}))
                else:
                    sources.append(
                        (
                            s,
                            {
                                "kind": "imap",
                                "host": s.host,
                                "port": s.port,
                                "user": s.username,
                                "password": s.password,
                                "folder": s.folder or "INBOX",
                                "ssl": s.use_ssl,
                            },
                        )
                    )
        if not sources:
            raise CommandError(
                f"The workspace {workspace.slug!r} has no dropbox: add one under Inbox → "
                "Dropbox settings, or give --imap-host or --maildir."
            )
        directory = mail.Directory(workspace, dropbox_addresses=options["dropbox_address"])
        counts: Counter[str] = Counter()
        errors: list[str] = []
        started = time.monotonic()
        for source, conf in sources:
            error = ""
            try:
                self._read(workspace, directory, conf, read_all, batch, counts)
            except CommandError as e:
                error = str(e)
            except (OSError, imaplib.IMAP4.error) as e:
                error = f"{type(e).__name__}: {e}"
            if error:
                errors.append(error)
                self.stderr.write(error)
            if source is not None:
                MailSource.objects.filter(pk=source.pk).update(
                    last_fetched_at=timezone.now() if not error else source.last_fetched_at,
                    last_error=error[:500],
                )
        elapsed = time.monotonic() - started
        total = sum(counts.values())
        self.stdout.write(
            f"{total} messages in {elapsed:.1f} s ({total / elapsed if elapsed else 0:.0f}/s): "
            f"{counts[mail.LOGGED]} logged, {counts[mail.THREADED]} threaded, "
            f"{counts[mail.UNMATCHED]} unmatched, {counts[mail.AUTOMATIC]} automatic replies "
            f"set aside, {counts[mail.DUPLICATE]} duplicates, {counts[mail.FAILED]} failed"
        )
        if counts[mail.FAILED]:
            errors.append(
                f"{counts[mail.FAILED]} messages could not be logged or kept; "
                "they stay unread for the next run."
            )
        if errors:
            raise CommandError(" ".join(errors))

    def _read(self, workspace, directory, conf, read_all, batch, counts) -> None:
        if conf["kind"] == "maildir":
            reader: ImapReader | MaildirReader = MaildirReader(
                path=conf["path"], read_all=read_all, batch=batch
            )
        else:
            reader = ImapReader(
                host=conf["host"],
                port=conf["port"],
                user=conf["user"],
                password=conf["password"],
                folder=conf["folder"],
                ssl=conf["ssl"],
                read_all=read_all,
                batch=batch,
            )
        try:
            with services.health_deferred(workspace) as refresh_health:
                since_refresh = 0
                for items in reader.batches():
                    done = []
                    # Older first, so a reply comes after the message it answers.
                    read = sorted((_read(item) for item in items), key=lambda r: r[2])
                    directory.prefetch(parsed for _, parsed, _ in read if parsed is not None)
                    for item, parsed, _ in read:
                        outcome = mail.ingest(
                            workspace=workspace,
                            raw=item.raw,
                            parsed=parsed,
                            directory=directory,
                            received_at=item.received_at,
                        )
                        counts[outcome] += 1
                        if outcome != mail.FAILED:
                            done.append(item.key)
                    reader.done(done)
                    since_refresh += len(items)
                    if since_refresh >= HEALTH_EVERY:
                        refresh_health()
                        since_refresh = 0
        finally:
            reader.close()
