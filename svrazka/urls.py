from django.urls import include, path

from svrazka.api.urls import api

urlpatterns = [
    path("", include("svrazka.accounts.urls")),
    path("w/<slug:slug>/", include("svrazka.contacts.urls")),
    path("w/<slug:slug>/partnerships/", include("svrazka.partnerships.urls")),
    path("w/<slug:slug>/", include("svrazka.touchpoints.urls")),
    path("w/<slug:slug>/", include("svrazka.imports.urls")),
    path("w/<slug:slug>/", include("svrazka.duplicates.urls")),
    path("w/<slug:slug>/", include("svrazka.exports.urls")),
    path("w/<slug:slug>/", include("svrazka.network.urls")),
    path("w/<slug:slug>/", include("svrazka.network.relationship_urls")),
    path("w/<slug:slug>/", include("svrazka.scorecards.urls")),
    path("", include("svrazka.partnerships.public_urls")),
    path("", include("svrazka.touchpoints.public_urls")),
    path("api/v1/", api.urls),
]
