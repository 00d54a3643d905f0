"""Imports: create a job from an uploaded file, check every row, then load all of them or none,
and undo a finished import as a whole.

- `job_create` keeps the file (within `IMPORT_MAX_BYTES`), tells what it is, and either queues the
  check or, for a file of unknown columns, asks for a mapping (`job_set_mapping`).
- `job_check` reads the file once, as a stream: each row becomes a `ContactRecord`, then values
  (`validation.check`) written to a staging file beside the upload, or problems kept as
  `RowProblem`s. Rows that repeat a person we have (same email or phone) are noted too.
- `job_commit` loads the staging file in one transaction with raw bulk inserts: people, their
  emails, phones, search tokens, tags, and organisations (found by name, or created) with the
  affiliations (`_Loader`; on PostgreSQL a `bulkload.Sender` thread takes each batch to the
  server while the next is built). Progress goes to a small file, since the transaction hides
  the job's own row.
- `job_import_at_once` does both in one pass: rows are loaded, in the one transaction, while
  the next are checked; a row with a problem rolls everything back. The command line uses it
  (1M rows: PostgreSQL 96–112 s, SQLite ~91 s on a slow 2-core machine; bench/README.md,
  "Imports"). The rows of a person it creates are held to the person by the transaction
  itself: no one else sees the person before the commit (contacts.models.PERSON_ROW).
- `job_undo` deletes what the import created, in one transaction, or nothing; the people
  are locked before their rows are gathered (contacts.services.hold).
"""

import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.db.models import Max, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from svrazka.contacts.models import (
    Affiliation,
    Organisation,
    OrganisationTag,
    OrganisationToken,
    Person,
    PersonEmail,
    PersonPhone,
    PersonTag,
    PersonToken,
    Tag,
    WhereFound,
)
from svrazka.contacts.services import hold, tag_get_or_create
from svrazka.imports import checking, reading, validation
from svrazka.imports.models import (
    Format,
    ImportJob,
    ProblemKind,
    RowProblem,
    SavedMapping,
    Status,
)
from svrazka.lib import bulkload, translit

logger = logging.getLogger(__name__)

KEEP_PROBLEMS = 2000  # problems stored per job; all are counted
BATCH = 5000  # rows per bulk insert
LOOKUP_BATCH = 1000  # checked rows looked up among the people we have at a time
# PostgreSQL: people's search tokens are written this many at a time, in index order, so that
# the inserts into the token index walk it rather than jump about (1M people: 139 → 124 s).
TOKEN_RUN = 500_000
# Rows from which a load into a database holding at most twice as many people builds the
# people's indexes after the rows are in (see _Loader.tables_to_rebuild).
REBUILD_INDEXES_FROM = 50_000
# PostgreSQL: how many new ids of a table a load asks for before it needs them (_Ids): the
# question waits behind the rows sent before it, and a run of tokens takes seconds.
IDS_AHEAD = 100_000


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 160 * 1024 * 1024))


