"""Evaluation pages: our evaluation, private links for partners (and the public page behind
them, which needs no account), one evaluation, and the results that compare the sides."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from svrazka.accounts.access import workspace_view
from svrazka.contacts.models import PersonEmail
from svrazka.partnerships import evaluations, practice
from svrazka.partnerships.selectors import get_partnership

# --- forms ----------------------------------------------------------------------------------


class EvaluationForm(forms.Form):
    """The evaluation questions (free text) and ratings (1–5), all optional, at least one
    needed; labels in the reader's language."""

    respondent_name = forms.CharField(
        label=gettext_lazy("Your name"), max_length=200, required=False
    )

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        for q in practice.EVALUATION_QUESTIONS:
            self.fields[f"answer_{q.key}"] = forms.CharField(
                label=q.text(language),
                required=False,
                max_length=evaluations.ANSWER_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        scale = range(evaluations.RATING_MIN, evaluations.RATING_MAX + 1)
        for r in practice.EVALUATION_RATINGS:
            self.fields[f"rating_{r.key}"] = forms.TypedChoiceField(
                label=r.text(language),
                required=False,
                coerce=int,
                empty_value=None,
                choices=[(n, str(n)) for n in scale],
                widget=forms.RadioSelect,
            )

    def question_fields(self):
        return [self[f"answer_{key}"] for key in evaluations.QUESTION_KEYS]

    def rating_fields(self):
        return [self[f"rating_{key}"] for key in evaluations.RATING_KEYS]

    def answers(self) -> dict:
        return {k: self.cleaned_data.get(f"answer_{k}") or "" for k in evaluations.QUESTION_KEYS}

    def ratings(self) -> dict:
        return {k: self.cleaned_data.get(f"rating_{k}") for k in evaluations.RATING_KEYS}

    def clean(self):
        data = super().clean()
        if (
            not self.errors
            and not any(self.answers().values())
            and not any(v is not None for v in self.ratings().values())
        ):
            raise ValidationError(_("Answer at least one question or give at least one rating."))
        return data

    def typed_answers(self) -> list[tuple[str, str]]:
        """What the visitor typed, question by question, to give back if it cannot be saved."""
        return [
            (self.fields[f"answer_{k}"].label, self.data.get(f"answer_{k}", "").strip())
            for k in evaluations.QUESTION_KEYS
            if self.data.get(f"answer_{k}", "").strip()
        ]


class InviteForm(forms.Form):
    organisation = forms.TypedChoiceField(label=gettext_lazy("Partner organisation"), coerce=int)
    recipient = forms.TypedChoiceField(
        label=gettext_lazy("Send to their liaison"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    email = forms.EmailField(
        label=gettext_lazy("Or type an email address"),
        required=False,
        help_text=gettext_lazy("Leave both empty to get only a link to pass on yourself."),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        initial=evaluations.INVITE_DAYS_DEFAULT,
        min_value=evaluations.INVITE_DAYS_MIN,
        max_value=evaluations.INVITE_DAYS_MAX,
    )

    def __init__(self, *args, organisations, liaison_emails: list[PersonEmail], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        self.fields["recipient"].choices = [("", "—")] + [
            (e.pk, f"{e.person.full_name} <{e.email}> ({e.organisation.name})")
            for e in liaison_emails
        ]
        self.liaison_emails = {e.pk: e for e in liaison_emails}

    def clean(self):
        data = super().clean()
        if data.get("recipient") and data.get("email"):
            raise ValidationError(_("Choose their liaison or type an email address, not both."))
        return data

    def recipient_email(self) -> PersonEmail | None:
        return self.liaison_emails.get(self.cleaned_data.get("recipient"))


def _add_service_errors(form: forms.Form, error: ValidationError, aliases=None) -> None:
    """A service's ValidationError on the form: its fields where the form has them."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    aliases = aliases or {}
    for name, errors in error.error_dict.items():
        candidates = (aliases.get(name), name, f"answer_{name}", f"rating_{name}")
        target = next((c for c in candidates if c and c in form.fields), None)
        form.add_error(target, errors)


def _form_data(request: HttpRequest):
    return request.POST if request.method == "POST" else None


# --- our side -------------------------------------------------------------------------------


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def evaluation_create(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_partnership(request.workspace, pk)
    form = EvaluationForm(
        _form_data(request),
        language=get_language(),
        initial={"respondent_name": request.user.get_full_name()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            evaluations.evaluation_submit_ours(
                partnership=partnership,
                actor=request.user,
                answers=form.answers(),
                ratings=form.ratings(),
                respondent_name=form.cleaned_data["respondent_name"],
            )
        except ValidationError as e:
            _add_service_errors(form, e)
        else:
            messages.success(request, _("Your evaluation is saved."))
            return redirect("evaluation_results", slug=request.workspace.slug, pk=partnership.pk)
    return render(
        request,
        "partnerships/evaluations/form.html",
        {"partnership": partnership, "form": form},
        status=400 if form.errors else 200,
    )


@workspace_view("view")
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = evaluations.get_evaluation(request.workspace, pk)
    language = get_language()
    answers = [
        (q.text(language), evaluation.answers.get(q.key, "")) for q in practice.EVALUATION_QUESTIONS
    ]
    ratings = [
        (r.text(language), evaluation.ratings.get(r.key)) for r in practice.EVALUATION_RATINGS
    ]
    return render(
        request,
        "partnerships/evaluations/detail.html",
        {
            "evaluation": evaluation,
            "partnership": evaluation.partnership,
            "answers": answers,
            "ratings": ratings,
        },
    )


@workspace_view("view")
def evaluation_results(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_partnership(request.workspace, pk)
    results = evaluations.evaluation_results(partnership=partnership, language=get_language())
    return render(
        request,
        "partnerships/evaluations/results.html",
        {"partnership": partnership, "results": results},
    )


# --- private links for partners -------------------------------------------------------------


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def evaluation_invite(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_partnership(request.workspace, pk)
    organisations = evaluations.partner_organisations(partnership)
    form = InviteForm(
        _form_data(request),
        organisations=organisations,
        liaison_emails=evaluations.liaison_emails(partnership),
        initial={"organisation": request.GET.get("organisation")},
    )
    if request.method == "POST" and form.is_valid():
        chosen = form.recipient_email()
        organisation = next(o for o in organisations if o.pk == form.cleaned_data["organisation"])
        try:
            invite, link = evaluations.evaluation_invite_create(
                partnership=partnership,
                actor=request.user,
                organisation=organisation,
                person=chosen.person if chosen else None,
                email=chosen.email if chosen else form.cleaned_data["email"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as e:
            _add_service_errors(form, e, aliases={"person": "recipient"})
        else:
            # The link is shown this once: only a hash of its token is stored.
            return render(
                request,
                "partnerships/evaluations/invite_created.html",
                {"partnership": partnership, "invite": invite, "link": link},
            )
    return render(
        request,
        "partnerships/evaluations/invite.html",
        {"partnership": partnership, "form": form},
        status=400 if form.errors else 200,
    )


@workspace_view("edit")
@require_POST
def evaluation_invite_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invite = evaluations.get_invite(request.workspace, pk)
    evaluations.evaluation_invite_revoke(invite=invite, actor=request.user)
    messages.success(request, _("The link is withdrawn; it no longer works."))
    return redirect("partnership_detail", slug=request.workspace.slug, pk=invite.partnership_id)


# --- the public page behind a private link --------------------------------------------------


def _public(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on the form's
    # POST, which CSRF protection rightly refuses. Other sites still never see the link.
    response["Referrer-Policy"] = "same-origin"
    return response


def _closed(request: HttpRequest, invite, form: EvaluationForm | None = None) -> HttpResponse:
    return _public(
        render(
            request,
            "partnerships/evaluations/public_closed.html",
            {
                "invite": invite,
                "used": invite.used_at is not None,
                "typed": form.typed_answers() if form is not None and form.is_bound else [],
            },
            status=410,
        )
    )


def _open_invite(token: str):
    invite = evaluations.invite_for_token(token)
    if invite is None:
        raise Http404
    return invite


@never_cache
@require_http_methods(["GET", "POST"])
def evaluation_public(request: HttpRequest, token: str) -> HttpResponse:
    invite = _open_invite(token)
    form = EvaluationForm(_form_data(request), language=get_language())
    if not invite.is_open:
        return _closed(request, invite, form)
    if request.method == "POST" and form.is_valid():
        try:
            evaluations.evaluation_submit_by_partner(
                invite=invite,
                answers=form.answers(),
                ratings=form.ratings(),
                respondent_name=form.cleaned_data["respondent_name"],
            )
        except evaluations.InviteClosed:
            invite.refresh_from_db()
            return _closed(request, invite, form)
        except ValidationError as e:
            _add_service_errors(form, e)
        else:
            return redirect("evaluation_public_thanks", token=token)
    return _public(
        render(
            request,
            "partnerships/evaluations/public_form.html",
            {"invite": invite, "form": form},
            status=400 if form.errors else 200,
        )
    )


@never_cache
def evaluation_public_thanks(request: HttpRequest, token: str) -> HttpResponse:
    invite = _open_invite(token)
    if invite.used_at is None:
        raise Http404
    return _public(
        render(request, "partnerships/evaluations/public_thanks.html", {"invite": invite})
    )


# Under /w/<slug>/partnerships/: <pk> is the partnership, except where the route says otherwise.
urlpatterns = [
    path("<int:pk>/evaluations/", evaluation_results, name="evaluation_results"),
    path("<int:pk>/evaluations/new/", evaluation_create, name="evaluation_create"),
    path("<int:pk>/evaluations/invite/", evaluation_invite, name="evaluation_invite"),
    # <pk> is the evaluation:
    path("evaluations/<int:pk>/", evaluation_detail, name="evaluation_detail"),
    # <pk> is the invite (the private link):
    path(
        "evaluation-links/<int:pk>/revoke/",
        evaluation_invite_revoke,
        name="evaluation_invite_revoke",
    ),
]

# At the site root, for partners without an account.
public_urlpatterns = [
    path("evaluate/<str:token>/", evaluation_public, name="evaluation_public"),
    path("evaluate/<str:token>/thanks/", evaluation_public_thanks, name="evaluation_public_thanks"),
]
