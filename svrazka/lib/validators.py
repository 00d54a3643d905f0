import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MARKUP = re.compile(r"[<>{}\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def validate_plain_name(value: str) -> None:
    """Names are text: no markup characters (< > { }) and no control characters."""
    if _MARKUP.search(value or ""):
        raise ValidationError(
            _("Names cannot contain the characters < > { } or control characters."),
            code="markup_in_name",
        )
