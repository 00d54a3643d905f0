"""Pages of follow-up tasks: my tasks (or everyone's, or a member's), new, edit, done, reopen,
delete. Every task is reached through the workspace (svrazka.touchpoints.followups.get_task)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from svrazka.accounts.access import workspace_view
from svrazka.accounts.models import User
from svrazka.contacts.forms import DateInput
from svrazka.contacts.models import Organisation, Person
from svrazka.history.services import history_for
from svrazka.partnerships.models import Partnership
from svrazka.touchpoints import followups
from svrazka.touchpoints.models import Interaction, Recurrence

LINK_MODELS = {
    "person": Person,
    "organisation": Organisation,
    "partnership": Partnership,
    "interaction": Interaction,
}


class TaskForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("What"), max_length=300)
    assignee = forms.TypedChoiceField(
        label=gettext_lazy("Who"), required=False, coerce=int, empty_value=None
    )
    due_date = forms.DateField(label=gettext_lazy("By when"), required=False, widget=DateInput)
    recurrence = forms.ChoiceField(
        label=gettext_lazy("Repeats"), required=False, choices=Recurrence.choices
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    partnership = forms.IntegerField(
        label=gettext_lazy("Partnership"), required=False, widget=forms.Select
    )
    person = forms.IntegerField(label=gettext_lazy("Person"), required=False, widget=forms.Select)
    organisation = forms.IntegerField(
        label=gettext_lazy("Organisation"), required=False, widget=forms.Select
    )
    interaction = forms.IntegerField(
        label=gettext_lazy("After the interaction"), required=False, widget=forms.Select
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, workspace, current: dict, **kwargs):
        """`current` holds the linked objects to offer (the task's, or the prefilled ones)."""
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        members = User.objects.filter(memberships__workspace=workspace).order_by(
            "full_name", "email"
        )
        self.fields["assignee"].choices = [("", _("Nobody yet"))] + [
            (u.pk, str(u)) for u in members
        ]
        partnerships = list(
            Partnership.objects.filter(workspace=workspace)
            .order_by("title")
            .only("pk", "title")[:300]
        )
        if current.get("partnership") and current["partnership"] not in partnerships:
            partnerships.insert(0, current["partnership"])
        self.fields["partnership"].widget.choices = [("", "—")] + [
            (p.pk, p.title) for p in partnerships
        ]
        # People and organisations are too many for a list: the form offers the linked one
        # (the task is created from their page) and "none".
        for name in ("person", "organisation", "interaction"):
            obj = current.get(name)
            if obj is None:
                self.fields[name].widget = forms.HiddenInput()
            else:
                self.fields[name].widget.choices = [("", "—"), (obj.pk, _link_label(obj))]

    def resolve(self) -> dict:
        """The cleaned data with links as objects of this workspace; errors on the form."""
        data = {k: self.cleaned_data.get(k) for k in ("title", "due_date", "recurrence", "notes")}
        data["notes"] = data["notes"] or ""
        data["recurrence"] = data["recurrence"] or ""
        assignee_id = self.cleaned_data.get("assignee")
        data["assignee"] = (
            User.objects.filter(memberships__workspace=self.workspace, pk=assignee_id).first()
            if assignee_id
            else None
        )
        for name, model in LINK_MODELS.items():
            pk = self.cleaned_data.get(name)
            data[name] = None
            if pk:
                data[name] = model.objects.filter(workspace=self.workspace, pk=pk).first()
                if data[name] is None:
                    self.error(name, _("Choose from this workspace."))
        return data

    def error(self, name: str | None, message) -> None:
        """Add an error where it shows: a hidden field's goes above the form, with its label."""
        if name in self.fields and self.fields[name].widget.is_hidden:
            texts = message if isinstance(message, list) else [message]
            for m in texts:
                self.add_error(None, f"{self.fields[name].label}: {m}")
        else:
            self.add_error(name if name in self.fields else None, message)


def _link_label(obj) -> str:
    if isinstance(obj, Person):
        return obj.full_name
    if isinstance(obj, Interaction):
        return f"{obj.occurred_at:%Y-%m-%d} · {obj}"
    return str(obj)


def _next_url(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return default


def _my_tasks_url(request) -> str:
    return reverse("my_tasks", args=[request.workspace.slug])


# --- my tasks -----------------------------------------------------------------------------------


@workspace_view("view")
def my_tasks(request: HttpRequest) -> HttpResponse:
    """Open tasks grouped overdue / today / upcoming / no date. `?who=` is "me" (the default),
    "all" (everyone's) or a member's id."""
    members = list(
        User.objects.filter(memberships__workspace=request.workspace).order_by("full_name", "email")
    )
    who = request.GET.get("who", "me")
    shown = request.user
    if who == "all":
        shown = None
    elif who != "me":
        shown = next((m for m in members if str(m.pk) == who), None)
        if shown is None:
            who, shown = "me", request.user
    if shown is not None and shown.pk == request.user.pk:
        who = "me"
    groups = followups.tasks_grouped(request.workspace, assignee=shown)
    return render(
        request,
        "touchpoints/tasks_list.html",
        {
            "groups": groups,
            "sections": [
                ("overdue", _("Overdue"), groups.overdue, groups.more["overdue"]),
                ("today", _("Today"), groups.today, groups.more["today"]),
                ("upcoming", _("Upcoming"), groups.upcoming, groups.more["upcoming"]),
                ("no_date", _("No date"), groups.no_date, groups.more["no_date"]),
            ],
            "show_assignee": who != "me",
            "members": members,
            "who": who,
            "shown": shown,
            "next": request.get_full_path(),
        },
    )


# --- new and edit -------------------------------------------------------------------------------


def _prefill(request) -> dict:
    """Links given as ?person=ID etc., each only if it is in this workspace."""
    current = {}
    for name, model in LINK_MODELS.items():
        raw = request.GET.get(name, "")
        if raw.isdigit():
            obj = model.objects.filter(workspace=request.workspace, pk=int(raw)).first()
            if obj is not None:
                current[name] = obj
    return current


def _posted_links(request) -> dict:
    current = {}
    for name, model in LINK_MODELS.items():
        raw = request.POST.get(name, "")
        if raw.isdigit():
            obj = model.objects.filter(workspace=request.workspace, pk=int(raw)).first()
            if obj is not None:
                current[name] = obj
    return current


def _about_url(request, task_or_links) -> str | None:
    """The page of what the task is about."""
    get = (
        task_or_links.get
        if isinstance(task_or_links, dict)
        else lambda n: getattr(task_or_links, n)
    )
    slug = request.workspace.slug
    if get("partnership") is not None:
        return reverse("partnership_detail", args=[slug, get("partnership").pk])
    if get("person") is not None:
        return reverse("person_detail", args=[slug, get("person").pk])
    if get("organisation") is not None:
        return reverse("organisation_detail", args=[slug, get("organisation").pk])
    return None


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest) -> HttpResponse:
    current = _prefill(request) if request.method == "GET" else _posted_links(request)
    form = TaskForm(request.POST or None, workspace=request.workspace, current=current)
    if request.method == "GET":
        form.initial["assignee"] = request.user.pk
        for name, obj in current.items():
            form.initial[name] = obj.pk
        if "interaction" in current and not request.GET.get("title"):
            form.initial["title"] = _("Follow up: %(subject)s") % {
                "subject": str(current["interaction"])
            }
        if request.GET.get("title"):
            form.initial["title"] = request.GET["title"][:300]
    if request.method == "POST" and form.is_valid():
        data = form.resolve()
        if not form.errors:
            try:
                task = followups.task_create(
                    workspace=request.workspace, actor=request.user, data=data
                )
            except ValidationError as e:
                _add_errors(form, e)
            else:
                messages.success(request, _("The task “%(title)s” is added.") % {"title": task})
                return redirect(
                    _next_url(request, _about_url(request, task) or _my_tasks_url(request))
                )
    return render(
        request,
        "touchpoints/tasks_form.html",
        {
            "form": form,
            "task": None,
            "next": _next_url(request, ""),
            "cancel_url": _next_url(
                request, _about_url(request, current) or _my_tasks_url(request)
            ),
        },
        status=400 if form.errors else 200,
    )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.error(name, [m for e in errors for m in e.messages])
    else:
        form.add_error(None, error)


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = followups.get_task(request.workspace, pk)
    current = {name: getattr(task, name) for name in LINK_MODELS if getattr(task, name)}
    if request.method == "POST":
        current.update(_posted_links(request))
    initial = {
        "title": task.title,
        "assignee": task.assignee_id,
        "due_date": task.due_date,
        "recurrence": task.recurrence,
        "notes": task.notes,
        "version": task.version,
        **{name: getattr(task, f"{name}_id") for name in LINK_MODELS},
    }
    form = TaskForm(
        request.POST or None, workspace=request.workspace, current=current, initial=initial
    )
    status, conflict = 200, None
    if request.method == "POST" and form.is_valid():
        data = form.resolve()
        if not form.errors:
            try:
                task = followups.task_update(
                    task=task,
                    actor=request.user,
                    data=data,
                    version=form.cleaned_data.get("version"),
                )
            except followups.EditConflict as e:
                conflict = e.current
                form.data = form.data.copy()
                form.data["version"] = e.current.version
                status = 409
            except ValidationError as e:
                _add_errors(form, e)
            else:
                messages.success(request, _("The task is saved."))
                return redirect(_next_url(request, _my_tasks_url(request)))
    if form.errors:
        status = 400
    return render(
        request,
        "touchpoints/tasks_form.html",
        {
            "form": form,
            "task": task,
            "conflict": conflict,
            "next": _next_url(request, ""),
            "cancel_url": _next_url(request, _my_tasks_url(request)),
            "history": history_for(workspace=request.workspace, obj=task),
        },
        status=status,
    )


# --- done, reopen, delete -----------------------------------------------------------------------


def _row(request, task, following=None) -> HttpResponse:
    return render(
        request,
        "touchpoints/tasks_row.html",
        {"task": task, "next_task": following, "next": _next_url(request, "")},
    )


@workspace_view("edit")
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = followups.get_task(request.workspace, pk)
    result = followups.task_complete(task=task, actor=request.user)
    if request.htmx:
        return _row(request, result.task, result.next)
    if result.next is not None:
        messages.success(
            request,
            _("“%(title)s” is done. The next one is due on %(date)s.")
            % {"title": result.task, "date": _date(result.next.due_date)},
        )
    elif result.changed:
        messages.success(request, _("“%(title)s” is done.") % {"title": result.task})
    return redirect(_next_url(request, _my_tasks_url(request)))


def _date(d) -> str:
    from django.utils.formats import date_format

    return date_format(d, "SHORT_DATE_FORMAT")


@workspace_view("edit")
@require_POST
def task_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    task = followups.get_task(request.workspace, pk)
    task = followups.task_reopen(task=task, actor=request.user)
    if request.htmx:
        return _row(request, task)
    messages.success(request, _("“%(title)s” is open again.") % {"title": task})
    return redirect(_next_url(request, _my_tasks_url(request)))


@workspace_view("edit")
@require_POST
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task = followups.get_task(request.workspace, pk)
    followups.task_delete(task=task, actor=request.user)
    if request.htmx:
        response = HttpResponse("")
        response["HX-Trigger"] = "taskDeleted"
        return response
    messages.success(request, _("The task “%(title)s” is deleted.") % {"title": task})
    return redirect(_next_url(request, _my_tasks_url(request)))
