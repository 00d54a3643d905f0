from django import template

from svrazka.lib.countries import LANGUAGE_NAMES

register = template.Library()


@register.filter
def language_names(codes) -> str:
    """["bg", "en"] → "Bulgarian, English" in the reader's language."""
    return ", ".join(str(LANGUAGE_NAMES.get(c, c)) for c in codes or [])
