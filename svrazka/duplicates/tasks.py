"""Background duplicate scans (run by `manage.py db_worker`)."""

from django.tasks import task

from svrazka.duplicates import services
from svrazka.duplicates.models import Scan


@task()
def run_scan(scan_id: int) -> str:
    job = Scan.objects.select_related("workspace").get(pk=scan_id)
    return services.scan_run(job).status
