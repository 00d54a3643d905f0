"""The unmatched inbox (mail the dropbox could not put with a person: assign it or dismiss it)
and the dropbox settings."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from svrazka.accounts.access import workspace_view
from svrazka.contacts import selectors
from svrazka.contacts import services as contacts
from svrazka.lib.paging import paginate
from svrazka.touchpoints import mail
from svrazka.touchpoints.models import MailSource, MailSourceKind, UnmatchedMessage, UnmatchedStatus

PER_PAGE = 50


class AssignForm(forms.Form):
    person = forms.IntegerField(label=gettext_lazy("Person"))
    add_address = forms.BooleanField(
        label=gettext_lazy("Add the address to their emails"), required=False
    )


class NewPersonForm(forms.Form):
    given_name = forms.CharField(label=gettext_lazy("Given name"), max_length=100)
    family_name = forms.CharField(label=gettext_lazy("Family name"), max_length=100, required=False)
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)


class MailSourceForm(forms.ModelForm):
    password = forms.CharField(
        label=gettext_lazy("Password"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Leave empty to keep the stored password."),
    )

    class Meta:
        model = MailSource
        fields = ["address", "kind", "host", "port", "use_ssl", "username", "folder", "path"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == MailSourceKind.IMAP:
            for name, message in (
                ("host", _("Say which IMAP server to read.")),
                ("username", _("Say which user to sign in as.")),
            ):
                if not data.get(name):
                    self.add_error(name, message)
            if not data.get("password") and not (self.instance.pk and self.instance.password):
                self.add_error("password", _("Give the password of the mailbox."))
        elif kind == MailSourceKind.MAILDIR:
            self._check_maildir(data.get("path") or "")
        return data

    def _check_maildir(self, path: str) -> None:
        """A Maildir is a folder on the server: only under the folder the operator allowed
        (MAIL_DROPBOX_MAILDIR_ROOT), so a workspace cannot read another's mail or any file."""
        root = getattr(settings, "MAIL_DROPBOX_MAILDIR_ROOT", "")
        if not root:
            self.add_error(
                "kind",
                _("Maildir dropboxes are set up by the server's operator; choose IMAP here."),
            )
            return
        if not path:
            self.add_error("path", _("Say where the Maildir is."))
            return
        resolved = Path(root, path).resolve()
        if not resolved.is_relative_to(Path(root).resolve()):
            self.add_error("path", _("The Maildir must be inside %(root)s.") % {"root": root})

    def save(self, commit=True):
        source = super().save(commit=False)
        if self.cleaned_data.get("password"):
            source.password = self.cleaned_data["password"]
        if commit:
            source.save()
        return source


def _get_unmatched(request: HttpRequest, pk: int) -> UnmatchedMessage:
    return get_object_or_404(UnmatchedMessage, workspace=request.workspace, pk=pk)


def _person_choices(request: HttpRequest, q: str):
    return selectors.people_list(
        workspace=request.workspace, filters=selectors.ContactFilters(q=q[:200])
    )[:30]


@workspace_view("view")
def unmatched_inbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", UnmatchedStatus.OPEN)
    if status not in UnmatchedStatus.values:
        status = UnmatchedStatus.OPEN
    qs = UnmatchedMessage.objects.filter(workspace=request.workspace, status=status).only(
        "pk", "from_address", "from_name", "subject", "sent_at", "received_at", "problem", "status"
    )
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        number = 1
    return render(
        request,
        "touchpoints/mail_inbox.html",
        {
            "page": paginate(qs, number, PER_PAGE),
            "status": status,
            "statuses": UnmatchedStatus.choices,
            "query": f"status={status}",
        },
    )


@workspace_view("view")
def unmatched_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unmatched = _get_unmatched(request, pk)
    return _render_detail(request, unmatched)


def _render_detail(request, unmatched, assign_form=None, person_form=None, status=200):
    parsed = mail.read_unmatched(unmatched)
    shown = parsed.forwarded if parsed and parsed.forwarded else parsed
    counterpart = ("", "")
    if parsed is not None:
        counterpart = mail.plan(parsed, mail.Directory(request.workspace)).counterpart
    name, address = counterpart
    given, _sep, family = (name or "").partition(" ")
    if not given and address:
        given = address.split("@")[0]
    return render(
        request,
        "touchpoints/mail_detail.html",
        {
            "unmatched": unmatched,
            "mail": shown,
            "outer": parsed,
            "attachments": [
                {"name": n, "type": t, "size": len(data)}
                for n, t, data in ((shown.attachments if shown else []) or [])
            ],
            "counterpart_address": address,
            "people": _person_choices(request, name or address or ""),
            "assign_form": assign_form or AssignForm(initial={"add_address": bool(address)}),
            "person_form": person_form
            or NewPersonForm(
                initial={"given_name": given[:100], "family_name": family[:100], "email": address}
            ),
        },
        status=status,
    )


