"""Fill a big workspace (made by ``seed_bench``) with touchpoints for the benchmarks.

    manage.py seed_bench_interactions --workspace bench --interactions 5000000 [--seed 1]
        [--jobs N] [--no-health]

Deletes the workspace's interactions, their links and health first (raw ``DELETE``s by
workspace), then loads realistic interactions over the last three years:

- skewed over people: a quarter of the people have none, most a few, some hundreds (a
  log-normal weight per person, scaled to the total); each interaction is with one person,
  about 20 % with a second one (a colleague at the same organisation when there is one);
- the participants' current organisations (from Affiliation) as InteractionOrganisation rows;
- channels: email ~50 %, phone 20, meeting 10, video 8, social 7, event 3, letter 2;
- conversations: a message in one direction is often answered in the other after a delay drawn
  around that person's own reply time (theirs ~a day, ours ~8 hours), so response times exist;
  answers sometimes carry ``answered_by`` / ``in_reply_to``; mail has a Message-ID;
- ~3 % are recent messages awaiting a reply with an expected-by date (some already overdue);
- a member of the workspace linked as our participant for some.

Speed: rows are made in worker processes (deterministic per chunk of people, whatever
``--jobs``) and written by this one: ``executemany`` on the raw SQLite connection, ``COPY`` on
PostgreSQL, one transaction per chunk, explicit ids from ``max(id) + 1`` (sequences reset
afterwards). The touchpoints tables' secondary indexes are dropped while loading and built again
at the end (definitions kept in a temp file, so an interrupted run restores them next time).
Ends with ``ANALYZE`` and, unless ``--no-health``, ``health.recompute_all``.
"""

import hashlib
import itertools
import json
import math
import multiprocessing
import os
import random
import tempfile
import time
from collections import deque
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction

from svrazka.accounts.models import Membership, Role, Workspace
from svrazka.contacts.models import Affiliation, Person
from svrazka.lib.bulkload import secondary_indexes
from svrazka.touchpoints import health
from svrazka.touchpoints.models import (
    Attachment,
    Health,
    Interaction,
    InteractionOrganisation,
    InteractionPerson,
    Task,
    UnmatchedMessage,
)

DAY = 86400.0
HOUR = 3600.0
YEARS = 3
CHUNK_PEOPLE = 20_000
CHANNELS = [
    ("email", 50),
    ("phone", 20),
    ("meeting", 10),
    ("video", 8),
    ("social", 7),
    ("event", 3),
    ("letter", 2),
]
MESSAGE_CHANNELS = {"email", "phone", "social", "letter"}
ZERO_SHARE = 0.25  # people with no touchpoints of their own
SECOND_PERSON = 0.20
AWAITING_SHARE = 0.03  # of all interactions: recent, awaiting a reply
MAX_PER_PERSON = 3000
SUBJECTS = {
    "email": [
        "Покана за среща",
        "Въпрос за проекта",
        "Отчет за дейността",
        "Re: Партньорство",
        "Благодарим за подкрепата",
        "Покана за събитие",
        "Документи за кандидатстване",
        "Invitation: partners' meeting",
        "Follow-up on our call",
        "Draft agreement",
        "Πρόσκληση σε συνάντηση",
        "Invitație la eveniment",
    ],
    "phone": ["Обаждане", "Разговор за дарение", "Call about the project", ""],
    "meeting": ["Среща в офиса", "Работна среща", "Coffee meeting", "Среща на коалицията"],
    "video": ["Онлайн среща", "Zoom call", "Видео разговор"],
    "social": ["Съобщение във Facebook", "LinkedIn message", ""],
    "event": ["Годишна конференция", "Благотворителен базар", "Networking event"],
    "letter": ["Писмо", "Официално писмо", "Letter of support"],
}
SUMMARIES = [
    "Обсъдихме следващите стъпки и сроковете.",
    "Интерес към съвместен проект; ще изпратят предложение.",
    "Уточнихме бюджета и отчетността.",
    "Agreed to meet again after the summer.",
    "Поискаха повече информация за кампанията.",
]

INTERACTION_COLUMNS = [
    "id",
    "workspace_id",
    "channel",
    "direction",
    "occurred_at",
    "subject",
    "summary",
    "partnership_id",
    "awaiting_reply",
    "reply_expected_by",
    "answered_at",
    "answered_by_id",
    "message_id",
    "in_reply_to_id",
    "source",
    "version",
    "created_by_id",
    "created_at",
    "updated_at",
]
LINK_COLUMNS = ["id", "workspace_id", "interaction_id", "{}", "occurred_at"]

