from django import template

from svrazka.scorecards.selectors import shortlist_for

register = template.Library()


@register.inclusion_tag("scorecards/_partnership_shortlist.html", takes_context=True)
def partnership_shortlist(context, partnership):
    """``{% partnership_shortlist partnership %}``: the include with its data, for pages whose
    view does not pass ``shortlist`` itself."""
    return {
        "partnership": partnership,
        "shortlist": shortlist_for(partnership),
        "workspace": context.get("workspace"),
        "membership": context.get("membership"),
    }
