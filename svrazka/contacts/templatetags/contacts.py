from django import template

from svrazka.lib.countries import LANGUAGE_NAMES, country_name

register = template.Library()


@register.filter
def language_names(codes) -> str:
    """["bg", "en"] → "Bulgarian, English" in the reader's language."""
    return ", ".join(str(LANGUAGE_NAMES.get(c, c)) for c in codes or [])


@register.filter(name="country_name")
def country_name_filter(code: str) -> str:
    """A country's name in the reader's language; much cheaper than get_country_display in long
    lists (that rebuilds a dict of lazy translations on every call)."""
    return country_name(code)
