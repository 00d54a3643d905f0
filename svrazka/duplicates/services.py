"""Duplicates of a workspace: scans that store the likely pairs, "not duplicates" decisions
(remembered, so a pair is never proposed again), and merges (see `merging`)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from svrazka.duplicates import merging, scan
from svrazka.duplicates.models import (
    Candidate,
    CandidateStatus,
    Distinct,
    Kind,
    Scan,
    ScanStatus,
)

PROGRESS_STEP = 2000
BATCH = 2000


def scan_start(*, workspace, actor, kind: str, threshold: int = scan.DEFAULT_THRESHOLD) -> Scan:
    if kind not in Kind.values:
        raise ValidationError(_("Unknown kind of record."), code="kind")
    if not 1 <= threshold <= 100:
        raise ValidationError(_("The threshold is a score from 1 to 100."), code="threshold")
    if Scan.objects.filter(
        workspace=workspace, kind=kind, status__in=(ScanStatus.QUEUED, ScanStatus.RUNNING)
    ).exists():
        raise ValidationError(_("A scan is already running."), code="running")
    job = Scan.objects.create(
        workspace=workspace,
        kind=kind,
        threshold=threshold,
        started_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    from svrazka.duplicates.tasks import run_scan

    transaction.on_commit(lambda: run_scan.enqueue(job.pk))
    return job


def scan_run(job: Scan) -> Scan:
    """Find the pairs and store them: new pairs open, known ones kept as decided, pairs
    someone said are distinct left out."""
    if not Scan.objects.filter(pk=job.pk, status=ScanStatus.QUEUED).update(
        status=ScanStatus.RUNNING
    ):
        return job
    workspace = job.workspace
    distinct = set(
        Distinct.objects.filter(workspace=workspace, kind=job.kind).values_list("a_id", "b_id")
    )
    known = set(
        Candidate.objects.filter(workspace=workspace, kind=job.kind).values_list("a_id", "b_id")
    )
    last = [0]

    def progress(done: int, total: int) -> None:
        if done - last[0] >= PROGRESS_STEP or done == total:
            last[0] = done
            Scan.objects.filter(pk=job.pk).update(done=done, total=total)

    finder = scan.scan_people if job.kind == Kind.PERSON else scan.scan_organisations
    found = 0
    batch: list[Candidate] = []
    try:
        for pair in finder(workspace, threshold=job.threshold, on_progress=progress):
            key = (pair.id_a, pair.id_b)
            if key in distinct:
                continue
            found += 1
            if key in known:
                Candidate.objects.filter(
                    workspace=workspace, kind=job.kind, a_id=pair.id_a, b_id=pair.id_b
                ).update(score=pair.score, reasons=list(pair.reasons))
                continue
            batch.append(
                Candidate(
                    workspace=workspace,
                    kind=job.kind,
                    a_id=pair.id_a,
                    b_id=pair.id_b,
                    score=pair.score,
                    reasons=list(pair.reasons),
                )
            )
            if len(batch) >= BATCH:
                Candidate.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        Candidate.objects.bulk_create(batch, ignore_conflicts=True)
    except Exception as e:  # the scan failed: say so, keep what was stored
        Scan.objects.filter(pk=job.pk).update(
            status=ScanStatus.FAILED, message=str(e)[:500], finished_at=timezone.now()
        )
        raise
    Scan.objects.filter(pk=job.pk).update(
        status=ScanStatus.DONE, pairs=found, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


@transaction.atomic
def mark_distinct(*, workspace, actor, kind: str, a_id: int, b_id: int) -> Distinct:
    a_id, b_id = sorted((a_id, b_id))
    decision, _created = Distinct.objects.get_or_create(
        workspace=workspace,
        kind=kind,
        a_id=a_id,
        b_id=b_id,
        defaults={"decided_by": actor if getattr(actor, "is_authenticated", False) else None},
    )
    Candidate.objects.filter(workspace=workspace, kind=kind, a_id=a_id, b_id=b_id).update(
        status=CandidateStatus.DISTINCT
    )
    return decision


def is_distinct(*, workspace, kind: str, a_id: int, b_id: int) -> bool:
    a_id, b_id = sorted((a_id, b_id))
    return Distinct.objects.filter(workspace=workspace, kind=kind, a_id=a_id, b_id=b_id).exists()


def open_candidates(*, workspace, kind: str):
    return Candidate.objects.filter(
        workspace=workspace, kind=kind, status=CandidateStatus.OPEN
    ).order_by("-score", "a_id", "b_id")


def candidates_of(*, workspace, kind: str, record_id: int):
    return open_candidates(workspace=workspace, kind=kind).filter(
        Q(a_id=record_id) | Q(b_id=record_id)
    )


def clusters(pairs: list[Candidate]) -> list[list[Candidate]]:
    """Pairs that share a record, grouped (three spellings of one person are one cluster)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        parent[find(p.a_id)] = find(p.b_id)
    groups: dict[int, list[Candidate]] = {}
    for p in pairs:
        groups.setdefault(find(p.a_id), []).append(p)
    return list(groups.values())


merge = merging.merge
undo_merge = merging.undo