# Set in the main process before the workers fork.
_STATE: dict = {}


def _cumulative(pairs):
    total, out = 0, []
    for value, weight in pairs:
        total += weight
        out.append((total, value))
    return total, out


class Formats:
    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"
        self.true, self.false = ("t", "f") if self.pg else (1, 0)
        self.suffix = "+00" if self.pg else ""

    def dt(self, epoch: float) -> str:
        return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S") + self.suffix


def copy_text(rows) -> bytes:
    """Rows in PostgreSQL's COPY text format (the values here need no escaping)."""
    return "".join(
        "\t".join("\\N" if v is None else str(v) for v in row) + "\n" for row in rows
    ).encode()


def _person_counts(people: list[int], total: int, seed: int) -> list[int]:
    """How many interactions each person starts: skewed (log-normal), summing to `total`."""
    rng = random.Random(f"counts-{seed}")
    weights = [0.0 if rng.random() < ZERO_SHARE else rng.lognormvariate(0.0, 1.3) for _ in people]
    scale = total / (sum(weights) or 1.0)
    counts = []
    for w in weights:
        x = w * scale
        n = int(x) + (1 if rng.random() < x - int(x) else 0)
        counts.append(min(n, MAX_PER_PERSON))
    diff = total - sum(counts)
    while diff:
        i = rng.randrange(len(counts))
        if diff > 0 and weights[i] > 0 and counts[i] < MAX_PER_PERSON:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > 1:
            counts[i] -= 1
            diff += 1
    return counts


def _chunk(args: tuple) -> dict:
    """Rows for one chunk of people (runs in a worker)."""
    index, people, counts, ids = args
    st = _STATE
    fmt: Formats = st["fmt"]
    rng = random.Random(f"chunk-{st['seed']}-{index}")
    now = st["now"]
    ws = st["workspace_id"]
    owner = st["owner_id"]
    members = st["members"]
    orgs_of = st["orgs_of"]
    colleagues = st["colleagues"]
    all_people = st["people"]
    channel_total, channel_cum = st["channels"]
    p_await = st["p_await"]
    iid, pid, oid, uid = ids

    interactions, person_links, org_links, user_links = [], [], [], []

    def pick_channel() -> str:
        x = rng.random() * channel_total
        for edge, value in channel_cum:
            if x < edge:
                return value
        return channel_cum[-1][1]

    for person, n in zip(people, counts, strict=True):
        if not n:
            continue
        theirs = min(15 * DAY, max(0.3 * HOUR, rng.lognormvariate(math.log(20 * HOUR), 1.0)))
        ours = min(10 * DAY, max(0.2 * HOUR, rng.lognormvariate(math.log(8 * HOUR), 0.9)))
        span = YEARS * 365 * DAY * (0.15 + 0.85 * rng.random())
        start = now - span
        awaiting_last = rng.random() < p_await
        todo = n - 1 if awaiting_last else n
        # events: [at, channel, direction, index of the event it answers or -1]
        events: list[list] = []
        while len(events) < todo:
            channel = pick_channel()
            t = start + rng.random() * (now - start - HOUR)
            if channel in MESSAGE_CHANNELS:
                direction = "out" if rng.random() < 0.55 else "in"
                events.append([t, channel, direction, -1])
                chance = 0.65
                while len(events) < todo and rng.random() < chance:
                    delay = (theirs if direction == "out" else ours) * rng.lognormvariate(0, 0.6)
                    t += delay
                    if t >= now:
                        break
                    direction = "in" if direction == "out" else "out"
                    if rng.random() < 0.1:
                        channel = "phone" if channel == "email" else "email"
                    events.append([t, channel, direction, len(events) - 1])
                    chance = 0.35
            else:
                events.append([t, channel, "out" if rng.random() < 0.7 else "in", -1])
        if awaiting_last:
            t = now - rng.random() * 20 * DAY
            channel = "email" if rng.random() < 0.7 else rng.choice(["phone", "social", "letter"])
            events.append([max(t, start), channel, "out" if rng.random() < 0.85 else "in", -2])
        order = sorted(range(len(events)), key=lambda k: events[k][0])
        new_id = {}
        for k in order:
            new_id[k] = iid
            events[k].append(iid)
            iid += 1
        my_orgs = orgs_of.get(person, ())
        answered: dict[int, tuple[int, float]] = {}
        for k in order:
            at, channel, direction, asks, _own = events[k]
            if asks >= 0 and rng.random() < 0.4:
                answered[new_id[asks]] = (new_id[k], at)
        for k in order:
            at, channel, direction, asks, own = events[k]
            occurred = fmt.dt(at)
            awaiting = asks == -2
            expected = None
            if awaiting:
                day = datetime.fromtimestamp(at, UTC).date()
                expected = (day + timedelta(days=rng.randint(3, 14))).isoformat()
            in_reply_to = new_id[asks] if asks >= 0 and channel == "email" else None
            if channel == "email" and rng.random() < 0.6:
                source, message_id, created_by = "mail", f"<b{own}.{index}@bench.svrazka>", None
            else:
                source = "api" if rng.random() < 0.03 else "manual"
                message_id, created_by = "", owner
            answer = answered.get(own)
            subject = rng.choice(SUBJECTS[channel])
            summary = ""
            if channel in ("meeting", "phone") and rng.random() < 0.3:
                summary = rng.choice(SUMMARIES)
            interactions.append(
                (
                    own,
                    ws,
                    channel,
                    direction,
                    occurred,
                    subject,
                    summary,
                    None,
                    fmt.true if awaiting else fmt.false,
                    expected,
                    fmt.dt(answer[1]) if answer else None,
                    answer[0] if answer else None,
                    message_id,
                    in_reply_to,
                    source,
                    1,
                    created_by,
                    occurred,
                    occurred,
                )
            )
            participants = [person]
            if rng.random() < SECOND_PERSON:
                pool = colleagues.get(my_orgs[0]) if my_orgs else None
                other = rng.choice(pool) if pool and len(pool) > 1 else rng.choice(all_people)
                if other != person:
                    participants.append(other)
            orgs: list[int] = []
            for p in participants:
                person_links.append((pid, ws, own, p, occurred))
                pid += 1
                for o in orgs_of.get(p, ()) if p != person else my_orgs:
                    if o not in orgs:
                        orgs.append(o)
            for o in orgs:
                org_links.append((oid, ws, own, o, occurred))
                oid += 1
            if created_by and members and rng.random() < 0.5:
                user_links.append((uid, own, rng.choice(members)))
                uid += 1
    rows = {
        "interaction": interactions,
        "person": person_links,
        "organisation": org_links,
        "users": user_links,
    }
    counts_out = {name: len(r) for name, r in rows.items()}
    if fmt.pg:
        rows = {name: copy_text(r) for name, r in rows.items()}
    return {"rows": rows, "counts": counts_out, "last_ids": (iid, pid, oid, uid)}