def _size_label(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


class _Progress:
    """Where the job's progress is written while a transaction hides the job's own row."""

    def __init__(self, job: ImportJob):
        self.path = Path(job.file.path + ".progress")

    def write(self, done: int) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(str(done))
        os.replace(tmp, self.path)

    def read(self) -> int | None:
        try:
            return int(self.path.read_text())
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def live_rows_done(job: ImportJob) -> int:
    """Rows done, as far as anyone outside the running transaction can tell."""
    if job.status in (Status.CHECKING, Status.IMPORTING) and job.file:
        done = _Progress(job).read()
        if done is not None:
            return done
    return job.rows_done


def _staging_path(job: ImportJob) -> Path:
    return Path(job.file.path + ".staged.jsonl")


# --- creating a job -------------------------------------------------------------------------


def job_create(
    *,
    workspace,
    actor,
    upload,
    filename: str,
    requested_format: str = Format.AUTO,
    skip_invalid: bool = False,
    mapping: dict | None = None,
    background: bool = True,
) -> ImportJob:
    """Keep the uploaded file and work out what it is. ValidationError (and nothing kept) for a
    file too big, empty, binary, or not what `requested_format` says."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    if size > max_bytes():
        raise ValidationError(
            _("The file is %(size)s; Svrazka imports files up to %(limit)s. Split it in parts.")
            % {"size": _size_label(size), "limit": _size_label(max_bytes())},
            code="too_big",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if requested_format not in Format.values:
        raise ValidationError(_("Unknown format."), code="format")
    job = ImportJob(
        workspace=workspace,
        created_by=actor,
        filename=(filename or "contacts")[-255:],
        size=size,
        requested_format=requested_format,
        skip_invalid=skip_invalid,
    )
    job.file.save(job.filename, File(upload), save=False)
    try:
        described = reading.describe(job.file.path, job.filename, requested_format)
    except ValidationError:
        job.file.delete(save=False)
        raise
    job.detected_format = described.format
    job.encoding = described.encoding
    job.header = described.header
    if described.needs_mapping:
        saved = SavedMapping.objects.filter(
            workspace=workspace, signature=described.signature
        ).first()
        if mapping is not None:
            job.mapping = reading.clean_mapping(mapping, len(described.header), described.header)
        elif saved:
            job.mapping = saved.mapping
        else:
            job.mapping = described.guessed_mapping
        job.status = Status.QUEUED if mapping is not None else Status.MAPPING
    job.save()
    if job.status == Status.QUEUED and background:
        _enqueue_check(job)
    return job


def job_set_mapping(*, job: ImportJob, mapping: dict, remember: bool = True) -> ImportJob:
    if job.status not in (Status.MAPPING, Status.CHECKED, Status.FAILED):
        raise ValidationError(_("This import can no longer be changed."), code="state")
    job.mapping = reading.clean_mapping(mapping, len(job.header), job.header)
    if remember:
        SavedMapping.objects.update_or_create(
            workspace_id=job.workspace_id,
            signature=reading.signature(job.header),
            defaults={"header": job.header, "mapping": job.mapping},
        )
    _set_status(job, Status.QUEUED, expected=(Status.MAPPING, Status.CHECKED, Status.FAILED))
    _enqueue_check(job)
    return job


def _set_status(job: ImportJob, status: str, *, expected: tuple, **fields) -> None:
    """Move the job on only if nobody else has: two clicks cannot start the same step twice."""
    fields = {"status": status, **fields}
    changed = ImportJob.objects.filter(pk=job.pk, status__in=expected, version=job.version).update(
        version=job.version + 1, **fields
    )
    if not changed:
        raise ValidationError(
            _("Someone else has already moved this import on. Reload the page."), code="state"
        )
    job.version += 1
    for name, value in fields.items():
        setattr(job, name, value)


def _enqueue_check(job: ImportJob) -> None:
    from svrazka.imports.tasks import check_import

    transaction.on_commit(lambda: check_import.enqueue(job.pk))


# --- checking -------------------------------------------------------------------------------


_CHECK_RESET = {
    "rows_done": 0,
    "bytes_done": 0,
    "rows_valid": 0,
    "rows_invalid": 0,
    "rows_duplicate": 0,
    "rows_warning": 0,
    "message": "",
}


class _Pass:
    """One reading of a job's file: every row checked, its problems kept (up to
    KEEP_PROBLEMS) and counted, and the lines of its valid rows, as the staging file keeps
    them, handed to ``sink`` some LOOKUP_BATCH at a time in file order. A row that repeats a
    person we have carries ``"duplicate_of": id``."""

    def __init__(self, job: ImportJob, sink, *, report=None, new_people_of=None):
        self.job = job
        self.sink = sink
        # (rows done, bytes read) after each chunk; by default on the job's own row
        self.report = report or self._report
        self.new_people_of = new_people_of  # an import whose people are not "people we have"
        self.kept: list[RowProblem] = []
        self.counts = {"done": 0, "valid": 0, "invalid": 0, "duplicate": 0, "warning": 0}
        self.pending: list[tuple] = []  # valid rows (checking.Chunk.valid) to look up
        # Whether the workspace has anyone's email, phone to compare with ("email", "phone"),
        # as it was when the first rows were looked up: none, no lookups (a first import).
        self.held: frozenset[str] | None = None
        self.read = (0, 0)  # (rows, bytes) of the file read so far, checked or not yet

    def _report(self, done: int, bytes_read: int) -> None:
        ImportJob.objects.filter(pk=self.job.pk).update(rows_done=done, bytes_done=bytes_read)

    def keep(self, kind: str, line: int, items: list[tuple[str, str]], excerpt: str) -> None:
        if len(self.kept) < KEEP_PROBLEMS:
            self.kept.extend(
                RowProblem(
                    workspace_id=self.job.workspace_id,
                    job=self.job,
                    kind=kind,
                    line=line,
                    field=field_name[:40],
                    message=message[:500],
                    excerpt=excerpt,
                )
                for field_name, message in items[:5]
            )

    def flush(self) -> None:
        if not self.pending:
            return
        if self.held is None:
            self.held = _contact_kinds_held(self.job.workspace_id)
        duplicates = _existing_people(
            self.job.workspace_id, self.pending, leaving_out=self.new_people_of, kinds=self.held
        )
        lines = []
        for line, staged, _emails, _phones, excerpt in self.pending:
            existing = duplicates.get(line)
            if existing:
                self.counts["duplicate"] += 1
                if len(self.kept) < KEEP_PROBLEMS:
                    self.kept.append(
                        RowProblem(
                            workspace_id=self.job.workspace_id,
                            job=self.job,
                            kind=ProblemKind.DUPLICATE,
                            line=line,
                            existing_person_id=existing[0],
                            field=existing[1],
                            message=existing[2][:500],
                            excerpt=excerpt,
                        )
                    )
                # The staged object with one more key: '{…}' -> '{…,"duplicate_of":7}'.
                lines.append(f'{staged[:-1]},"duplicate_of":{int(existing[0])}}}')
            else:
                lines.append(staged)
        self.pending.clear()
        self.sink(lines)

    def run(self) -> None:
        """Read the file; ValidationError for one that cannot be read as contacts."""
        region = self.job.workspace.default_country or "BG"
        counts = self.counts
        with reading.open_records(self.job) as source:
            for chunk in checking.checked_chunks(source, region):
                for line, kind, items, excerpt in chunk.notes:
                    counts["invalid" if kind == checking.ERROR else "warning"] += 1
                    self.keep(kind, line, items, excerpt)
                counts["done"] += chunk.rows
                counts["valid"] += len(chunk.valid)
                self.pending.extend(chunk.valid)
                self.read = (source.rows_read, source.bytes_read())
                self.report(counts["done"], self.read[1])
                if len(self.pending) >= LOOKUP_BATCH:
                    self.flush()
            self.flush()

    def rows_expected(self) -> int:
        """How many rows the file has, from the bytes a row has taken so far."""
        rows, bytes_read = self.read
        return self.job.size * rows // bytes_read if bytes_read else rows

    def totals(self) -> dict:
        """The job's fields that say what the check found."""
        counts = self.counts
        return {
            "rows_total": counts["done"],
            "rows_done": counts["done"],
            "bytes_done": self.job.size,
            "rows_valid": counts["valid"],
            "rows_invalid": counts["invalid"],
            "rows_duplicate": counts["duplicate"],
            "rows_warning": counts["warning"],
            "message": "" if counts["done"] else _("The file has no contacts in it."),
        }


