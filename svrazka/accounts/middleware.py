from django.conf import settings

SESSION_LANGUAGE_KEY = "language"


class UserLanguageMiddleware:
    """A signed-in user's chosen language (kept in the session at login and when changed) wins
    over the browser's Accept-Language. Runs before LocaleMiddleware, which then reads it as
    the language cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(SESSION_LANGUAGE_KEY)
        if language in dict(settings.LANGUAGES):
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = language
        return self.get_response(request)
