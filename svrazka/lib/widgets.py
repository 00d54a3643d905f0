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

# key → (the labels, kept so that the ids in the key stay theirs; the options' HTML)
_OPTIONS: dict[tuple, tuple[tuple, tuple[tuple[str, str, str], ...]]] = {}


def _options(choices: tuple) -> tuple[tuple[str, str, str], ...]:
    """(value, the option's HTML before and after " selected") for each choice, kept per list of
    choices and language. A label is known by its text, or a lazy translation by its identity
    (translating ~250 lazy labels per page is what this saves)."""
    labels = tuple(label for _value, label in choices)
    key = (
        tuple(str(value) for value, _label in choices),
        tuple(label if type(label) is str else id(label) for label in labels),
        get_language(),
    )
    found = _OPTIONS.get(key)
    if found is None:
        if len(_OPTIONS) > 256:  # bounded: a handful of fixed lists × languages in practice
            _OPTIONS.clear()
        html = tuple(
            (str(v), f'<option value="{escape(str(v))}"', f">{escape(str(label))}</option>")
            for v, label in choices
        )
        found = _OPTIONS[key] = (labels, html)
    return found[1]


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