def job_check(job: ImportJob) -> ImportJob:
    """Read the whole file, keep its problems and stage its valid rows."""
    _set_status(
        job, Status.CHECKING, expected=(Status.QUEUED,), started_at=timezone.now(), **_CHECK_RESET
    )
    RowProblem.objects.filter(job=job).delete()
    staging = _staging_path(job)
    try:
        with staging.open("w", encoding="utf-8") as out:

            def stage(lines: list[str]) -> None:
                out.write("\n".join(lines))
                out.write("\n")

            check = _Pass(job, stage)
            check.run()
    except ValidationError as e:
        staging.unlink(missing_ok=True)
        return _fail(job, " ".join(e.messages))
    except Exception:
        logger.exception("Checking import %s failed", job.pk)
        staging.unlink(missing_ok=True)
        return _fail(job, _("Svrazka could not read this file."))
    RowProblem.objects.bulk_create(check.kept[:KEEP_PROBLEMS], batch_size=500)
    _set_status(
        job,
        Status.CHECKED if check.counts["done"] else Status.FAILED,
        expected=(Status.CHECKING,),
        **check.totals(),
    )
    return job


def _fail(job: ImportJob, message: str) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(
        status=Status.FAILED, message=message, finished_at=timezone.now(), version=job.version + 1
    )
    job.refresh_from_db()
    return job


def _contact_kinds_held(workspace_id: int) -> frozenset[str]:
    """Which of "email", "phone" some person of the workspace has."""
    held = set()
    if PersonEmail.objects.filter(workspace_id=workspace_id).exists():
        held.add("email")
    if PersonPhone.objects.filter(workspace_id=workspace_id).exists():
        held.add("phone")
    return frozenset(held)


# What a row's emails and phones are looked up in: (kind, table, column).
_LOOKUPS = (
    ("email", PersonEmail._meta.db_table, "email"),
    ("phone", PersonPhone._meta.db_table, "number"),
)


