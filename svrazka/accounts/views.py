from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from svrazka.accounts import services, throttle
from svrazka.accounts.access import SESSION_WORKSPACE_KEY, workspace_view
from svrazka.accounts.forms import (
    ApiTokenForm,
    InvitationForm,
    LanguageForm,
    LoginForm,
    ProfileForm,
    RoleForm,
    SignUpForm,
    WorkspaceForm,
    suggest_slug,
)
from svrazka.accounts.middleware import SESSION_LANGUAGE_KEY
from svrazka.accounts.models import ApiToken, Invitation, Membership


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _log_in(request: HttpRequest, user) -> None:
    login(request, user, backend="svrazka.accounts.backends.EmailBackend")
    if user.language:
        request.session[SESSION_LANGUAGE_KEY] = user.language


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "accounts/welcome.html")
    memberships = request.user.memberships.select_related("workspace")
    last = request.session.get(SESSION_WORKSPACE_KEY)
    chosen = next((m for m in memberships if m.workspace.slug == last), None)
    chosen = chosen or memberships.order_by("workspace__name").first()
    if chosen is None:
        return redirect("workspace_create")
    return redirect("dashboard", slug=chosen.workspace.slug)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user, workspace = services.user_sign_up(
                email=d["email"],
                password=d["password"],
                full_name=d["full_name"],
                workspace_name=d["workspace_name"],
                workspace_slug=suggest_slug(d["workspace_name"]),
                language=request.LANGUAGE_CODE,
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            _log_in(request, user)
            messages.success(request, _("Welcome to Svrazka! Your workspace is ready."))
            return redirect("dashboard", slug=workspace.slug)
    return render(
        request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        _log_in(request, form.user)
        return redirect(_safe_next(request, "/"))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: kept on the user (when signed in) and in the session."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown language."), status=400)
    language = form.cleaned_data["language"]
    request.session[SESSION_LANGUAGE_KEY] = language
    if request.user.is_authenticated:
        request.user.language = language
        request.user.save(update_fields=["language"])
    from django.conf import settings

    response = redirect(_safe_next(request, "/"))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.language:
            request.session[SESSION_LANGUAGE_KEY] = user.language
        messages.success(request, _("Your settings are saved."))
        return redirect("profile")
    return render(
        request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def workspace_create(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(
                slug=form.cleaned_data["slug"], name=form.cleaned_data["name"], owner=request.user
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            return redirect("dashboard", slug=workspace.slug)
    return render(
        request,
        "accounts/workspace_create.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@workspace_view("manage_workspace")
@require_http_methods(["GET", "POST"])
def workspace_settings(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None, instance=request.workspace)
    if request.method == "POST" and form.is_valid():
        workspace = form.save()
        messages.success(request, _("The workspace settings are saved."))
        return redirect("workspace_settings", slug=workspace.slug)
    return render(
        request,
        "accounts/workspace_settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@workspace_view("view")
def members(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    return render(
        request,
        "accounts/members.html",
        {
            "members": Membership.objects.filter(workspace=ws)
            .select_related("user")
            .order_by("user__full_name", "user__email"),
            "invitations": [
                i
                for i in Invitation.objects.filter(
                    workspace=ws, accepted_at=None, revoked_at=None
                ).order_by("-created_at")
                if i.is_open
            ],
            "invite_form": InvitationForm(),
            "role_form": RoleForm(),
        },
    )


@workspace_view("manage_members")
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_send(
                membership=request.membership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("members", slug=request.workspace.slug)
    ws = request.workspace
    return render(
        request,
        "accounts/members.html",
        {
            "members": Membership.objects.filter(workspace=ws).select_related("user"),
            "invitations": Invitation.objects.none(),
            "invite_form": form,
            "role_form": RoleForm(),
        },
        status=400,
    )


def _member(request, pk: int) -> Membership:
    try:
        return Membership.objects.select_related("user").get(workspace=request.workspace, pk=pk)
    except Membership.DoesNotExist:
        raise Http404 from None


@workspace_view("manage_members")
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    target = _member(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown role."))
    else:
        try:
            services.membership_change_role(
                actor=request.membership, target=target, role=form.cleaned_data["role"]
            )
            messages.success(request, _("The role of %(user)s is changed.") % {"user": target.user})
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
    return redirect("members", slug=request.workspace.slug)


@workspace_view("view")
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    target = _member(request, pk)
    try:
        services.membership_remove(actor=request.membership, target=target)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("members", slug=request.workspace.slug)
    except PermissionDenied:
        raise
    if target.user_id == request.user.pk:
        messages.success(
            request, _("You have left %(workspace)s.") % {"workspace": request.workspace}
        )
        return redirect("home")
    messages.success(request, _("%(user)s is no longer a member.") % {"user": target.user})
    return redirect("members", slug=request.workspace.slug)


@workspace_view("manage_members")
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        invitation = Invitation.objects.get(workspace=request.workspace, pk=pk)
    except Invitation.DoesNotExist:
        raise Http404 from None
    services.invitation_revoke(membership=request.membership, invitation=invitation)
    messages.success(request, _("The invitation is withdrawn."))
    return redirect("members", slug=request.workspace.slug)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Setting a new password also lifts a sign-in lock from failed attempts."""

    template_name = "accounts/password_reset_confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        throttle.clear(form.user.email)
        return response


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        raise Http404
    context = {"invitation": invitation, "form": None}
    if not invitation.is_open:
        return render(request, "accounts/invitation.html", context, status=410)
    if request.user.is_authenticated:
        if request.method == "POST":
            services.invitation_accept(invitation=invitation, user=request.user)
            messages.success(
                request, _("You have joined %(workspace)s.") % {"workspace": invitation.workspace}
            )
            return redirect("dashboard", slug=invitation.workspace.slug)
        return render(request, "accounts/invitation.html", context)
    # Not signed in: an existing account signs in first; a new one is created here.
    from svrazka.accounts.models import User

    if User.objects.filter(email=invitation.email).exists():
        return redirect(f"/accounts/login/?next=/invitations/{token}/")
    form = _InvitedSignUp(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user, _created = services.user_get_or_create(
                email=invitation.email, password=form.cleaned_data["password"]
            )
            user.full_name = form.cleaned_data["full_name"]
            user.language = request.LANGUAGE_CODE
            user.save(update_fields=["full_name", "language"])
            services.invitation_accept(invitation=invitation, user=user)
        _log_in(request, user)
        return redirect("dashboard", slug=invitation.workspace.slug)
    context["form"] = form
    return render(request, "accounts/invitation.html", context, status=400 if form.errors else 200)


class _InvitedSignUp(SignUpForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["email"]
        del self.fields["workspace_name"]

    def clean_email(self):  # no email field here
        return ""


@workspace_view("view")
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _token, secret = ApiToken.issue(
            workspace=request.workspace, user=request.user, name=form.cleaned_data["name"]
        )
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(
        workspace=request.workspace, user=request.user, revoked_at=None
    ).order_by("-created_at")
    return render(
        request, "accounts/api_tokens.html", {"form": form, "tokens": tokens, "secret": secret}
    )


@workspace_view("view")
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    from django.utils import timezone

    updated = ApiToken.objects.filter(
        workspace=request.workspace, user=request.user, pk=pk, revoked_at=None
    ).update(revoked_at=timezone.now())
    if not updated:
        raise Http404
    messages.success(request, _("The token is revoked."))
    return redirect("api_tokens", slug=request.workspace.slug)
