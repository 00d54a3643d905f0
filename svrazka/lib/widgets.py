"""Form widgets that render long, fixed lists of choices without the template engine.

Django renders every <option> of a Select through a template: the list of ~250 countries took
7–10 ms of each list page's CPU (and made ~250 lazy translations). `QuickSelect` writes the same
HTML in Python and keeps the escaped options per language, so only "selected" is decided per
request.
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

_OPTIONS: dict[tuple, tuple[tuple[str, str, str], ...]] = {}


def _options(choices: tuple) -> tuple[tuple[str, str, str], ...]:
    """(value, the option's HTML before and after " selected") for each choice, kept per list of
    values and language (use QuickSelect only for choices whose labels never change)."""
    key = (tuple(str(value) for value, _label in choices), get_language())
    found = _OPTIONS.get(key)
    if found is None:
        if len(_OPTIONS) > 256:  # bounded: a handful of fixed lists × languages in practice
            _OPTIONS.clear()
        found = _OPTIONS[key] = tuple(
            (str(v), f'<option value="{escape(str(v))}"', f">{escape(str(label))}</option>")
            for v, label in choices
        )
    return found


class QuickSelect(forms.Select):
    """A single-choice Select for flat choices (no groups), rendered in Python."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = tuple(self.choices)
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)  # groups: Django's own way
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = set(self.format_value(value))
        parts = [f"<select{flatatt(final)}>"]
        for option, start, end in _options(choices):
            parts.append(f"{start} selected{end}" if option in chosen else start + end)
        parts.append("</select>")
        return mark_safe("".join(parts))
