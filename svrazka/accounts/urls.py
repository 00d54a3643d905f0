from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from svrazka.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/language/", views.set_language, name="set_language"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url=reverse_lazy("profile")
        ),
        name="password_change",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("workspaces/new/", views.workspace_create, name="workspace_create"),
    path("w/<slug:slug>/settings/", views.workspace_settings, name="workspace_settings"),
    path("w/<slug:slug>/members/", views.members, name="members"),
    path("w/<slug:slug>/members/invite/", views.invite, name="invite"),
    path("w/<slug:slug>/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("w/<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path(
        "w/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("w/<slug:slug>/api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "w/<slug:slug>/api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"
    ),
]
