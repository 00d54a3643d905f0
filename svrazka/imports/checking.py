"""The check of a file's rows, in order: each read (`reading.RecordSource.raw`), made a record
and validated (`validation.check`), its values serialised as the staging file keeps them.

A big file is checked by worker processes side by side, a chunk of rows each, while this
process reads the file and handles what needs the database; a small one, here. Both ways give
the same rows in the same order (tests/test_imports.py checks it).
"""

import json
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from multiprocessing import get_context

from django.conf import settings
from django.utils import translation

from svrazka.imports import reading, validation
from svrazka.lib import processes

POOL_FROM_BYTES = 4 * 1024 * 1024  # smaller files are checked in this process
CHUNK = 2000  # rows handed to a worker at a time
IN_FLIGHT = 2  # chunks per worker read ahead: memory stays bounded whatever the file's size
# What the duplicate lookup needs of a checked row; the rest travels as the staged text.
KEPT = ("kind", "emails", "phones")


def workers() -> int:
    wanted = settings.IMPORT_CHECK_WORKERS
    if wanted <= 0:
        wanted = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return max(1, min(wanted, 16))


def checked_rows(source: reading.RecordSource, region: str) -> Iterator[validation.Checked]:
    """Every row of the source as a `validation.Checked`, in file order. A valid row has its
    staged JSON in `staged` and only `KEPT` in `values`."""
    convert = source.converter()
    n = workers()
    if n < 2 or source.job.size < POOL_FROM_BYTES:
        for line, item in source.raw():
            yield check_one(convert, region, line, item)
        return
    rows = source.raw()
    pool = ProcessPoolExecutor(
        max_workers=n,
        mp_context=get_context("spawn"),  # a fresh interpreter: no inherited connections
        initializer=processes.setup_django,
        initargs=(settings.SETTINGS_MODULE, translation.get_language()),
    )
    pending: deque = deque()
    try:
        while chunk := list(islice(rows, CHUNK)):
            pending.append(pool.submit(check_chunk, convert, region, chunk))
            if len(pending) >= n * IN_FLIGHT:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def check_one(convert: reading.Converter, region: str, line: int, item) -> validation.Checked:
    if isinstance(item, reading.Problem):
        return validation.Checked(line=line, problems=[("", item.message)], excerpt=item.excerpt)
    record = convert(item) if isinstance(item, list) else item
    checked = validation.check(record, line, region)
    if checked.values is not None:
        checked.staged = json.dumps(checked.values, ensure_ascii=False, separators=(",", ":"))
        checked.values = {key: checked.values.get(key) for key in KEPT}
    return checked


def check_chunk(convert: reading.Converter, region: str, chunk: list) -> list[validation.Checked]:
    return [check_one(convert, region, line, item) for line, item in chunk]
