"""The touchpoints section (health, quick log, timeline) on a person's, organisation's or
partnership's page: {% touchpoints_for "person" person %}."""

from django import template

register = template.Library()


@register.inclusion_tag("touchpoints/partials/touchpoints_section.html", takes_context=True)
def touchpoints_for(context, kind: str, obj) -> dict:
    from svrazka.touchpoints.views.interactions import section_context

    request = context["request"]
    result = section_context(request, kind, obj)
    result.update(
        {
            "request": request,
            "workspace": context["workspace"],
            "membership": context["membership"],
            "csrf_token": context.get("csrf_token"),
        }
    )
    return result
