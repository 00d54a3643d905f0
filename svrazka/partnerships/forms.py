from django import forms
from django.utils.translation import gettext_lazy as _

from svrazka.contacts.forms import DateInput
from svrazka.partnerships.models import (
    JointProject,
    PartnerRole,
    Partnership,
    PartnershipForm,
    PartnershipStatus,
    Phase,
    Resource,
)


class PartnershipEditForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    facilitator = forms.IntegerField(
        label=_("Facilitator"),
        required=False,
        widget=forms.Select,
        help_text=_("A person outside the partners who helps it work (optional)."),
    )

    class Meta:
        model = Partnership
        fields = [
            "title",
            "form",
            "status",
            "goals",
            "description",
            "liaison",
            "start_date",
            "end_date",
        ]
        widgets = {
            "start_date": DateInput,
            "end_date": DateInput,
            "goals": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, workspace, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        from svrazka.accounts.models import User

        self.workspace = workspace
        self.fields["liaison"].queryset = User.objects.filter(
            memberships__workspace=workspace
        ).order_by("full_name", "email")
        self.fields["facilitator"].widget.choices = [("", "—")] + [
            (p.pk, p.full_name) for p in people
        ]
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
            self.initial["facilitator"] = self.instance.facilitator_id

    def clean(self):
        data = super().clean()
        if (
            data.get("start_date")
            and data.get("end_date")
            and data["end_date"] < data["start_date"]
        ):
            self.add_error("end_date", _("The end cannot be before the start."))
        return data

    def _post_clean(self):
        pass  # the service validates the model, knowing the workspace


class PartnerForm(forms.Form):
    organisation = forms.IntegerField(label=_("Organisation"), widget=forms.Select)
    role = forms.ChoiceField(
        label=_("Role"), choices=PartnerRole.choices, initial=PartnerRole.PARTNER
    )
    liaison = forms.IntegerField(
        label=_("Their liaison"),
        required=False,
        widget=forms.Select,
        help_text=_("A person of theirs, affiliated with it."),
    )


class DutyForm(forms.Form):
    description = forms.CharField(label=_("Duty"), max_length=300)
    who = forms.CharField(
        label=_("Who"), max_length=30, help_text=_("A partner's person, or one of our team.")
    )
    start_date = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end_date = forms.DateField(label=_("To"), required=False, widget=DateInput)


class ChecklistAddForm(forms.Form):
    step = forms.CharField(max_length=40)
    title = forms.CharField(label=_("New item"), max_length=300)
    due_date = forms.DateField(label=_("Due"), required=False, widget=DateInput)


class MoveForm(forms.Form):
    step = forms.CharField(max_length=40)
    before = forms.IntegerField(required=False, min_value=1)


class ProjectForm(forms.ModelForm):
    class Meta:
        model = JointProject
        fields = ["title", "programme", "status", "start_date", "end_date", "budget", "currency"]
        widgets = {"start_date": DateInput, "end_date": DateInput}

    def _post_clean(self):
        pass


class ResourceForm(forms.ModelForm):
    source = forms.IntegerField(label=_("From"), required=False, widget=forms.Select)
    project = forms.IntegerField(label=_("Project"), required=False, widget=forms.Select)

    class Meta:
        model = Resource
        fields = ["kind", "description", "amount", "currency", "received_on"]
        widgets = {"received_on": DateInput}

    def _post_clean(self):
        pass


class PartnershipFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    form = forms.ChoiceField(
        required=False, choices=[("", _("All forms"))] + list(PartnershipForm.choices)
    )
    status = forms.ChoiceField(
        required=False, choices=[("", _("All statuses"))] + list(PartnershipStatus.choices)
    )
    phase = forms.ChoiceField(required=False, choices=[("", _("All phases"))] + list(Phase.choices))
    organisation = forms.IntegerField(required=False, min_value=1)
    liaison = forms.IntegerField(required=False, min_value=1)
    sort = forms.CharField(required=False, max_length=20)
    page = forms.IntegerField(required=False, min_value=1, max_value=100000)
