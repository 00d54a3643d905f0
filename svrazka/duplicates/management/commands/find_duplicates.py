"""Write the likely duplicate pairs of a workspace to a CSV file (issue 5).

    manage.py find_duplicates --workspace SLUG --output pairs.csv [--threshold T]
                              [--kind people|organisations]

The file has the header ``id_a,id_b,score,reasons``: the two records' ids (id_a < id_b), the
score (0-100) and the reason codes joined with ";" (see svrazka/duplicates/matching.py).
"""

import csv
import resource
import sys
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from svrazka.accounts.models import Workspace
from svrazka.duplicates.matching import DEFAULT_THRESHOLD
from svrazka.duplicates.scan import scan_organisations, scan_people


class Command(BaseCommand):
    help = "Find likely duplicate people or organisations of a workspace and write them to CSV."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, metavar="SLUG")
        parser.add_argument("--output", required=True, metavar="PATH", help="the CSV to write")
        parser.add_argument(
            "--threshold",
            type=int,
            default=DEFAULT_THRESHOLD,
            metavar="T",
            help=f"the least score (0-100) of a pair to write; {DEFAULT_THRESHOLD} by default",
        )
        parser.add_argument("--kind", choices=["people", "organisations"], default="people")

    def handle(self, *args, workspace, output, threshold, kind, **options):
        if not 0 <= threshold <= 100:
            raise CommandError("--threshold is a score from 0 to 100.")
        found = Workspace.objects.filter(slug=workspace.lower()).first()
        if found is None:
            raise CommandError(f"There is no workspace “{workspace}”.")
        path = Path(output)
        if not path.parent.exists():
            raise CommandError(f"The folder of {path} does not exist.")

        started = time.monotonic()
        last = [0.0]
        verbose = options.get("verbosity", 1) >= 1 and sys.stderr.isatty()

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if verbose and now - last[0] >= 1:
                last[0] = now
                sys.stderr.write(f"\r{100 * done // max(total, 1)}% ")
                sys.stderr.flush()

        scan = scan_people if kind == "people" else scan_organisations
        pairs = 0
        reasons: Counter[str] = Counter()
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["id_a", "id_b", "score", "reasons"])
            for pair in scan(found, threshold=threshold, on_progress=progress):
                writer.writerow([pair.id_a, pair.id_b, pair.score, ";".join(pair.reasons)])
                pairs += 1
                reasons.update(pair.reasons)
        if verbose:
            sys.stderr.write("\r")
        seconds = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"{pairs:,} likely duplicate pairs of {kind} (score >= {threshold}) in "
            f"{found.slug}, written to {path}; {seconds:.1f}s, peak memory {peak:,.0f} MB"
        )
        if reasons:
            common = ", ".join(f"{code} {n:,}" for code, n in reasons.most_common(8))
            self.stdout.write(f"most frequent reasons: {common}")