def _existing_people(
    workspace_id: int, rows: list[tuple], *, leaving_out, kinds: frozenset[str]
) -> dict:
    """line -> (person id, field, message) for rows (checking.Chunk.valid) whose email or
    phone a person already has; not the people the import ``leaving_out`` (a job's id) is
    bringing in, when it looks while it loads. Only the ``kinds`` of value are looked up.

    A query a kind, its values as one parameter (a JSON list on SQLite, an array on
    PostgreSQL): a thousand rows' values cost a fifth of what a thousand parameters do."""
    wanted: dict[str, dict[str, int]] = {"email": {}, "phone": {}}
    for line, _staged, emails, phones, _excerpt in rows:
        for email in emails:
            wanted["email"].setdefault(email, line)
        for phone in phones:
            wanted["phone"].setdefault(phone, line)
    messages = {
        "email": _("Same email as a person we have: %(value)s"),
        "phone": _("Same phone as a person we have: %(value)s"),
    }
    person_table = connection.ops.quote_name(Person._meta.db_table)
    found: dict[int, tuple[int, str, str]] = {}
    with connection.cursor() as cursor:
        for kind, table, column in _LOOKUPS:
            lines = wanted[kind]
            if kind not in kinds or not lines:
                continue
            if connection.vendor == "postgresql":
                among, values = "= ANY(%s)", list(lines)
            else:
                among, values = "IN (SELECT value FROM json_each(%s))", orjson.dumps(list(lines))
            sql = (
                f"SELECT v.{column}, v.person_id FROM {connection.ops.quote_name(table)} v "
                f"WHERE v.workspace_id = %s AND v.{column} {among}"
            )
            params = [workspace_id, values]
            if leaving_out:
                sql += (
                    f" AND NOT EXISTS (SELECT 1 FROM {person_table} p "
                    "WHERE p.id = v.person_id AND p.source_import_id = %s)"
                )
                params.append(leaving_out)
            cursor.execute(sql + " ORDER BY v.id", params)
            for value, person_id in cursor.fetchall():
                found.setdefault(lines[value], (person_id, kind, messages[kind] % {"value": value}))
    return found


# --- loading --------------------------------------------------------------------------------


def job_start_import(
    *,
    job: ImportJob,
    skip_invalid: bool = False,
    skip_duplicates: bool = False,
    background: bool = True,
) -> ImportJob:
    if job.status != Status.CHECKED:
        raise ValidationError(_("This import is not ready to be loaded."), code="state")
    if job.rows_invalid and not skip_invalid:
        raise ValidationError(
            _(
                "%(count)s rows cannot be imported. Fix them in the file and upload it again, "
                "or choose to skip them."
            )
            % {"count": job.rows_invalid},
            code="invalid_rows",
        )
    if not job.rows_valid:
        raise ValidationError(_("There is nothing to import."), code="empty")
    _set_status(
        job,
        Status.IMPORTING,
        expected=(Status.CHECKED,),
        skip_invalid=skip_invalid,
        skip_duplicates=skip_duplicates,
        rows_done=0,
    )
    if background:
        from svrazka.imports.tasks import commit_import

        transaction.on_commit(lambda: commit_import.enqueue(job.pk))
    return job


def _read_staged(job: ImportJob) -> Iterator[tuple[str, dict]]:
    """(the row's staged JSON, its values) of every staged row."""
    with _staging_path(job).open(encoding="utf-8") as f:
        for line in f:
            yield line, checking.staged_values(line)