class Command(BaseCommand):
    help = "Load millions of realistic interactions into a big workspace (see bench/README.md)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", default="bench")
        parser.add_argument("--interactions", type=int, default=5_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--jobs",
            type=int,
            default=0,
            help="worker processes making rows (default: SQLite 1, PostgreSQL the CPUs)",
        )
        parser.add_argument("--no-health", action="store_true", help="skip recompute_all")

    def say(self, text: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.t0:7.1f}s] {text}")
        self.stdout.flush()

    def handle(self, *args, **opts):
        self.t0 = time.monotonic()
        vendor = connection.vendor
        if vendor not in ("sqlite", "postgresql"):
            raise CommandError(f"Only SQLite and PostgreSQL, not {vendor}.")
        ws = Workspace.objects.filter(slug=opts["workspace"]).first()
        if ws is None:
            raise CommandError(f"No workspace {opts['workspace']!r}: run seed_bench first.")
        jobs = opts["jobs"] or (1 if vendor == "sqlite" else (os.cpu_count() or 1))
        self.pg_superuser = False
        self.tune(vendor)
        self.tables = {
            "interaction": Interaction._meta.db_table,
            "person": InteractionPerson._meta.db_table,
            "organisation": InteractionOrganisation._meta.db_table,
            "users": Interaction.users.through._meta.db_table,
        }
        timings: dict[str, float] = {}
        self.restore_indexes()
        t = time.monotonic()
        self.drop_indexes()
        try:
            self.delete(ws)
            timings["delete"] = time.monotonic() - t
            t = time.monotonic()
            self.load(ws, opts, jobs)
            timings["load"] = time.monotonic() - t
        finally:
            t = time.monotonic()
            self.restore_indexes()
            timings["indexes"] = time.monotonic() - t
        if vendor == "postgresql":
            models = [
                Interaction,
                InteractionPerson,
                InteractionOrganisation,
                Interaction.users.through,
            ]
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
        t = time.monotonic()
        self.analyze(vendor)
        timings["analyze"] = time.monotonic() - t
        if not opts["no_health"]:
            t = time.monotonic()
            counts = health.recompute_all(ws)
            timings["health"] = time.monotonic() - t
            self.say(
                f"recompute_all: {counts['person']:,} people, {counts['organisation']:,} "
                f"organisations, {counts['partnership']:,} partnerships in {timings['health']:.1f}s"
            )
        self.say(
            "done: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()) + f"; total "
            f"{time.monotonic() - self.t0:.1f}s"
        )

    # -- steps ---------------------------------------------------------------------------------

    def tune(self, vendor: str) -> None:
        with connection.cursor() as cursor:
            if vendor == "sqlite":
                cursor.execute("PRAGMA cache_size = -1048576")
                cursor.execute("PRAGMA temp_store = MEMORY")
                cursor.execute("PRAGMA synchronous = OFF")
                # Others may write meanwhile (a migration, a benchmark's API token): wait for them.
                cursor.execute("PRAGMA busy_timeout = 600000")
                # The rows are consistent by construction; with the indexes dropped, SQLite's
                # deferred checks of the self-references would scan the table per row.
                cursor.execute("PRAGMA foreign_keys = OFF")
            else:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                cursor.execute("SET work_mem = '64MB'")
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                self.pg_superuser = cursor.fetchone()[0]
                if self.pg_superuser:
                    # No per-row foreign-key triggers: the rows are consistent by construction.
                    cursor.execute("SET session_replication_role = replica")

    def delete(self, ws) -> None:
        q = connection.ops.quote_name
        t = self.tables
        with transaction.atomic(), connection.cursor() as cursor:
            for model in (Task, UnmatchedMessage):
                cursor.execute(
                    f"UPDATE {q(model._meta.db_table)} SET interaction_id = NULL "
                    "WHERE workspace_id = %s AND interaction_id IS NOT NULL",
                    [ws.pk],
                )
            cursor.execute(
                f"DELETE FROM {q(t['users'])} WHERE interaction_id IN "
                f"(SELECT id FROM {q(t['interaction'])} WHERE workspace_id = %s)",
                [ws.pk],
            )
            for table in (
                Health._meta.db_table,
                Attachment._meta.db_table,
                t["person"],
                t["organisation"],
                t["interaction"],
            ):
                cursor.execute(f"DELETE FROM {q(table)} WHERE workspace_id = %s", [ws.pk])
                if cursor.rowcount:
                    self.say(f"  deleted {cursor.rowcount:,} rows from {table}")

    def _index_file(self) -> Path:
        s = connection.settings_dict
        digest = hashlib.sha256(f"{s['HOST']}:{s['PORT']}/{s['NAME']}".encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"svrazka-seed-touchpoints-indexes-{digest}.json"

    def drop_indexes(self) -> None:
        indexes = secondary_indexes(list(self.tables.values()))
        self._index_file().write_text(json.dumps(indexes, indent=1))
        with connection.cursor() as cursor:
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        self.say(f"dropped {len(indexes)} secondary indexes until the rows are in")

    def restore_indexes(self) -> None:
        path = self._index_file()
        if not path.exists():
            return
        started = time.monotonic()
        indexes = json.loads(path.read_text())
        with connection.cursor() as cursor:
            for _, sql in indexes:
                cursor.execute(sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        path.unlink()
        self.say(f"built {len(indexes)} indexes in {time.monotonic() - started:.1f}s")

    def next_id(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
            return (cursor.fetchone()[0] or 0) + 1

    def load(self, ws, opts, jobs: int) -> None:
        total = opts["interactions"]
        people = list(
            Person.objects.filter(workspace=ws).order_by("pk").values_list("pk", flat=True)
        )
        if not people:
            raise CommandError("The workspace has no people: run seed_bench first.")
        today = date.today()
        orgs_of: dict[int, tuple] = {}
        colleagues: dict[int, list] = {}
        for person, org, end in Affiliation.objects.filter(workspace=ws).values_list(
            "person_id", "organisation_id", "end_date"
        ):
            if end is None or end >= today:
                orgs_of[person] = (*orgs_of.get(person, ()), org)
                colleagues.setdefault(org, []).append(person)
        owner = (
            Membership.objects.filter(workspace=ws, role=Role.OWNER).order_by("pk").first()
            or Membership.objects.filter(workspace=ws).order_by("pk").first()
        )
        members = list(
            Membership.objects.filter(workspace=ws).order_by("pk").values_list("user_id", flat=True)
        )
        counts = _person_counts(people, total, opts["seed"])
        starters = sum(1 for c in counts if c)
        max_orgs = max((len(v) for v in orgs_of.values()), default=0)
        self.say(
            f"{total:,} interactions over {len(people):,} people ({starters:,} start some, "
            f"most {max(counts):,}); {len(orgs_of):,} with a current organisation"
        )
        _STATE.update(
            fmt=Formats(connection.vendor),
            seed=opts["seed"],
            now=time.time(),
            workspace_id=ws.pk,
            owner_id=owner.user_id if owner else None,
            members=members,
            orgs_of=orgs_of,
            colleagues=colleagues,
            people=people,
            channels=_cumulative(CHANNELS),
            p_await=min(1.0, AWAITING_SHARE * total / max(1, starters)),
        )
        first = {name: self.next_id(table) for name, table in self.tables.items()}
        chunks = []
        done = 0
        for index, start in enumerate(range(0, len(people), CHUNK_PEOPLE)):
            part = counts[start : start + CHUNK_PEOPLE]
            ids = (
                first["interaction"] + done,
                first["person"] + 2 * done,
                first["organisation"] + 2 * (max_orgs or 1) * done,
                first["users"] + done,
            )
            chunks.append((index, people[start : start + CHUNK_PEOPLE], part, ids))
            done += sum(part)
        q = connection.ops.quote_name
        columns = {
            "interaction": INTERACTION_COLUMNS,
            "person": [c.format("person_id") for c in LINK_COLUMNS],
            "organisation": [c.format("organisation_id") for c in LINK_COLUMNS],
            "users": ["id", "interaction_id", "user_id"],
        }
        sql = {}
        for name, cols in columns.items():
            names = ", ".join(q(c) for c in cols)
            if connection.vendor == "sqlite":
                marks = ", ".join("?" for _ in cols)
                sql[name] = f"INSERT INTO {q(self.tables[name])} ({names}) VALUES ({marks})"
            else:
                sql[name] = f"COPY {q(self.tables[name])} ({names}) FROM STDIN"
        started = time.monotonic()
        loaded = dict.fromkeys(columns, 0)
        writing = 0.0
        connection.close()  # fork with no open connection
        ctx = multiprocessing.get_context("fork")
        try:
            with ctx.Pool(jobs) as pool:
                self.tune(connection.vendor)
                todo = iter(chunks)
                pending = deque(
                    pool.apply_async(_chunk, (c,)) for c in itertools.islice(todo, jobs + 1)
                )
                for number in itertools.count(1):
                    if not pending:
                        break
                    result = pending.popleft().get()
                    if (following := next(todo, None)) is not None:
                        pending.append(pool.apply_async(_chunk, (following,)))
                    t = time.monotonic()
                    with transaction.atomic():
                        raw = connection.connection
                        for name, data in result["rows"].items():
                            if connection.vendor == "sqlite":
                                raw.executemany(sql[name], data)
                            else:
                                with raw.cursor() as cursor, cursor.copy(sql[name]) as copy:
                                    copy.write(data)
                    writing += time.monotonic() - t
                    for name, n in result["counts"].items():
                        loaded[name] += n
                    rate = loaded["interaction"] / (time.monotonic() - started)
                    if number % 10 == 0 or not pending:
                        self.say(
                            f"  {loaded['interaction']:,}/{total:,} interactions "
                            f"({rate:,.0f}/s; {writing:.0f}s of it writing)"
                        )
        finally:
            _STATE.clear()
        self.say(
            f"loaded in {time.monotonic() - started:.1f}s: "
            + ", ".join(f"{name} {n:,}" for name, n in loaded.items())
        )

    def analyze(self, vendor: str) -> None:
        started = time.monotonic()
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in [*self.tables.values(), Health._meta.db_table]:
                if vendor == "sqlite":
                    cursor.execute(f"ANALYZE {q(table)}")
                else:
                    cursor.execute(f"VACUUM (ANALYZE) {q(table)}")
        self.say(f"analyzed in {time.monotonic() - started:.1f}s")
