"""The check of a file's rows, a chunk of consecutive rows at a time: each row read
(`reading.RecordSource.raw`), made a record and validated (`validation.check`), its values
serialised as the staging file keeps them.

A big file is checked by worker processes side by side, a chunk each, while this process reads
the file and handles what needs the database; a small one, here. Both ways give the same
chunks in the same order (tests/test_imports.py checks it). A chunk travels between processes
as plain lists and strings, which pickle fast.
"""

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing import get_context

import orjson
from django.conf import settings
from django.utils import translation

from svrazka.imports import reading, validation
from svrazka.imports.models import ProblemKind
from svrazka.lib import processes

POOL_FROM_BYTES = 4 * 1024 * 1024  # smaller files are checked in this process
CHUNK = 2000  # rows checked at a time (by a worker, when there are workers)
# Chunks per worker read ahead: memory stays bounded whatever the file's size (~2 MB a chunk),
# and the workers go on checking while this process waits for the database to take a batch
# (PostgreSQL, 1M rows in one pass: 2 chunks 201.5 s, 16 chunks 194.5 s).
IN_FLIGHT = 16
# The workers' niceness (os.nice): they keep ahead of what the load takes, so on a busy machine
# the process that loads and the database server, which the import waits for, go first
# (PostgreSQL, 1M rows in one pass on two cores: 141 → 128 s).
WORKER_NICE = 10
ERROR = ProblemKind.ERROR.value  # plain strings: they pickle without the enumeration
WARNING = ProblemKind.WARNING.value


@dataclass
class Chunk:
    """The check of consecutive rows of a file."""

    rows: int = 0
    # The rows that can be imported, in file order: (line, values as staged JSON, emails,
    # phones, excerpt). An organisation's row has no emails or phones to look up.
    valid: list[tuple[int, str, list[str], list[str], str]] = field(default_factory=list)
    # What is said of rows, in file order: (line, ERROR for a row that cannot be imported or
    # WARNING for one imported with a note, [(field, message)], excerpt).
    notes: list[tuple[int, str, list[tuple[str, str]], str]] = field(default_factory=list)


# What a staged row leaves out: its empty values (`staged_text`), given back on reading.
EMPTY = {
    **dict.fromkeys(
        ("given_name", "middle_name", "family_name", "title", "street", "city", "postal_code",
         "organisation", "position", "website", "linkedin", "facebook", "x", "country", "notes",
         "sort_key", "name", "email", "phone", "address"),
        "",
    ),
    "date_of_birth": None,
    "emails": (),
    "phones": (),
    "tags": (),
    "tokens": (),
}  # fmt: skip


def staged_text(values: dict) -> str:
    """A checked row's values as one line of the staging file: JSON without the empty ones
    (most columns of most files are empty; a third less to write and read again), written
    and read by orjson (here 5 times quicker to write and 2.7 times to read than `json`)."""
    return orjson.dumps({key: value for key, value in values.items() if value}).decode()


def staged_values(text: str) -> dict:
    """The values of a line of the staging file, the empty ones included."""
    return EMPTY | orjson.loads(text)


def workers() -> int:
    wanted = settings.IMPORT_CHECK_WORKERS
    if wanted <= 0:
        wanted = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return max(1, min(wanted, 16))


def worker_pool(n: int) -> ProcessPoolExecutor:
    """``n`` processes that check chunks, Django set up in each."""
    return ProcessPoolExecutor(
        max_workers=n,
        mp_context=get_context("spawn"),  # a fresh interpreter: no inherited connections
        initializer=processes.setup_django,
        initargs=(settings.SETTINGS_MODULE, translation.get_language(), WORKER_NICE),
    )


def checked_chunks(source: reading.RecordSource, region: str) -> Iterator[Chunk]:
    """Every row of the source, checked, a `Chunk` at a time in file order."""
    convert = source.converter()
    rows = source.raw()
    n = workers()
    if n < 2 or source.job.size < POOL_FROM_BYTES:
        while part := list(islice(rows, CHUNK)):
            yield check_chunk(convert, region, part)
        return
    pool = worker_pool(n)
    pending: deque = deque()
    try:
        while part := list(islice(rows, CHUNK)):
            pending.append(pool.submit(check_chunk, convert, region, part))
            if len(pending) >= n * IN_FLIGHT:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def check_chunk(convert: reading.Converter, region: str, rows: list) -> Chunk:
    """Check rows as `reading.RecordSource.raw` gives them: (line, cells, a record or a
    `reading.Problem`)."""
    chunk = Chunk(rows=len(rows))
    for line, item in rows:
        if isinstance(item, reading.Problem):
            chunk.notes.append((line, ERROR, [("", item.message)], item.excerpt))
            continue
        record = convert(item) if isinstance(item, list) else item
        checked = validation.check(record, line, region)
        values = checked.values
        if values is None:
            chunk.notes.append((line, ERROR, checked.problems, checked.excerpt))
            continue
        if checked.warnings:
            chunk.notes.append((line, WARNING, checked.warnings, checked.excerpt))
        staged = staged_text(values)
        if values["kind"] == "person":
            chunk.valid.append((line, staged, values["emails"], values["phones"], checked.excerpt))
        else:
            chunk.valid.append((line, staged, [], [], checked.excerpt))
    return chunk
