from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "svrazka.accounts"
    label = "accounts"
    verbose_name = "Accounts and workspaces"
