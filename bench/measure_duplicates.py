"""The duplicate scan of a big workspace (issue 5): time, peak memory and recall on planted pairs.

    export SVRAZKA_VAR_DIR=/tmp/svrazka-dup-bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py createcachetable
    .venv/bin/python manage.py seed_bench --workspace bench --orgs 100000 --people 1000000 --jobs 1
    .venv/bin/python bench/measure_duplicates.py --workspace bench [--plant 1000] [--threshold 70]
        [--lookups 100] [--no-organisations]

Target: a scan of 1,000,000 people in <= 5 minutes and <= 4 GB.

1. Plants duplicates (``--plant``, 1,000 by default; 0 plants none): copies of random people
   made through ``services.person_create`` (so their search tokens are real), each changed in
   one way — names in Latin letters (translit.fold), the given name in a short or foreign
   form from names.py (Георги -> Гошо), given and family name swapped, or two letters of the
   family name swapped — and keeping one strong fact of the original (an email, a phone
   number or the date of birth; people with none are not copied) and its city. Copies of an
   earlier run (marked in ``where_found_note``) are deleted first.
2. Runs ``manage.py find_duplicates`` in a child process (the real command, its own memory):
   wall time, CPU time and the child's peak RSS; then recall on the planted pairs.
3. ``candidates_for`` (the check before saving) for ``--lookups`` planted copies: median and
   p95 time, and how often the original is among the five candidates.
4. The same scan of organisations (``--kind organisations``) unless ``--no-organisations``.

seed_bench's data has duplicates of its own: its emails are made from the names
(georgi.ivanov@gmail.com), so people of one common name often share one. The scan rightly
reports many of those pairs; recall is measured on the planted pairs only.
"""

import argparse
import csv
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).absolute().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svrazka.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from svrazka.accounts.models import Workspace  # noqa: E402
from svrazka.contacts import services  # noqa: E402
from svrazka.contacts.models import Person, PersonEmail, PersonPhone  # noqa: E402
from svrazka.duplicates import names  # noqa: E402
from svrazka.duplicates.matching import PersonFacts  # noqa: E402
from svrazka.duplicates.scan import candidates_for  # noqa: E402
from svrazka.lib import translit  # noqa: E402

MARK = "dup-bench:"  # where_found_note of a planted copy: MARK + the original's id


def latin(text: str) -> str:
    return " ".join(w.capitalize() for w in translit.fold(text).split())


def change(rng: random.Random, given: str, family: str) -> tuple[str, str, str]:
    """A changed copy of a name, and how it was changed."""
    forms = [f for f in names.given_name_forms(given) if f[0].isalpha()]
    ways = ["latin", "swapped", "typo"] + (["variant"] * 2 if forms else [])
    way = rng.choice(ways)
    if way == "latin":
        return latin(given), latin(family), way
    if way == "variant":
        return rng.choice(forms), family, way
    if way == "swapped":
        return family, given, way
    if len(family) > 4:
        i = rng.randrange(1, len(family) - 2)
        family = family[:i] + family[i + 1] + family[i] + family[i + 2 :]
    return given, family, way


def plant(workspace, count: int, seed: int) -> list[tuple[int, int, str]]:
    """Copies of random people; returns (original id, copy id, how it was changed)."""
    old = Person.objects.filter(workspace=workspace, where_found_note__startswith=MARK)
    deleted = old.count()
    if deleted:
        old.delete()
    if count <= 0:
        return []
    rng = random.Random(seed)
    low, high = (
        Person.objects.filter(workspace=workspace).order_by("id").values_list("id", flat=True)[0],
        Person.objects.filter(workspace=workspace).order_by("-id").values_list("id", flat=True)[0],
    )
    planted: list[tuple[int, int, str]] = []
    started = time.monotonic()
    while len(planted) < count:
        ids = [rng.randint(low, high) for _ in range(count)]
        people = Person.objects.filter(workspace=workspace, id__in=ids).exclude(
            where_found_note__startswith=MARK
        )
        mine = {"workspace": workspace, "person_id__in": ids}
        emails: dict[int, list[str]] = {}
        for pk, email in PersonEmail.objects.filter(**mine).values_list("person_id", "email"):
            emails.setdefault(pk, []).append(email)
        phones: dict[int, list[str]] = {}
        for pk, number in PersonPhone.objects.filter(**mine).values_list("person_id", "number"):
            phones.setdefault(pk, []).append(number)
        with transaction.atomic():
            for p in people:
                strong = [
                    kind
                    for kind, there in (
                        ("email", p.pk in emails),
                        ("phone", p.pk in phones),
                        ("dob", p.date_of_birth is not None),
                    )
                    if there
                ]
                if not strong or not p.family_name:
                    continue
                given, family, way = change(rng, p.given_name, p.family_name)
                keep = rng.choice(strong)
                data = {
                    "given_name": given,
                    "family_name": family,
                    "city": p.city,
                    "country": p.country,
                    "where_found_note": f"{MARK}{p.pk}",
                    "emails": [emails[p.pk][0]] if keep == "email" else [],
                    "phones": [phones[p.pk][0]] if keep == "phone" else [],
                    "date_of_birth": p.date_of_birth if keep == "dob" else None,
                }
                copy = services.person_create(workspace=workspace, actor=None, data=data)
                planted.append((p.pk, copy.pk, f"{way}+{keep}"))
                if len(planted) == count:
                    break
    print(
        f"planted {len(planted):,} copies in {time.monotonic() - started:.1f}s"
        + (f" (deleted {deleted:,} of an earlier run)" if deleted else "")
    )
    return planted


