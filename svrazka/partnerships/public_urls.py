from svrazka.partnerships.views import evaluations

# Pages for people without an account (private, expiring links).
urlpatterns = evaluations.public_urlpatterns
