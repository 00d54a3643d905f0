from django import forms
from django.utils.translation import gettext_lazy as _

from svrazka.contacts.models import Organisation, OrganisationType, Person
from svrazka.lib.countries import COUNTRIES, LANGUAGES
from svrazka.lib.widgets import QuickSelect


class DateInput(forms.DateInput):
    input_type = "date"


def _split_names(text: str) -> list[str]:
    return [n.strip() for n in (text or "").replace(";", ",").split(",") if n.strip()]


class ContactForm(forms.ModelForm):
    """Shared by organisations and people: causes, tags (by name), languages, version."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    causes = forms.ModelMultipleChoiceField(
        label=_("Causes"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    tag_names = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas; new tags are created."),
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        from svrazka.contacts.selectors import causes

        self.workspace = workspace
        self.fields["causes"].queryset = causes(workspace)
        self.fields["country"].widget = QuickSelect()
        self.fields["country"].choices = [("", "—")] + list(COUNTRIES)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
            self.initial["tag_names"] = ", ".join(t.name for t in self.instance.tags.all())
            self.initial["causes"] = list(self.instance.causes.all())

    def clean_tag_names(self):
        names = _split_names(self.cleaned_data.get("tag_names", ""))
        for name in names:
            if len(name) > 60:
                raise forms.ValidationError(_("A tag can have at most 60 characters."))
        return names

    def service_data(self) -> dict:
        """What the service takes: the model fields plus causes; tags are resolved by the view."""
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["causes"] = list(self.cleaned_data.get("causes") or [])
        return data

    def _post_clean(self):
        # Model validation runs in the service (full_clean), which knows the workspace.
        pass


class OrganisationForm(ContactForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "short_name",
            "kind",
            "country",
            "city",
            "address",
            "website",
            "email",
            "phone",
            "eik",
            "pic",
            "oid",
            "vat",
            "linkedin",
            "facebook",
            "x",
            "languages",
            "where_found",
            "where_found_note",
            "last_verified",
            "notes",
        ]
        widgets = {"last_verified": DateInput, "notes": forms.Textarea(attrs={"rows": 4})}


class PersonForm(ContactForm):
    emails_text = forms.CharField(
        label=_("Emails"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    phones_text = forms.CharField(
        label=_("Phones"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, with the country code if not Bulgarian."),
    )

    class Meta:
        model = Person
        fields = [
            "title",
            "given_name",
            "middle_name",
            "family_name",
            "other_spelling",
            "country",
            "city",
            "street",
            "postal_code",
            "website",
            "linkedin",
            "facebook",
            "x",
            "languages",
            "preferred_channel",
            "date_of_birth",
            "where_found",
            "where_found_note",
            "consent",
            "consent_source",
            "consent_date",
            "notes",
        ]
        widgets = {
            "date_of_birth": DateInput,
            "consent_date": DateInput,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["emails_text"] = "\n".join(e.email for e in self.instance.emails.all())
            self.initial["phones_text"] = "\n".join(p.number for p in self.instance.phones.all())

    def service_data(self) -> dict:
        data = super().service_data()
        data["emails"] = (self.cleaned_data.get("emails_text") or "").split()
        data["phones"] = [
            line
            for line in (self.cleaned_data.get("phones_text") or "").splitlines()
            if line.strip()
        ]
        return data


class AffiliationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    organisation = forms.IntegerField(label=_("Organisation"), widget=forms.Select)
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    start_date = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end_date = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def clean(self):
        data = super().clean()
        if (
            data.get("start_date")
            and data.get("end_date")
            and data["end_date"] < data["start_date"]
        ):
            self.add_error("end_date", _("The end date cannot be before the start date."))
        return data


class FilterForm(forms.Form):
    """The filters of a list page. Unknown values are ignored rather than failing the page."""

    q = forms.CharField(required=False, max_length=200, label=_("Search"))
    kind = forms.ChoiceField(
        required=False,
        label=_("Type"),
        choices=[("", _("All types"))] + list(OrganisationType.choices),
    )
    country = forms.ChoiceField(
        required=False,
        label=_("Country"),
        choices=[("", _("All countries"))] + list(COUNTRIES),
        widget=QuickSelect,
    )
    cause = forms.IntegerField(required=False, label=_("Cause"), min_value=1)
    tag = forms.IntegerField(required=False, label=_("Tag"), min_value=1)
    organisation = forms.IntegerField(required=False, min_value=1)
    unverified_months = forms.IntegerField(
        required=False, min_value=0, max_value=600, label=_("Not verified for (months)")
    )
    sort = forms.CharField(required=False, max_length=20)
    page = forms.IntegerField(required=False, min_value=1, max_value=100000)


class BulkForm(forms.Form):
    ACTIONS = [("tag", _("Add tag")), ("delete", _("Delete"))]
    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    tag_name = forms.CharField(required=False, max_length=60)
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any integers are acceptable ids: the service keeps only the workspace's own.
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in raw if str(v).isdigit()]

    def clean(self):
        data = super().clean()
        if data.get("action") == "tag" and not (data.get("tag_name") or "").strip():
            self.add_error("tag_name", _("Name the tag to add."))
        return data


class TagForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
