from django import template
from django.utils.translation import get_language

from svrazka.partnerships import practice

register = template.Library()


@register.filter
def step_title(key: str) -> str:
    """The flow step's title in the reader's language."""
    step = practice.step_or_none(key)
    return step.title(get_language()) if step else key


@register.filter
def localized_title(item) -> str:
    return item.title_in(get_language())


@register.filter
def localized_hint(item) -> str:
    return item.hint_in(get_language())


@register.inclusion_tag("partnerships/partials/organisation_partnerships.html", takes_context=True)
def organisation_partnerships(context, organisation):
    """The partnerships an organisation takes part in, for its page (one query)."""
    from svrazka.partnerships.models import PartnershipPartner

    roles = list(
        PartnershipPartner.objects.filter(
            workspace_id=organisation.workspace_id, organisation=organisation
        )
        .select_related("partnership")
        .order_by("-partnership__updated_at")[:50]
    )
    return {
        "roles": roles,
        "workspace": context.get("workspace"),
        "membership": context.get("membership"),
        "organisation": organisation,
    }
