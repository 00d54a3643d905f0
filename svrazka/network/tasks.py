"""Background metrics snapshots (run by `manage.py db_worker`)."""

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from svrazka.network.models import Snapshot


@task()
def compute_snapshot(snapshot_id: int) -> str:
    from svrazka.network import metrics

    snapshot = Snapshot.objects.select_related("workspace").get(pk=snapshot_id)
    if snapshot.status != Snapshot.Status.RUNNING:
        return snapshot.status
    return metrics.take_snapshot(snapshot.workspace, snapshot=snapshot).status


def enqueue_snapshot(workspace, *, actor=None, as_of=None) -> Snapshot:
    """A new RUNNING snapshot, computed in the background once this transaction commits."""
    snapshot = Snapshot.objects.create(
        workspace=workspace,
        as_of=as_of or timezone.localdate(),
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    transaction.on_commit(lambda: compute_snapshot.enqueue(snapshot.pk))
    return snapshot
