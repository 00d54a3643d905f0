"""A joint project's page: ours or one known from CORDIS, with its participants and roles."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from svrazka.accounts.access import workspace_view
from svrazka.partnerships.models import JointProject, ProjectParticipant


@workspace_view()
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.workspace
    project = get_object_or_404(
        JointProject.objects.select_related("partnership"), workspace=ws, pk=pk
    )
    if project.partnership_id:
        participants = [
            {"organisation": p.organisation, "role": p.get_role_display()}
            for p in project.partnership.partners.select_related("organisation").order_by("id")
        ]
    else:
        participants = [
            {"organisation": p.organisation, "role": p.get_role_display()}
            for p in ProjectParticipant.objects.filter(workspace=ws, project=project)
            .select_related("organisation")
            .order_by("role", "organisation__name")
        ]
    topics = [t.strip() for t in project.topics.split(";") if t.strip()]
    return render(
        request,
        "network/project_detail.html",
        {"workspace": ws, "project": project, "participants": participants, "topics": topics},
    )
