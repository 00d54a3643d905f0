from django import template

register = template.Library()

PROJECTS_SHOWN = 30


@register.inclusion_tag("network/partials/organisation_projects.html", takes_context=True)
def organisation_projects(context, organisation):
    """The joint projects (ours and CORDIS ones) an organisation took part in, newest first."""
    from svrazka.partnerships.models import ProjectParticipant

    roles = ProjectParticipant.objects.filter(
        workspace_id=organisation.workspace_id, organisation=organisation
    ).select_related("project")
    total = roles.count()
    return {
        "roles": list(roles.order_by("-project__start_date", "-project_id")[:PROJECTS_SHOWN]),
        "total": total,
        "organisation": organisation,
        "workspace": context.get("workspace"),
        "membership": context.get("membership"),
    }


@register.inclusion_tag("network/relationships/_section.html", takes_context=True)
def relationships_for(context, subject):
    """A person's or organisation's relationships, each read from its side."""
    from svrazka.contacts.models import Person
    from svrazka.network.services import relationships_of

    is_person = isinstance(subject, Person)
    return {
        "rows": relationships_of(subject),
        "subject": subject,
        "is_person": is_person,
        "node": f"{'p' if is_person else 'o'}{subject.pk}",
        "workspace": context.get("workspace"),
        "membership": context.get("membership"),
    }