@workspace_view("view")
def unmatched_person_options(request: HttpRequest) -> HttpResponse:
    """Options for choosing the person a message is with (htmx), at most 30."""
    people = _person_choices(request, request.GET.get("q", ""))
    return render(request, "touchpoints/mail_person_options.html", {"people": people})


@workspace_view("view")
def unmatched_raw(request: HttpRequest, pk: int) -> HttpResponse:
    """The message as it arrived, to open in a mail program."""
    unmatched = _get_unmatched(request, pk)
    try:
        with unmatched.raw.open("rb") as f:
            data = f.read()
    except (OSError, ValueError):
        data = b""
    response = HttpResponse(data, content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="message-{unmatched.pk}.eml"'
    return response


@workspace_view("edit")
@require_POST
def unmatched_assign(request: HttpRequest, pk: int) -> HttpResponse:
    unmatched = _get_unmatched(request, pk)
    if unmatched.status == UnmatchedStatus.ASSIGNED:
        messages.error(request, _("This message is already logged."))
        return redirect("unmatched_detail", slug=request.workspace.slug, pk=unmatched.pk)
    if request.POST.get("action") == "new_person":
        assign_form = None
        person_form = NewPersonForm(request.POST)
        form = person_form
    else:
        person_form = None
        assign_form = AssignForm(request.POST)
        form = assign_form
    if form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():  # a new person only with the message logged
                if person_form is not None:
                    person = contacts.person_create(
                        workspace=request.workspace,
                        actor=request.user,
                        data={
                            "given_name": d["given_name"],
                            "family_name": d["family_name"],
                            "emails": [d["email"]] if d["email"] else [],
                        },
                    )
                    add_address = bool(d["email"])  # and log their other mail from it
                else:
                    person = selectors.get_person(request.workspace, d["person"])
                    add_address = d["add_address"]
                mail.assign_unmatched(
                    unmatched=unmatched, person=person, actor=request.user, add_address=add_address
                )
        except ValidationError as e:
            # Said above the form with "Nothing was saved.", whichever field it concerns.
            for message in e.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("The message is logged with %(name)s.") % {"name": person.full_name},
            )
            next_open = (
                UnmatchedMessage.objects.filter(
                    workspace=request.workspace, status=UnmatchedStatus.OPEN
                )
                .values_list("pk", flat=True)
                .first()
            )
            if next_open:
                return redirect("unmatched_detail", slug=request.workspace.slug, pk=next_open)
            return redirect("unmatched_inbox", slug=request.workspace.slug)
    return _render_detail(request, unmatched, assign_form, person_form, status=400)


@workspace_view("edit")
@require_POST
def unmatched_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    unmatched = _get_unmatched(request, pk)
    mail.dismiss_unmatched(unmatched=unmatched)
    messages.success(request, _("The message is dismissed; it stays under “Dismissed”."))
    return redirect("unmatched_inbox", slug=request.workspace.slug)


@workspace_view("manage_workspace")
@require_http_methods(["GET", "POST"])
def mail_sources(request: HttpRequest) -> HttpResponse:
    form = MailSourceForm(request.POST or None, instance=MailSource(workspace=request.workspace))
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("The dropbox is saved."))
            return redirect("mail_sources", slug=request.workspace.slug)
    sources = MailSource.objects.filter(workspace=request.workspace).order_by("address", "pk")
    return render(
        request,
        "touchpoints/mail_sources.html",
        {"sources": sources, "form": form},
        status=400 if form.errors else 200,
    )


@workspace_view("manage_workspace")
@require_http_methods(["GET", "POST"])
def mail_source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(MailSource, workspace=request.workspace, pk=pk)
    form = MailSourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The dropbox is saved."))
        return redirect("mail_sources", slug=request.workspace.slug)
    return render(
        request,
        "touchpoints/mail_source_form.html",
        {"source": source, "form": form},
        status=400 if form.errors else 200,
    )


@workspace_view("manage_workspace")
@require_POST
def mail_source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(MailSource, workspace=request.workspace, pk=pk)
    source.delete()
    messages.success(request, _("The dropbox is removed; mail already logged stays."))
    return redirect("mail_sources", slug=request.workspace.slug)
