"""Evaluations in other pages: the card in the partnership room and an organisation's track
record.

    {% load evaluations %}{% track_record organisation %}
    {% evaluation_card partnership as card %}
"""

from django import template

from svrazka.partnerships import evaluations

register = template.Library()


@register.inclusion_tag("partnerships/partials/track_record.html", takes_context=True)
def track_record(context, organisation) -> dict:
    """An organisation's evaluation track record (one query)."""
    return {
        "record": evaluations.organisation_track_record(organisation),
        "workspace": context.get("workspace"),
    }


@register.simple_tag
def evaluation_card(partnership) -> dict:
    """Evaluations so far and open links of a partnership (two queries)."""
    return evaluations.evaluation_card(partnership)
