"""Server time of the partnership board and list, and of an agreement PDF.

    .venv/bin/python bench/measure_partnerships.py --workspace bench [--runs 30]

Needs a workspace filled by `manage.py seed_bench` and `manage.py seed_bench_partnerships`.
Measures in process with Django's test client (no network), DEBUG off, after warm-up.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svrazka.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def measure(client: Client, url: str, runs: int) -> dict:
    for _ in range(3):
        client.get(url, secure=True)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, secure=True)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "queries": len(ctx.captured_queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", default="bench")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    from svrazka.accounts.models import Membership, Role
    from svrazka.partnerships.models import Partnership

    membership = Membership.objects.select_related("user").get(
        workspace__slug=args.workspace, role=Role.OWNER
    )
    client = Client()
    client.force_login(membership.user, backend="svrazka.accounts.backends.EmailBackend")
    base = f"/w/{args.workspace}/partnerships/"
    some = Partnership.objects.filter(workspace=membership.workspace).order_by("id").first()
    cases = {
        "board": base + "board/",
        "board, filtered by form": base + "board/?form=coalition",
        "list, first page": base,
        "list, filtered (form + status)": base + "?form=media&status=active",
        "partnership room": f"{base}{some.pk}/",
    }
    results = {name: measure(client, url, args.runs) for name, url in cases.items()}
    pdf = _agreement_pdf_seconds(membership, some)
    if pdf is not None:
        results["agreement PDF"] = {"seconds": pdf}
    engine = connection.vendor
    print(
        f"\n{engine}: {Partnership.objects.filter(workspace=membership.workspace).count()} "
        "partnerships\n"
    )
    print("| request | median ms | p95 ms | queries |\n|---|---|---|---|")
    for name, r in results.items():
        if "seconds" in r:
            print(f"| {name} (median of 5, warm) | {r['seconds']:.2f} s | | |")
        else:
            print(f"| {name} | {r['median_ms']} | {r['p95_ms']} | {r['queries']} |")
    out = ROOT / "bench" / f"results-partnerships-{engine}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))


def _agreement_pdf_seconds(membership, partnership) -> float | None:
    """Time to render one agreement PDF, if the agreement builder is installed."""
    try:
        from svrazka.partnerships import agreements, documents
    except ImportError:
        return None
    agreement = partnership.agreements.first()
    if agreement is None:
        agreement = agreements.agreement_create(
            partnership=partnership,
            actor=membership.user,
            data={"title": "Споразумение за партньорство", "language": "bg"},
        )
    import weasyprint  # noqa: F401  (a server imports it at start: see svrazka/wsgi.py)

    times = []
    for _ in range(5):
        started = time.perf_counter()
        pdf = documents.agreement_pdf(agreement)
        times.append(time.perf_counter() - started)
    assert pdf[:4] == b"%PDF"
    return statistics.median(times)


if __name__ == "__main__":
    main()
