"""Forms of the scorecard pages. They check shapes; the services check the rules (weights,
score ranges, candidates of the workspace) so the pages and the API refuse the same things
with the same messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from svrazka.scorecards.models import MAX_SCORE, Purpose, Scale


class ScorecardForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    min_score = forms.TypedChoiceField(
        label=_("Scale"), choices=Scale.choices, coerce=int, initial=Scale.ZERO_TO_FIVE
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CriterionRowForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Criterion"), max_length=200, required=False)
    guidance = forms.CharField(
        label=_("Guidance"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Text, so "2,5" works as well as "2.5"; the services say what is wrong with it.
    weight = forms.CharField(
        label=_("Weight"),
        max_length=12,
        required=False,
        initial="1",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5, "style": "width:5rem"}),
    )


class BaseCriteriaFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            form.fields["ORDER"].widget.attrs.update({"style": "width:4.5rem", "min": 1})


CriteriaFormSet = forms.formset_factory(
    CriterionRowForm,
    formset=BaseCriteriaFormSet,
    extra=2,
    can_order=True,
    can_delete=True,
    max_num=50,
    absolute_max=60,
)


class CandidateForm(forms.Form):
    """Who is scored: an organisation or a person of the workspace (by id)."""

    kind = forms.ChoiceField(
        label=_("Candidate"),
        choices=[("organisation", _("An organisation")), ("person", _("A person"))],
        widget=forms.RadioSelect,
        initial="organisation",
    )
    candidate = forms.IntegerField(label=_("Organisation or person"), min_value=1)


def score_choices(min_score: int) -> list[tuple[str, str]]:
    return [("", _("not scored"))] + [(str(v), str(v)) for v in range(min_score, MAX_SCORE + 1)]


class ScoresForm(forms.Form):
    """A score and a note per criterion, and a note on the whole."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label=_("Overall note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, criteria, min_score: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"score_{c.pk}"] = forms.ChoiceField(
                label=c.name, choices=score_choices(min_score), required=False
            )
            self.fields[f"note_{c.pk}"] = forms.CharField(
                label=_("Note on “%(criterion)s”") % {"criterion": c.name},
                max_length=500,
                required=False,
            )

    def rows(self):
        """(criterion, score field, note field) for the template."""
        return [(c, self[f"score_{c.pk}"], self[f"note_{c.pk}"]) for c in self.criteria]

    def scores(self) -> dict:
        from svrazka.scorecards.services import ScoreIn

        result = {}
        for c in self.criteria:
            raw = self.cleaned_data.get(f"score_{c.pk}")
            result[c.pk] = ScoreIn(
                value=int(raw) if raw not in (None, "") else None,
                note=self.cleaned_data.get(f"note_{c.pk}") or "",
            )
        return result


class AttachForm(forms.Form):
    partnership = forms.IntegerField(label=_("Partnership"), min_value=1)


class CopyForm(forms.Form):
    name = forms.CharField(label=_("Name of the copy"), max_length=200)
