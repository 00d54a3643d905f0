from django.urls import path

from svrazka.network.views import relationships as views

urlpatterns = [
    path(
        "people/<int:pk>/relationships/new/",
        views.relationship_create,
        {"kind": "people"},
        name="relationship_add_for_person",
    ),
    path(
        "organisations/<int:pk>/relationships/new/",
        views.relationship_create,
        {"kind": "organisations"},
        name="relationship_add_for_organisation",
    ),
    path("relationships/<int:pk>/edit/", views.relationship_edit, name="relationship_edit"),
    path("relationships/<int:pk>/delete/", views.relationship_delete, name="relationship_delete"),
    path("relationships/lookup/", views.other_lookup, name="relationship_lookup"),
]
