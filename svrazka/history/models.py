"""Who changed what, when: one record per create, update or delete of a tracked object."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Action(models.TextChoices):
    CREATE = "create", pgettext_lazy("history action", "created")
    UPDATE = "update", pgettext_lazy("history action", "changed")
    DELETE = "delete", pgettext_lazy("history action", "deleted")


class ChangeRecord(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    # {field name: [old value, new value]} as text, for display.
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["workspace", "content_type", "object_id", "-created_at"],
                name="history_object",
            )
        ]
        verbose_name = _("change")

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"

    def rows(self) -> list[tuple[str, str | None, str | None]]:
        """The changes as (field label, old, new) in the reader's language."""
        model = self.content_type.model_class()
        result = []
        for name, (old, new) in self.changes.items():
            try:
                field = model._meta.get_field(name) if model else None
            except Exception:  # a relation or a name recorded by hand
                field = None
            if field is not None and not field.is_relation:
                label = str(field.verbose_name)
            else:
                label = str(RELATION_LABELS.get(name, name))
            result.append((label, _display(field, name, old), _display(field, name, new)))
        return result


# Labels of what services record beside plain fields.
RELATION_LABELS = {
    "affiliation": _("affiliation"),
    "causes": _("causes"),
    "tags": _("tags"),
    "emails": _("emails"),
    "phones": _("phones"),
    "person": _("person"),
    "organisation": _("organisation"),
    "partner": _("partner"),
    "duty": _("duty"),
    "checklist": _("checklist"),
    "project": _("joint project"),
    "resource": _("resource"),
    "agreement": _("agreement"),
    "evaluation": _("evaluation"),
    "evaluation_invite": _("evaluation link"),
    "signatory": _("signatory"),
    "signed_scan": _("signed scan"),
    "cadence_days": _("expected contact every (days)"),
    "awaiting_reply": _("awaiting reply"),
}


def _display(field, name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if name == "languages":
        from svrazka.lib.countries import LANGUAGE_NAMES

        return ", ".join(str(LANGUAGE_NAMES.get(v.strip(), v.strip())) for v in value.split(","))
    choices = (
        dict(field.flatchoices) if field is not None and getattr(field, "choices", None) else None
    )
    if choices and value in choices:
        return str(choices[value])
    return value
