"""Raw bulk loading: rows written with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL), for
the benchmark seeders and for imports of many thousands of contacts.

The caller gives the values of the columns it names; every other column gets its default.
`Background` does the writes in a thread of its own, so that the database works on one batch
while Python builds the next.
"""

import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from django.core.management.base import CommandError
from django.db import connection


class Formats:
    """How dates, times and JSON are written for the backend (strings for both)."""

    def __init__(self, vendor: str):
        self.vendor = vendor
        self.dt_suffix = "+00" if vendor == "postgresql" else ""

    def datetime(self, epoch: float) -> str:
        return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S") + (
            self.dt_suffix
        )

    @staticmethod
    def date(d: date | None) -> str | None:
        return d.isoformat() if d else None


SORT_THREADS = 4  # SQLite's helper threads for building an index (PRAGMA threads)

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(rows) -> bytes:
    """Rows in PostgreSQL's COPY text format."""
    out = []
    for row in rows:
        fields = []
        for v in row:
            if v is None:
                fields.append("\\N")
            elif type(v) is str:
                plain = v.isprintable() and "\\" not in v
                fields.append(v if plain else v.translate(_COPY_ESCAPES))
            else:
                fields.append(str(v))
        out.append("\t".join(fields))
    out.append("")
    return "\n".join(out).encode()


class Table:
    """A table filled by raw inserts: the columns given, plus any other column at its default."""

    def __init__(self, model, names: list[str]):
        meta = model._meta
        self.model = model
        self.name = meta.db_table
        self.columns = [meta.get_field(n).column for n in names]
        extra_cols, extra = [], []
        for f in meta.concrete_fields:
            if f.name in names or f.attname in names or f.primary_key:
                continue
            if f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif f.blank and f.get_internal_type() in ("CharField", "TextField"):
                value = ""
            else:
                raise CommandError(f"seed_bench does not know how to fill {self.name}.{f.column}")
            if isinstance(value, (list, dict)):
                value = json.dumps(value)
            elif isinstance(value, bool):
                value = int(value) if connection.vendor == "sqlite" else ("t" if value else "f")
            extra_cols.append(f.column)
            extra.append(value)
        self.columns += extra_cols
        self.extra = tuple(extra)
        # Worked out here, on the caller's connection: `write` may run in another thread.
        self.vendor = connection.vendor
        self.quoted = connection.ops.quote_name(self.name)
        self.quoted_columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)

    def sql_insert(self) -> str:
        marks = ", ".join("?" for _ in self.columns)
        return f"INSERT INTO {self.quoted} ({self.quoted_columns}) VALUES ({marks})"

    def sql_copy(self) -> str:
        return f"COPY {self.quoted} ({self.quoted_columns}) FROM STDIN"


def write(table: "Table", rows, *, db=None) -> int:
    """Insert ``rows`` (tuples in ``table.columns`` order, without the defaults) in the current
    transaction; returns how many. ``db``: the DB-API connection, when called from a thread
    other than the one whose connection it is (`Background`)."""
    raw = db or connection.connection
    if table.vendor == "sqlite":
        data = [row + table.extra for row in rows]
        raw.executemany(table.sql_insert(), data)
        return len(data)
    data = copy_text(row + table.extra for row in rows)
    with raw.cursor() as cursor, cursor.copy(table.sql_copy()) as copy:
        copy.write(data)
    return data.count(b"\n")


def write_selected(
    table: "Table", exprs: list[str], source: str, rows: list[tuple], *, db=None
) -> None:
    """SQLite: ``INSERT INTO table SELECT exprs FROM source`` once for each parameter tuple in
    ``rows``, in the current transaction; ``exprs`` are SQL for the columns the table was named
    with (``?1``, ``?2``… for the tuple's values), the others get their defaults. ``db`` as for
    `write`.

    What a row holds as JSON is then read by SQLite itself (``?2 ->> '$.name'``, or one row per
    item with ``json_each(?2, '$.emails')`` as ``source``): no Python object per value.
    """
    if not rows:
        return
    width = len(rows[0])
    named = len(table.columns) - len(table.extra)
    if len(exprs) != named:
        raise ValueError(f"{table.name}: {len(exprs)} expressions for {named} columns")
    select = exprs + [f"?{width + i + 1}" for i in range(len(table.extra))]
    sql = (
        f"INSERT INTO {table.quoted} ({table.quoted_columns}) "
        f"SELECT {', '.join(select)} FROM {source}"
    )
    extra = table.extra
    (db or connection.connection).executemany(sql, [row + extra for row in rows] if extra else rows)


class Background:
    """`write` and `write_selected`, done in order by a thread of its own on this thread's
    connection, in its current transaction, while this thread goes on (psycopg and sqlite3
    let go of the interpreter while the database works). At most ``depth`` batches wait.

    Use it as a context manager: leaving waits for the writes and raises what one of them
    raised; after a failed write the others are skipped, and the caller's transaction is
    to be rolled back.
    """

    def __init__(self, depth: int = 2):
        connection.ensure_connection()
        self.db = connection.connection
        self.jobs: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="bulkload", daemon=True)

    def __enter__(self) -> "Background":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.jobs.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def write(self, table: "Table", rows) -> None:
        self._put(write, table, rows)

    def write_selected(self, table: "Table", exprs: list[str], source: str, rows) -> None:
        self._put(write_selected, table, exprs, source, rows)

    def _put(self, fn, *args) -> None:
        if self.error is not None:
            raise self.error
        self.jobs.put((fn, args))

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.error is None:
                fn, args = job
                try:
                    fn(*args, db=self.db)
                except BaseException as e:  # handed to the caller's thread
                    self.error = e


def secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the tables' indexes that are neither unique nor the
    primary key, in name order."""
    names = sorted(set(tables))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join("%s" for _ in names)
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name IN ({marks})",
                names,
            )
        else:
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
                "AND NOT i.indisunique AND NOT i.indisprimary",
                [names],
            )
        return sorted(cursor.fetchall())


def table_rows(table: "Table") -> int:
    """About how many rows the table has (its highest id), read without a scan."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table.name)}")
        return cursor.fetchone()[0] or 0


@contextmanager
def indexes_set_aside(tables: list["Table"]) -> Iterator[None]:
    """SQLite, inside the current transaction: the tables' secondary indexes are dropped for
    the body and built again from the loaded rows after it.

    Millions of inserts in random key order cost far more than one sorted build. Other
    connections keep reading the committed indexes (WAL: a snapshot, schema included), and if
    the body raises, the rollback brings the indexes back with everything else, so there is
    nothing to restore by hand. On PostgreSQL, DROP INDEX would lock the tables against every
    reader until the commit, so there the body runs with the indexes in place.
    """
    if connection.vendor != "sqlite":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_set_aside needs a transaction")
    indexes = secondary_indexes([t.name for t in tables])
    with connection.cursor() as cursor:
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        # Helper threads sort the index entries side by side (23 -> 14 s for 11.8M tokens).
        cursor.execute(f"PRAGMA threads = {SORT_THREADS}")
        try:
            for _name, sql in indexes:
                cursor.execute(sql)
        finally:
            cursor.execute("PRAGMA threads = 0")
