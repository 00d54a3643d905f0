from django import forms
from django.utils.translation import gettext_lazy as _

from svrazka.contacts.forms import DateInput
from svrazka.network.models import RelationshipKind


class RelationshipForm(forms.Form):
    """A relationship seen from one side (the page it is made on): `other` is the other side,
    "p<id>" or "o<id>"; `direction` says which side the kind is read from."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Relationship"), choices=RelationshipKind.choices)
    other = forms.RegexField(
        label=_("With"),
        regex=r"^[po][1-9]\d{0,17}$",
        widget=forms.Select,
        error_messages={
            "invalid": _("Choose a person or an organisation."),
            "required": _("Choose a person or an organisation."),
        },
    )
    direction = forms.ChoiceField(
        label=_("Read as"),
        choices=[("out", _("this one → the other")), ("in", _("the other → this one"))],
        initial="out",
        widget=forms.RadioSelect,
    )
    strength = forms.TypedChoiceField(
        label=_("Strength"),
        coerce=int,
        choices=[(i, str(i)) for i in range(1, 6)],
        initial=3,
        help_text=_("1 = we barely know each other, 5 = a close, trusted tie."),
    )
    started_on = forms.DateField(label=_("Since"), required=False, widget=DateInput)
    ended_on = forms.DateField(label=_("Until"), required=False, widget=DateInput)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, subject=None, **kwargs):
        super().__init__(*args, **kwargs)
        if subject is not None:
            name = str(subject)
            self.fields["direction"].choices = [
                ("out", _("%(name)s → the other") % {"name": name}),
                ("in", _("the other → %(name)s") % {"name": name}),
            ]

    def clean(self):
        data = super().clean()
        start, end = data.get("started_on"), data.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", _("The end cannot be before the start."))
        return data
