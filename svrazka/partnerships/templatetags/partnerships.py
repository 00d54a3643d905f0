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
