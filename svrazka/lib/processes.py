"""Start-up of worker processes that run Svrazka code (a spawned interpreter knows nothing).

Kept free of Django models: a spawned process imports this module before Django is set up.
"""

import os


def setup_django(settings_module: str, language: str | None, nice: int = 0) -> None:
    """Initializer of a process pool: Django set up, the parent's language active, and the
    process ``nice`` steps behind others for the CPU."""
    if nice:
        os.nice(nice)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django
    from django.utils import translation

    django.setup()
    if language:
        translation.activate(language)
