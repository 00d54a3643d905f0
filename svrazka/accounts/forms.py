from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from svrazka.accounts import throttle
from svrazka.accounts.models import Role, User, Workspace, slug_validator
from svrazka.lib.translit import fold


def suggest_slug(name: str) -> str:
    base = slugify(fold(name))[:40].strip("-") or "workspace"
    slug, n = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class SignUpForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    workspace_name = forms.CharField(
        label=_("Your organisation"),
        max_length=200,
        help_text=_("A workspace is created for it; you can invite your colleagues."),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(_("An account with this email already exists."))
        return email

    def clean(self):
        data = super().clean()
        if data.get("password"):
            user = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(data["password"], user)
            except forms.ValidationError as e:
                self.add_error("password", e)
        return data


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        email, password = data.get("email"), data.get("password")
        if not email or not password:
            return data
        address = self.request.META.get("REMOTE_ADDR", "")
        if throttle.is_locked(email, address):
            raise forms.ValidationError(
                _("Too many failed attempts. Wait 15 minutes, or reset your password."),
                code="locked",
            )
        self.user = authenticate(self.request, email=email, password=password)
        if self.user is None or not self.user.is_active:
            throttle.record_failure(email, address)
            raise forms.ValidationError(
                _("The email or the password is wrong."), code="invalid_login"
            )
        throttle.clear(email)
        return data


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language"]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)


class WorkspaceForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["name", "slug", "default_country"]

    slug = forms.CharField(
        label=_("Address"),
        max_length=50,
        validators=[slug_validator],
        required=False,
        help_text=_("Used in links: lowercase Latin letters, digits, hyphens."),
    )

    def clean_slug(self):
        slug = (self.cleaned_data.get("slug") or "").strip().lower()
        if not slug:
            slug = suggest_slug(self.cleaned_data.get("name", ""))
        qs = Workspace.objects.filter(slug=slug)
        if self.instance.pk:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise forms.ValidationError(_("This address is taken."))
        return slug


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("What the token is for, e.g. “website form”."),
    )
