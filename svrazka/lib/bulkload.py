"""Raw bulk loading: rows written with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL), for
the benchmark seeders and for imports of many thousands of contacts.

The caller gives the values of the columns it names; every other column gets its default.
"""

import json
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future
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
# SQLite's cache while it builds indexes, in KiB (PRAGMA cache_size, negative): the sorter
# works within it, and sorts faster in a small one that stays in the CPU's caches (a million
# people's two token indexes: 64 MB 11.2 s, 16 MB 8.5 s, 8 MB 7.5 s).
SORT_CACHE_KIB = 8000

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

    def sql_insert(self) -> str:
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        marks = ", ".join("?" for _ in self.columns)
        return f"INSERT INTO {connection.ops.quote_name(self.name)} ({cols}) VALUES ({marks})"

    def sql_copy(self) -> str:
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        return f"COPY {connection.ops.quote_name(self.name)} ({cols}) FROM STDIN"


def write(table: "Table", rows, sender: "Sender | None" = None) -> int:
    """Insert ``rows`` (tuples in ``table.columns`` order, without the defaults) in the current
    transaction; returns how many. On PostgreSQL a ``sender`` given takes the rows to the
    server while the caller goes on."""
    raw = connection.connection
    if connection.vendor == "sqlite":
        data = [row + table.extra for row in rows]
        raw.executemany(table.sql_insert(), data)
        return len(data)
    data = copy_text(row + table.extra for row in rows)
    if sender:
        sender.copy(table.sql_copy(), data)
    else:
        with raw.cursor() as cursor, cursor.copy(table.sql_copy()) as copy:
            copy.write(data)
    return data.count(b"\n")


SWITCH_INTERVAL = 0.0005  # seconds: sys.setswitchinterval while a Sender runs


class Sender:
    """PostgreSQL: the statements and COPY data of the current transaction, sent to the server
    from a thread of its own in the order given, so that the caller builds the next rows while
    the server takes the last ones (its Python and the server's work go on side by side).

    Use it as a context manager inside the transaction. `wait()` returns when all that was
    given is done, and raises what failed in the thread; a later `copy`, `execute` or `ask`
    raises it too. Meanwhile the caller may read on the connection (psycopg's connection lock
    keeps each statement whole), but must not write or use a savepoint, which would take the
    thread's statements with it: `wait()` first. If the block raises, what is still queued
    is dropped, and the thread ends before the transaction is rolled back.
    """

    def __init__(self, depth: int = 128):
        self.raw = connection.connection  # the thread's own Django connection would be another
        self.jobs: queue.Queue = queue.Queue(maxsize=depth)
        self.failed: BaseException | None = None
        self.dropping = False
        self.thread = threading.Thread(target=self._run, name="bulkload-sender", daemon=True)

    def __enter__(self) -> "Sender":
        if not connection.in_atomic_block:
            raise RuntimeError("Sender needs a transaction")
        # The thread takes the interpreter back from the caller's row building sooner (5 ms
        # by default): between two pieces of a COPY the server waits for it (1M rows:
        # 146.5 → 132.8 s, the server idle 41 → 26 s).
        self.switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.cursor = self.raw.cursor()  # made here: the thread has nothing left to fail on
        self.thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.wait()
        finally:
            if exc_type is not None or self.failed is not None:
                self.dropping = True
            self.jobs.put(None)
            self.thread.join()
            self.cursor.close()
            sys.setswitchinterval(self.switch_interval)

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            work, answer = job
            try:
                if self.failed is not None or self.dropping:
                    if answer:
                        answer.cancel()
                    continue
                result = work(self.cursor)
                if answer:
                    answer.set_result(result)
            except BaseException as e:  # raised again in the caller's thread
                self.failed = e
                if answer:
                    answer.set_exception(e)
            finally:
                self.jobs.task_done()

    def _put(self, work: Callable, answer: Future | None = None) -> None:
        if self.failed is not None:
            raise self.failed
        self.jobs.put((work, answer))

    def copy(self, sql: str, data: bytes) -> None:
        def send(cursor):
            with cursor.copy(sql) as copy:
                copy.write(data)

        self._put(send)

    def execute(self, sql: str, params=None) -> None:
        self._put(lambda cursor: cursor.execute(sql, params))

    def then(self, call: Callable[[], None]) -> None:
        """Call ``call()`` in the thread once what was given before it is done (to tell how
        far the server has got); not at all if something before it failed."""
        self._put(lambda cursor: call())

    def ask(self, sql: str, params=None) -> Future:
        """The rows of a query, run once what was given before it is done: `answer()` them."""
        asked: Future = Future()

        def run(cursor):
            cursor.execute(sql, params)
            return cursor.fetchall()

        self._put(run, asked)
        return asked

    def answer(self, asked: Future) -> list[tuple]:
        """What an `ask` got, when it is there; raises what failed before it or in it."""
        try:
            return asked.result()
        except CancelledError:
            raise self.failed or RuntimeError("the sender was closed") from None

    def wait(self) -> None:
        self.jobs.join()
        if self.failed is not None:
            raise self.failed


def write_selected(table: "Table", exprs: list[str], source: str, rows: list[tuple]) -> None:
    """SQLite: ``INSERT INTO table SELECT exprs FROM source`` once for each parameter tuple in
    ``rows``, in the current transaction; ``exprs`` are SQL for the columns the table was named
    with (``?1``, ``?2``… for the tuple's values), the others get their defaults.

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
    cols = ", ".join(connection.ops.quote_name(c) for c in table.columns)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(table.name)} ({cols}) "
        f"SELECT {', '.join(select)} FROM {source}"
    )
    extra = table.extra
    connection.connection.executemany(sql, [row + extra for row in rows] if extra else rows)


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
def indexes_set_aside(tables: list["Table"], keep: Iterable[str] = ()) -> Iterator[None]:
    """SQLite, inside the current transaction: the tables' secondary indexes (but those named
    in ``keep``, which the body reads) are dropped for the body and built again from the loaded
    rows after it.

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
    indexes = [i for i in secondary_indexes([t.name for t in tables]) if i[0] not in keep]
    with connection.cursor() as cursor:
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache_size = int(cursor.fetchone()[0])
        # Helper threads sort the index entries side by side (23 -> 14 s for 11.8M tokens).
        cursor.execute(f"PRAGMA threads = {SORT_THREADS}")
        cursor.execute(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")
        try:
            for _name, sql in indexes:
                cursor.execute(sql)
        finally:
            cursor.execute("PRAGMA threads = 0")
            cursor.execute(f"PRAGMA cache_size = {cache_size}")
