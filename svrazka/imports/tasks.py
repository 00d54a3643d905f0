"""Background steps of an import (run by `manage.py db_worker`): thin, they take the job's id."""

from django.tasks import task

from svrazka.imports import services
from svrazka.imports.models import ImportJob


@task()
def check_import(job_id: int) -> str:
    job = ImportJob.objects.select_related("workspace").get(pk=job_id)
    return services.job_check(job).status


@task()
def commit_import(job_id: int) -> str:
    job = ImportJob.objects.select_related("workspace").get(pk=job_id)
    return services.job_commit(job).status