def run_scan(workspace, kind: str, threshold: int) -> tuple[set[tuple[int, int]], dict]:
    """manage.py find_duplicates in a child process: its pairs, time and peak memory."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "pairs.csv"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        result = subprocess.run(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "find_duplicates",
                "--skip-checks",
                "--workspace",
                workspace.slug,
                "--output",
                str(output),
                "--threshold",
                str(threshold),
                "--kind",
                kind,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        with output.open(encoding="utf-8") as file:
            pairs = {(int(r["id_a"]), int(r["id_b"])) for r in csv.DictReader(file)}
    print(result.stdout.strip())
    # The command reports its own peak; RUSAGE_CHILDREN's is the largest of any child so far.
    reported = re.search(r"peak memory ([\d,]+) MB", result.stdout)
    peak = int(reported.group(1).replace(",", "")) if reported else after.ru_maxrss // 1024
    return pairs, {
        "wall_s": round(wall, 1),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "peak_rss_mb": peak,
        "pairs": len(pairs),
    }


def facts_of(pk: int, workspace) -> PersonFacts:
    p = Person.objects.get(workspace=workspace, pk=pk)
    return PersonFacts(
        id=0,
        given_name=p.given_name,
        family_name=p.family_name,
        emails=tuple(PersonEmail.objects.filter(person=p).values_list("email", flat=True)),
        phones=tuple(PersonPhone.objects.filter(person=p).values_list("number", flat=True)),
        date_of_birth=p.date_of_birth,
        city=p.city,
        country=p.country,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", default="bench")
    parser.add_argument("--plant", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=int, default=70)
    parser.add_argument("--lookups", type=int, default=100)
    parser.add_argument("--no-organisations", action="store_true")
    parser.add_argument("--no-scan", action="store_true", help="only plant and time look-ups")
    args = parser.parse_args()

    workspace = Workspace.objects.filter(slug=args.workspace).first()
    if workspace is None:
        parser.error(f"no workspace {args.workspace!r}: run manage.py seed_bench first")
    people = Person.objects.filter(workspace=workspace).count()
    print(
        f"workspace {workspace.slug}: {people:,} people; {connection.vendor}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    planted = plant(workspace, args.plant, args.seed)
    connection.close()  # the child process has the database to itself

    pairs: set[tuple[int, int]] = set()
    if not args.no_scan:
        pairs, figures = run_scan(workspace, "people", args.threshold)
        print(
            f"people: {figures['pairs']:,} pairs in {figures['wall_s']}s wall, "
            f"{figures['cpu_s']}s CPU, peak RSS {figures['peak_rss_mb']:,} MB"
        )
    if planted and not args.no_scan:
        found = [(o, c, how) for o, c, how in planted if (min(o, c), max(o, c)) in pairs]
        share = len(found) / len(planted)
        print(f"recall on planted pairs: {share:.3f} ({len(found)}/{len(planted)})")
        by_way: dict[str, list[int]] = {}
        for o, c, how in planted:
            by_way.setdefault(how, [0, 0])
            by_way[how][1] += 1
            by_way[how][0] += (min(o, c), max(o, c)) in pairs
        for how, (hit, total) in sorted(by_way.items()):
            print(f"  {how:18} {hit}/{total}")
    if planted:
        times, hits = [], 0
        for original, copy, _ in planted[: args.lookups]:
            facts = facts_of(copy, workspace)
            started = time.perf_counter()
            candidates = candidates_for(workspace, facts)
            times.append((time.perf_counter() - started) * 1000)
            hits += original in {c.id for c in candidates}
        if times:
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
            print(
                f"candidates_for: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
                f"max {times[-1]:.1f} ms; original among the candidates {hits}/{len(times)}"
            )
    if not args.no_organisations and not args.no_scan:
        connection.close()
        _, figures = run_scan(workspace, "organisations", args.threshold)
        print(
            f"organisations: {figures['pairs']:,} pairs in {figures['wall_s']}s wall, "
            f"peak RSS {figures['peak_rss_mb']:,} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
