"""How fast the people of a big workspace export, and in how much memory (see bench/README.md).

    SVRAZKA_VAR_DIR=/tmp/svrazka-bench .venv/bin/python bench/measure_exports.py --workspace bench
    DATABASE_URL=postgres://... .venv/bin/python bench/measure_exports.py --workspace bench
    ... --formats csv,xlsx,vcard4,vcard3 [--kind organisations] [--openpyxl] [--keep DIR]

Each format runs in a process of its own (so that its peak RSS is its own), through
``svrazka.exports.services.export_people`` into a file in a temporary folder, the way
``manage.py export_contacts`` does. Prints wall and CPU seconds, rows per second, the file's
size and the peak RSS, and writes bench/results-exports-<sqlite|postgresql>.json.

``--openpyxl`` also times openpyxl's write-only workbook on the same rows, the alternative to
the XLSX writer of svrazka/exports/writers.py.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).absolute().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))

os.environ["DJANGO_SETTINGS_MODULE"] = "svrazka.settings"
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("LOG_LEVEL", "ERROR")

FORMATS = ("csv", "xlsx", "vcard4", "vcard3", "openpyxl")


def _child(workspace_slug: str, kind: str, fmt: str, folder: str) -> dict:
    import django

    django.setup()
    from django.db import connection

    from svrazka.accounts.models import Workspace
    from svrazka.contacts.selectors import ContactFilters, organisations_list, people_list
    from svrazka.exports import services, tables

    workspace = Workspace.objects.get(slug=workspace_slug)
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    target = Path(folder) / f"{kind}.{fmt}"
    filters = ContactFilters()
    started, cpu = time.perf_counter(), time.process_time()
    if fmt == "openpyxl":
        import openpyxl

        people = kind == "people"
        queryset = (people_list if people else organisations_list)(
            workspace=workspace, filters=filters
        )
        header = tables.people_header() if people else tables.organisations_header()
        rows = (tables.people_rows if people else tables.organisations_rows)(
            workspace=workspace, queryset=queryset
        )
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        count = 0
        for row in rows:
            sheet.append(row)
            count += 1
        book.save(target)
    else:
        export = services.export_people if kind == "people" else services.export_organisations
        with open(target, "wb") as out:
            count = export(workspace=workspace, filters=filters, fmt=fmt, out=out)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "format": fmt,
        "rows": count,
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "rows_per_second": round(count / wall) if wall else None,
        "bytes": target.stat().st_size,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_mib": round(baseline_rss, 1),
        "vendor": connection.vendor,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", default="bench")
    parser.add_argument("--kind", choices=("people", "organisations"), default="people")
    parser.add_argument("--formats", default="csv,xlsx,vcard4")
    parser.add_argument("--openpyxl", action="store_true", help="also time openpyxl write-only")
    parser.add_argument("--keep", help="write the files into this folder and keep them")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(_child(args.workspace, args.kind, args.child, args.keep)))
        return

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if args.openpyxl:
        formats.append("openpyxl")
    unknown = set(formats) - set(FORMATS)
    if unknown:
        parser.error(f"unknown formats: {', '.join(sorted(unknown))}")
    folder = args.keep or tempfile.mkdtemp(prefix="svrazka-exports-")
    results = []
    for fmt in formats:
        command = [sys.executable, __file__, "--workspace", args.workspace, "--kind", args.kind]
        command += ["--child", fmt, "--keep", folder]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            sys.exit(f"{fmt} failed:\n{done.stderr}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        print(
            f"{fmt:9} {result['rows']:>10,} rows  {result['seconds']:7.1f} s "
            f"(CPU {result['cpu_seconds']:.1f} s)  {result['rows_per_second']:>8,} rows/s  "
            f"{result['bytes'] / 2**20:8.1f} MiB  peak RSS {result['peak_rss_mib']:.0f} MiB "
            f"({result['rss_before_mib']:.0f} before)",
            flush=True,
        )
    if not args.keep:
        for f in Path(folder).iterdir():
            f.unlink()
        Path(folder).rmdir()
    vendor = results[0]["vendor"] if results else "sqlite"
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": os.getloadavg(),
        },
        "workspace": args.workspace,
        "kind": args.kind,
        "at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "results": results,
    }
    kind = "" if args.kind == "people" else f"{args.kind}-"
    out = BENCH_DIR / f"results-exports-{kind}{vendor}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
