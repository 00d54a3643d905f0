"""`{% open_tasks_for obj %}`: the open tasks of a person, an organisation or a partnership,
with "+ Add a task" prefilled for it. Use it on their pages: `{% load followups %}`."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from svrazka.contacts.models import Organisation, Person
from svrazka.partnerships.models import Partnership
from svrazka.touchpoints import followups

register = template.Library()


@register.inclusion_tag("touchpoints/tasks_open_for.html", takes_context=True)
def open_tasks_for(context, obj) -> dict:
    request = context.get("request")
    workspace = context.get("workspace")
    if isinstance(obj, Person):
        name = "person"
    elif isinstance(obj, Organisation):
        name = "organisation"
    elif isinstance(obj, Partnership):
        name = "partnership"
    else:
        raise template.TemplateSyntaxError(
            "open_tasks_for takes a person, an organisation or a partnership"
        )
    here = request.get_full_path() if request is not None else ""
    query = {name: obj.pk}
    if here:
        query["next"] = here
    return {
        "tasks": followups.open_tasks_for(obj),
        "add_url": reverse("task_new", args=[workspace.slug]) + "?" + urlencode(query),
        "workspace": workspace,
        "membership": context.get("membership"),
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "next": here,
    }
