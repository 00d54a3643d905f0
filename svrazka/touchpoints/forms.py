"""Forms for logging touchpoints and setting cadences."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from svrazka.touchpoints.models import Channel, Direction


class InteractionForm(forms.Form):
    """The fields of a touchpoint. Who it was with comes as ids (people, organisations); the
    view resolves them within the workspace."""

    channel = forms.ChoiceField(
        label=_("Channel"), choices=Channel.choices, widget=forms.RadioSelect
    )
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, widget=forms.RadioSelect
    )
    occurred_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    people = forms.TypedMultipleChoiceField(
        label=_("People"), coerce=int, required=False, choices=()
    )
    organisations = forms.TypedMultipleChoiceField(
        label=_("Organisations"), coerce=int, required=False, choices=()
    )
    users = forms.TypedMultipleChoiceField(
        label=_("Our participants"),
        coerce=int,
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    partnership = forms.TypedChoiceField(
        label=_("Partnership"), coerce=int, required=False, empty_value=None, choices=()
    )
    subject = forms.CharField(label=_("Subject"), max_length=300, required=False)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    awaiting_reply = forms.BooleanField(label=_("Awaiting reply"), required=False)
    reply_expected_by = forms.DateField(
        label=_("Reply expected by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("A week from the interaction if left empty."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, people=(), organisations=(), users=(), partnerships=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Choices are the ids the view offers; anything else posted is refused by the view's
        # workspace-scoped lookup, so accept any integer here and check there.
        self.fields["people"].choices = [(p.pk, p.full_name) for p in people]
        self.fields["people"].valid_value = lambda value: True
        self.fields["organisations"].choices = [(o.pk, o.name) for o in organisations]
        self.fields["organisations"].valid_value = lambda value: True
        self.fields["users"].choices = [(u.pk, str(u)) for u in users]
        self.fields["partnership"].choices = [("", "—")] + [(p.pk, p.title) for p in partnerships]
        self.fields["partnership"].valid_value = lambda value: True
        if self.prefix == "quick":
            # The quick form on a page: compact selects instead of radio buttons.
            self.fields["channel"].widget = forms.Select(choices=Channel.choices)
            self.fields["direction"].widget = forms.Select(choices=Direction.choices)
            self.fields["summary"].widget.attrs["rows"] = 2

    def clean(self):
        data = super().clean()
        if data.get("reply_expected_by") and not data.get("awaiting_reply"):
            data["awaiting_reply"] = True
        if (
            data.get("awaiting_reply")
            and not data.get("reply_expected_by")
            and data.get("occurred_at")
        ):
            data["reply_expected_by"] = timezone.localdate(data["occurred_at"]) + timedelta(days=7)
        return data


class CadenceForm(forms.Form):
    days = forms.IntegerField(
        label=_("Expected contact every (days)"),
        min_value=1,
        max_value=730,
        required=False,
        help_text=_("Leave empty for the default."),
    )