class _Ids:
    """Ids for new rows, given here so children can point at their parents without a query per
    row: SQLite holds the write lock for the whole transaction (max(id) + 1 is safe);
    PostgreSQL hands out numbers from the table's own sequence, through the load's sender.
    From the second take on, the next ids are asked for before they are needed (IDS_AHEAD at
    most), so the load does not wait for the rows sent before the question; an import leaves
    those it did not use as gaps, as sequences do."""

    def __init__(self, model, sender: bulkload.Sender | None):
        self.model = model
        self.table = model._meta.db_table
        self.sender = sender
        self.next = None
        self.pool: list[int] = []  # PostgreSQL: ids asked for and not taken yet
        self.coming = None  # the Future of ids asked for ahead
        self.takes = 0

    def _ask(self, n: int):
        return self.sender.ask(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [self.table, n],
        )

    def take(self, n: int) -> list[int]:
        if n == 0:
            return []
        if connection.vendor == "postgresql":
            while len(self.pool) < n:
                asked = self.coming or self._ask(n - len(self.pool))
                self.coming = None
                self.pool += [r[0] for r in self.sender.answer(asked)]
            ids, self.pool = self.pool[:n], self.pool[n:]
            self.takes += 1
            if self.takes > 1 and self.coming is None and len(self.pool) < IDS_AHEAD:
                self.coming = self._ask(min(n * self.takes, IDS_AHEAD))  # asked a while ahead
            return ids
        if self.next is None:
            self.next = (self.model.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        ids = list(range(self.next, self.next + n))
        self.next += n
        return ids


PERSON_COLUMNS = [
    "id", "workspace", "created_by", "source_import", "given_name", "middle_name",
    "family_name", "title", "date_of_birth", "street", "city", "postal_code", "country",
    "website", "linkedin", "facebook", "x", "notes", "where_found", "where_found_note",
    "sort_key", "created_at", "updated_at",
]  # fmt: skip
ORGANISATION_COLUMNS = [
    "id", "workspace", "created_by", "source_import", "name", "kind", "email", "phone", "city",
    "address", "country", "website", "linkedin", "facebook", "x", "notes", "where_found",
    "where_found_note", "sort_key", "created_at", "updated_at",
]  # fmt: skip


class _Loader:
    """One import's inserts, a batch at a time, as a context manager inside the transaction.

    On PostgreSQL a `bulkload.Sender` takes the rows to the server while the next batch is
    built, and the foreign keys are checked as the rows arrive (SET CONSTRAINTS ALL
    IMMEDIATE) rather than all at the commit, when nothing else is left to do beside them.
    """

    def __init__(self, job: ImportJob):
        self.job = job
        self.ws = job.workspace_id
        self.actor = job.created_by_id
        now = timezone.now()
        # As Django writes datetimes: naive UTC text on SQLite, ISO with its offset for COPY.
        if connection.vendor == "sqlite":
            self.now = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        else:
            self.now = now.isoformat()
        self.note = job.filename[:200]
        self.tables = {
            "person": bulkload.Table(Person, PERSON_COLUMNS),
            "org": bulkload.Table(Organisation, ORGANISATION_COLUMNS),
            "email": bulkload.Table(PersonEmail, ["workspace", "person", "email", "position"]),
            "phone": bulkload.Table(PersonPhone, ["workspace", "person", "number", "position"]),
            "ptoken": bulkload.Table(PersonToken, ["workspace", "person", "token", "sort_key"]),
            "otoken": bulkload.Table(
                OrganisationToken, ["workspace", "organisation", "token", "sort_key"]
            ),
            "ptag": bulkload.Table(PersonTag, ["workspace", "person", "tag"]),
            "otag": bulkload.Table(OrganisationTag, ["workspace", "organisation", "tag"]),
            "aff": bulkload.Table(
                Affiliation, ["workspace", "person", "organisation", "position", "created_at"]
            ),
        }
        self.sender = bulkload.Sender() if connection.vendor == "postgresql" else None
        self.person_ids = _Ids(Person, self.sender)
        self.org_ids = _Ids(Organisation, self.sender)
        self.tags: dict[str, int] = {}
        self.orgs: dict[str, int] = {}  # sort key of a name -> organisation id
        # Those the load may point at: held (contacts.services.hold), or made by it.
        self.orgs_held: set[int] = set()
        self.counts = {"people": 0, "organisations": 0, "affiliations": 0}
        # PostgreSQL: the token rows to write (write_tokens), as COPY lines without the
        # workspace: "token\tsort key\tperson"; a Python string each, not a tuple of four
        self.token_lines: list[str] = []
        self.token_run = 0
        self.batch: list[tuple[str, dict]] = []  # staged rows waiting for load()
        self.done = 0  # staged rows loaded (or skipped as duplicates)
        # Of those, the rows the database has taken: on PostgreSQL the sender's queue holds
        # up to ~18 batches (~10 s of the server's work on a 1M file), which the progress
        # shown should not count as done.
        self.landed = 0

    def __enter__(self) -> "_Loader":
        # The workspace's organisations, found by name while the rows are built: one query.
        for key, pk in (
            Organisation.objects.filter(workspace_id=self.ws)
            .order_by("-id")
            .values_list("sort_key", "id")
            .iterator(chunk_size=10_000)
        ):
            self.orgs[key] = pk  # the oldest of a name last
        if self.sender:
            self.sender.__enter__()
            self.sender.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return self

    def __exit__(self, *exc) -> None:
        if self.sender:
            self.sender.__exit__(*exc)

    def add(self, staged: str, values: dict) -> bool:
        """Take a staged row (its JSON text and values), and load the rows taken when there
        are BATCH of them: whether it did. A duplicate is left out if the job says so."""
        if self.job.skip_duplicates and values.get("duplicate_of"):
            return False
        self.batch.append((staged, values))
        if len(self.batch) < BATCH:
            return False
        self.load(self.batch)
        self._count_done(len(self.batch))
        self.batch = []
        return True

    def _count_done(self, rows: int) -> None:
        self.done += rows
        if self.sender:
            self.sender.then(lambda: self._landed(rows))
        else:
            self.landed = self.done

    def _landed(self, rows: int) -> None:  # the sender's thread, the only writer
        self.landed += rows

    def finish(self) -> None:
        """Load what is left of the rows taken, and the tokens gathered."""
        if self.batch:
            self.load(self.batch)
            self._count_done(len(self.batch))
            self.batch = []
        self.write_tokens()
        if self.sender:
            # Back as the transaction had them (as Django's own check_constraints() leaves them)
            self.sender.execute("SET CONSTRAINTS ALL DEFERRED")
            self.sender.wait()

    def tables_to_rebuild(self, people: int) -> list[bulkload.Table]:
        """The people's tables whose indexes are built once after this load of about ``people``
        rather than kept up row by row (bulkload.indexes_set_aside): when the import is big
        next to what the database already holds. The organisations' indexes stay, the load
        looks names up."""
        if people < REBUILD_INDEXES_FROM or people * 2 < bulkload.table_rows(self.tables["person"]):
            return []
        return [self.tables[name] for name in ("person", "email", "phone", "ptoken", "ptag", "aff")]

    def _tag_ids(self, names: list[str]) -> list[int]:
        ids = []
        for name in names:
            key = name.casefold()
            if key not in self.tags:
                if self.sender:
                    self.sender.wait()  # the rows sent stay out of its savepoint
                for _attempt in range(3):  # one deleted since it was found is made anew
                    pk = tag_get_or_create(workspace=self.job.workspace, name=name).pk
                    if hold(Tag, self.ws, [pk]):
                        break
                else:
                    raise ValidationError(_("A label was deleted while the file was imported."))
                self.tags[key] = pk
            ids.append(self.tags[key])
        return ids

    def _new_organisation(self, rows: dict, values: dict) -> int:
        """Create an organisation (from a row of its own, or named by a person's row)."""
        pk = self.org_ids.take(1)[0]
        name = values["name"]
        key = values.get("sort_key") or validation.sort_key(name)
        rows["org"].append(
            (
                pk, self.ws, self.actor, self.job.pk, name, values.get("kind_code", "other"),
                values.get("email", ""), values.get("phone", ""), values.get("city", ""),
                values.get("address", ""), values.get("country", ""), values.get("website", ""),
                values.get("linkedin", ""), values.get("facebook", ""), values.get("x", ""),
                values.get("notes", ""), WhereFound.IMPORT, self.note, key, self.now, self.now,
            )
        )  # fmt: skip
        for token in sorted(translit.tokens(name, values.get("email", ""), values.get("city", ""))):
            rows["otoken"].append((self.ws, pk, token, key))
        for tag in self._tag_ids(values.get("tags", [])):
            rows["otag"].append((self.ws, pk, tag))
        self.orgs[key] = pk
        self.orgs_held.add(pk)
        self.counts["organisations"] += 1
        return pk

    def _hold_organisations(self, batch: list[tuple[str, dict]]) -> None:
        """The workspace's organisations the batch names for the first time, held, so that
        none is deleted before the import commits; one deleted since the load began is
        forgotten here, and made anew as any other name. (A first import has none.)"""
        if len(self.orgs_held) == len(self.orgs):  # all held or made by the load
            return
        keys = set()
        for _staged, values in batch:
            if values["kind"] == "organisation":
                keys.add(values["sort_key"])
            elif values["organisation"]:
                keys.add(validation.sort_key(values["organisation"]))
        wanted = {self.orgs[key] for key in keys if key in self.orgs} - self.orgs_held
        if not wanted:
            return
        held = hold(Organisation, self.ws, wanted)
        self.orgs_held |= held
        if gone := wanted - held:
            for key in [key for key, pk in self.orgs.items() if pk in gone]:
                del self.orgs[key]

    def load(self, batch: list[tuple[str, dict]]) -> None:
        """Insert a batch of staged rows: (the row's JSON text, its values)."""
        rows: dict[str, list] = {name: [] for name in self.tables}
        people = [v for _s, v in batch if v["kind"] == "person"]
        ids = iter(self.person_ids.take(len(people)))
        # A person's search tokens: SQLite makes them rows itself, out of the staged text
        # (bulkload.write_selected); PostgreSQL gets sorted runs of COPY lines, a string a
        # token (write_tokens): the server, which the load waits for, then only stores them.
        tokens_in_sql = connection.vendor == "sqlite"
        staged_tokens: list[tuple] = []
        self._hold_organisations(batch)
        for staged, values in batch:
            if values["kind"] == "organisation":
                if values["sort_key"] not in self.orgs:
                    self._new_organisation(rows, values)
                continue
            pk = next(ids)
            birth = values["date_of_birth"]
            rows["person"].append(
                (
                    pk, self.ws, self.actor, self.job.pk, values["given_name"],
                    values["middle_name"], values["family_name"], values["title"], birth,
                    values["street"], values["city"], values["postal_code"], values["country"],
                    values["website"], values["linkedin"], values["facebook"], values["x"],
                    values["notes"], WhereFound.IMPORT, self.note, values["sort_key"], self.now,
                    self.now,
                )
            )  # fmt: skip
            for i, email in enumerate(values["emails"]):
                rows["email"].append((self.ws, pk, email, i))
            for i, number in enumerate(values["phones"]):
                rows["phone"].append((self.ws, pk, number, i))
            if tokens_in_sql:
                staged_tokens.append((pk, staged, values["sort_key"], self.ws))
            else:  # COPY lines but for the workspace (write_tokens); [a-z0-9]: no escapes
                tail = f"\t{values['sort_key']}\t{pk:012d}"
                tokens = values["tokens"]
                self.token_lines.extend([token + tail for token in tokens])
                self.token_run += len(tokens)
            for tag in self._tag_ids(values["tags"]):
                rows["ptag"].append((self.ws, pk, tag))
            if values["organisation"]:
                key = validation.sort_key(values["organisation"])
                org = self.orgs.get(key) or self._new_organisation(
                    rows, {"name": values["organisation"], "sort_key": key}
                )
                rows["aff"].append((self.ws, pk, org, values["position"], self.now))
                self.counts["affiliations"] += 1
            self.counts["people"] += 1
        # Parents first: the foreign keys are checked as rows arrive on SQLite.
        for name in ("org", "otoken", "otag", "person", "email", "phone", "ptoken", "ptag", "aff"):
            if name == "ptoken":  # SQLite: now, from the staged text; else sorted, later
                bulkload.write_selected(
                    self.tables["ptoken"],
                    ["?4", "?1", "value", "?3"],  # workspace, person, token, sort key
                    "json_each(?2, '$.tokens')",
                    staged_tokens,
                )
                if self.token_run >= TOKEN_RUN:
                    self.write_tokens()
            elif rows[name]:
                bulkload.write(self.tables[name], rows[name], self.sender)

    def write_tokens(self) -> None:
        """PostgreSQL: the token rows gathered so far, sent in the order of
        persontoken_ws_sort, so that the index is filled in order, not at random places."""
        if not self.token_run:
            return
        lines = self.token_lines
        # token, sort key, person (zero-padded): the index's order, byte by byte (COLLATE "C")
        lines.sort()
        end = f"\t{self.ws}\n"
        table = connection.ops.quote_name(PersonToken._meta.db_table)
        self.sender.copy(
            f"COPY {table} (token, sort_key, person_id, workspace_id) FROM STDIN",
            (end.join(lines) + end).encode(),
        )
        self.token_lines = []
        self.token_run = 0


def job_commit(job: ImportJob) -> ImportJob:
    """Load the staged rows, all of them or none."""
    if job.status != Status.IMPORTING:
        return job
    progress = _Progress(job)
    try:
        with transaction.atomic(), _Loader(job) as loader:
            with bulkload.indexes_set_aside(loader.tables_to_rebuild(job.rows_valid)):
                for staged, values in _read_staged(job):
                    if loader.add(staged, values):
                        progress.write(loader.landed)
                loader.finish()
            ImportJob.objects.filter(pk=job.pk).update(
                status=Status.DONE,
                rows_done=loader.done,
                people_created=loader.counts["people"],
                organisations_created=loader.counts["organisations"],
                affiliations_created=loader.counts["affiliations"],
                finished_at=timezone.now(),
                version=job.version + 1,
            )
    except Exception:
        logger.exception("Import %s failed", job.pk)
        progress.remove()
        return _fail(job, _("The import failed; nothing was stored. Try again, or ask for help."))
    progress.remove()
    _staging_path(job).unlink(missing_ok=True)
    job.refresh_from_db()
    return job


# --- checking and loading in one pass ----------------------------------------------------------

# The indexes a load that looks people up while it runs keeps in place (_Pass.flush), by
# what is looked up.
LOOKUP_INDEXES = {"email": "personemail_ws_email", "phone": "personphone_ws_number"}


class _NotLoaded(Exception):
    """A file whose rows are not to be stored after all: the transaction is rolled back."""


class _LoadWhileChecking:
    """A `_Pass` (``check``) whose rows are loaded as they are checked (job_import_at_once)."""

    def __init__(self, job: ImportJob, stack: ExitStack, progress: _Progress):
        self.job = job
        self.stack = stack
        self.progress = progress
        self.loader = stack.enter_context(_Loader(job))
        self.started = False
        self.check = _Pass(job, self.take, report=self.report, new_people_of=job.pk)

    def report(self, rows: int, bytes_read: int) -> None:
        self.progress.write(rows)

    def doomed(self) -> bool:
        """Whether a row seen makes the whole file go unstored."""
        return bool(self.check.counts["invalid"]) and not self.job.skip_invalid

    def take(self, lines: list[str]) -> None:
        if self.doomed():
            return  # what is loaded now would only be rolled back
        if not self.started:
            tables = self.loader.tables_to_rebuild(self.check.rows_expected())
            keep = [LOOKUP_INDEXES[kind] for kind in self.check.held or ()]
            self.stack.enter_context(bulkload.indexes_set_aside(tables, keep=keep))
            self.started = True
        for line in lines:
            self.loader.add(line, checking.staged_values(line))


def job_import_at_once(
    job: ImportJob, *, skip_invalid: bool = False, skip_duplicates: bool = False
) -> ImportJob:
    """Check and load a file in one pass, for the command line (nobody reviews the rows in
    between): each LOOKUP_BATCH or so valid rows are loaded, in the import's one transaction,
    while worker processes check the next ones.

    The outcome is the two steps': a file with a row that has a problem (unless
    ``skip_invalid``) or without a row to import ends CHECKED, its problems listed and
    nothing stored, as `job_check` leaves it; otherwise DONE, as `job_commit` leaves it. Rows
    that repeat a person are looked for among the people we had before this import.
    """
    _set_status(
        job,
        Status.CHECKING,
        expected=(Status.QUEUED,),
        started_at=timezone.now(),
        skip_invalid=skip_invalid,
        skip_duplicates=skip_duplicates,
        **_CHECK_RESET,
    )
    RowProblem.objects.filter(job=job).delete()
    progress = _Progress(job)
    try:
        with transaction.atomic():
            with ExitStack() as stack:
                load = _LoadWhileChecking(job, stack, progress)
                check = load.check
                check.run()
                if load.doomed() or not load.started:
                    raise _NotLoaded
                load.loader.finish()
            RowProblem.objects.bulk_create(check.kept[:KEEP_PROBLEMS], batch_size=500)
            ImportJob.objects.filter(pk=job.pk).update(
                **check.totals(),
                status=Status.DONE,
                people_created=load.loader.counts["people"],
                organisations_created=load.loader.counts["organisations"],
                affiliations_created=load.loader.counts["affiliations"],
                finished_at=timezone.now(),
                version=job.version + 1,
            )
    except _NotLoaded:
        RowProblem.objects.bulk_create(check.kept[:KEEP_PROBLEMS], batch_size=500)
        totals = check.totals()
        status = Status.CHECKED if totals["rows_total"] else Status.FAILED
        _set_status(job, status, expected=(Status.CHECKING,), **totals)
        return job
    except ValidationError as e:
        return _fail(job, " ".join(e.messages))
    except Exception:
        logger.exception("Import %s failed", job.pk)
        return _fail(job, _("The import failed; nothing was stored. Try again, or ask for help."))
    finally:
        progress.remove()
    job.refresh_from_db()
    return job


# --- undo -----------------------------------------------------------------------------------


def job_undo(*, job: ImportJob, actor) -> ImportJob:
    """Delete everything the import created, or (when something else now depends on it) nothing,
    with the reason."""
    if job.status != Status.DONE:
        raise ValidationError(_("Only a finished import can be undone."), code="state")
    try:
        with transaction.atomic():
            _set_status(job, Status.UNDOING, expected=(Status.DONE,))
            for model in (Person, Organisation):
                ids = list(
                    model.objects.filter(workspace_id=job.workspace_id, source_import=job)
                    .order_by("id")
                    .values_list("id", flat=True)
                )
                for start in range(0, len(ids), 2000):
                    part = ids[start : start + 2000]
                    # Locked before their rows are gathered (contacts.services.hold).
                    hold(model, job.workspace_id, part, delete=True)
                    model.objects.filter(workspace_id=job.workspace_id, id__in=part).delete()
            _set_status(
                job,
                Status.UNDONE,
                expected=(Status.UNDOING,),
                undone_at=timezone.now(),
                undone_by=actor,
            )
    except (ProtectedError, RestrictedError) as e:
        job.refresh_from_db()
        blocker = next(
            iter(e.protected_objects if isinstance(e, ProtectedError) else e.restricted_objects),
            None,
        )
        raise ValidationError(
            _(
                "The import cannot be undone: %(object)s now depends on a contact it brought in. "
                "Nothing was deleted."
            )
            % {"object": blocker},
            code="protected",
        ) from None
    return job


def stale_jobs_failed(hours: int = 24) -> int:
    """Jobs left running by a stopped worker: failed, so they can be started again."""
    cutoff = timezone.now() - timedelta(hours=hours)
    return ImportJob.objects.filter(
        status__in=(Status.CHECKING, Status.IMPORTING), started_at__lt=cutoff
    ).update(status=Status.FAILED, message=_("The import stopped before it finished."))


def job_cancel(*, job: ImportJob) -> ImportJob:
    """Drop an import that was not loaded: its files go, the job stays as a record."""
    _set_status(
        job,
        Status.CANCELLED,
        expected=(Status.MAPPING, Status.CHECKED, Status.FAILED),
        finished_at=timezone.now(),
    )
    _staging_path(job).unlink(missing_ok=True)
    return job
