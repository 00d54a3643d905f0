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


@register.simple_tag(takes_context=True)
def board_cards(context, column) -> str:
    """The cards of a board column. Built here rather than in a template loop: a board shows
    hundreds of cards, and this keeps it fast (see bench/README.md)."""
    from django.middleware.csrf import get_token
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    from svrazka.partnerships.models import PartnershipForm

    room_url = escape(context["room_url"])
    can_edit = context["can_edit"]
    forms = {value: escape(label) for value, label in PartnershipForm.choices}
    buttons = ""
    if can_edit:
        # The same two forms on every card of the column but for the id: escaped once.
        token = escape(get_token(context["request"]))
        moves = []
        for step, title, arrow in (
            (column["previous"], column["previous_title"], "←"),
            (column["next"], column["next_title"], "→"),
        ):
            if step is not None:
                moves.append(
                    f'<form method="post" action="{room_url}@ID@/move/"><input type="hidden" '
                    f'name="csrfmiddlewaretoken" value="{token}"><input type="hidden" '
                    f'name="step" value="{escape(step.key)}"><button type="submit" '
                    f'class="small" aria-label="{arrow} {escape(title)}">{arrow}</button></form>'
                )
        buttons = f'<div class="move-buttons">{"".join(moves)}</div>'
    draggable = "true" if can_edit else "false"
    cards = []
    for p in column["cards"]:
        partners = f"<small>{escape(', '.join(p.partner_names))}</small>" if p.partner_names else ""
        cards.append(
            f'<li class="board-card" draggable="{draggable}" data-id="{p.pk}" id="card-{p.pk}">'
            f'<a href="{room_url}{p.pk}/">{escape(p.title)}</a><small class="muted">'
            f"{forms.get(p.form, '')} · {p.done_count}/{p.item_count}</small>{partners}"
            f"{buttons.replace('@ID@', str(int(p.pk)))}</li>"
        )
    return mark_safe("\n".join(cards))  # every value above is escaped or an integer
