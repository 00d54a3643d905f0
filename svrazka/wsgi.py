import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svrazka.settings")
application = get_wsgi_application()

# WeasyPrint takes seconds to import; a server pays that once at start, not on its first PDF.
import weasyprint  # noqa: E402, F401
