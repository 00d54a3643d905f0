"""Countries people pick from (ISO 3166-1 alpha-2), named in the user's language."""

from django.utils.translation import gettext_lazy as _

COUNTRIES = [
    ("AL", _("Albania")), ("AM", _("Armenia")), ("AT", _("Austria")), ("AZ", _("Azerbaijan")),
    ("BA", _("Bosnia and Herzegovina")), ("BE", _("Belgium")), ("BG", _("Bulgaria")),
    ("BY", _("Belarus")), ("CH", _("Switzerland")), ("CY", _("Cyprus")), ("CZ", _("Czechia")),
    ("DE", _("Germany")), ("DK", _("Denmark")), ("EE", _("Estonia")), ("ES", _("Spain")),
    ("FI", _("Finland")), ("FR", _("France")), ("GB", _("United Kingdom")), ("GE", _("Georgia")),
    ("GR", _("Greece")), ("HR", _("Croatia")), ("HU", _("Hungary")), ("IE", _("Ireland")),
    ("IS", _("Iceland")), ("IT", _("Italy")), ("LI", _("Liechtenstein")), ("LT", _("Lithuania")),
    ("LU", _("Luxembourg")), ("LV", _("Latvia")), ("MD", _("Moldova")), ("ME", _("Montenegro")),
    ("MK", _("North Macedonia")), ("MT", _("Malta")), ("NL", _("Netherlands")),
    ("NO", _("Norway")), ("PL", _("Poland")), ("PT", _("Portugal")), ("RO", _("Romania")),
    ("RS", _("Serbia")), ("SE", _("Sweden")), ("SI", _("Slovenia")), ("SK", _("Slovakia")),
    ("TR", _("Türkiye")), ("UA", _("Ukraine")), ("XK", _("Kosovo")), ("US", _("United States")),
    ("CA", _("Canada")), ("IL", _("Israel")), ("EG", _("Egypt")), ("MA", _("Morocco")),
    ("TN", _("Tunisia")), ("JO", _("Jordan")), ("LB", _("Lebanon")),
]
COUNTRY_NAMES = dict(COUNTRIES)

LANGUAGES = [
    ("bg", _("Bulgarian")), ("en", _("English")), ("el", _("Greek")), ("ro", _("Romanian")),
    ("de", _("German")), ("fr", _("French")), ("es", _("Spanish")), ("it", _("Italian")),
    ("tr", _("Turkish")), ("ru", _("Russian")), ("uk", _("Ukrainian")), ("sr", _("Serbian")),
    ("mk", _("Macedonian")), ("pl", _("Polish")), ("pt", _("Portuguese")), ("nl", _("Dutch")),
]
LANGUAGE_NAMES = dict(LANGUAGES)


def country_name(code: str) -> str:
    return str(COUNTRY_NAMES.get((code or "").upper(), code or ""))
