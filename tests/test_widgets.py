"""QuickSelect writes the same <select> as Django's Select, only faster."""

import re

from django import forms
from django.utils import translation

from svrazka.contacts.forms import FilterForm
from svrazka.lib.widgets import QuickSelect

CHOICES = [("", "—"), ("BG", "Bulgaria"), ("X&<", 'A "quoted" <b>label</b>'), ("RO", "Romania")]


def _options(html: str) -> list[tuple[str, bool, str]]:
    found = re.findall(r'<option value="([^"]*)"( selected)?>(.*?)</option>', html)
    return [(value, bool(selected), label) for value, selected, label in found]


def test_same_options_attributes_and_escaping_as_django():
    class Form(forms.Form):
        fast = forms.ChoiceField(choices=CHOICES, widget=QuickSelect, required=False)
        slow = forms.ChoiceField(choices=CHOICES, required=False)

    form = Form(data={"fast": "X&<", "slow": "X&<"})
    fast, slow = str(form["fast"]), str(form["slow"])
    assert _options(fast) == _options(slow)
    assert ("X&amp;&lt;", True, "A &quot;quoted&quot; &lt;b&gt;label&lt;/b&gt;") in _options(fast)
    assert re.match(r"<select ([^>]*)>", fast)[1].split() == ['id="id_fast"', 'name="fast"']
    assert sum(selected for _v, selected, _l in _options(fast)) == 1


def test_required_and_unbound_like_django():
    class Form(forms.Form):
        fast = forms.ChoiceField(choices=CHOICES, widget=QuickSelect)
        slow = forms.ChoiceField(choices=CHOICES)

    fast, slow = str(Form()["fast"]), str(Form()["slow"])
    assert " required" in fast.split(">")[0]
    assert _options(fast) == _options(slow)
    assert [value for value, selected, _l in _options(fast) if selected] == [""]


def test_labels_follow_the_language():
    with translation.override("en"):
        english = str(FilterForm(data={"country": "GR"})["country"])
    with translation.override("bg"):
        bulgarian = str(FilterForm(data={"country": "GR"})["country"])
    assert ("GR", True, "Greece") in _options(english)
    assert ("GR", True, "Гърция") in _options(bulgarian)
    assert ("", False, "Всички държави") in _options(bulgarian)


def test_lists_with_the_same_values_keep_their_own_labels():
    class First(forms.Form):
        country = forms.ChoiceField(choices=CHOICES, widget=QuickSelect)

    class Second(forms.Form):
        country = forms.ChoiceField(
            choices=[("", "Any")] + CHOICES[1:], widget=QuickSelect, required=False
        )

    assert ("", True, "—") in _options(str(First()["country"]))
    assert ("", True, "Any") in _options(str(Second()["country"]))
    assert ("", True, "—") in _options(str(First()["country"]))
