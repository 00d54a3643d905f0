from django.urls import path

from svrazka.touchpoints.views import interactions as views

urlpatterns = [
    path("interactions/new/", views.interaction_new, name="interaction_new"),
    path("interactions/timeline/", views.timeline_more, name="timeline_more"),
    path("interactions/people/", views.person_lookup, name="interaction_person_lookup"),
    path("interactions/<int:pk>/", views.interaction_detail, name="interaction_detail"),
    path("interactions/<int:pk>/edit/", views.interaction_edit, name="interaction_edit"),
    path("interactions/<int:pk>/delete/", views.interaction_delete, name="interaction_delete"),
    path(
        "interactions/<int:pk>/answered/",
        views.interaction_answered,
        name="interaction_answered",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path(
        "health/cadence/<str:kind>/<int:pk>/",
        views.cadence_set,
        name="cadence_set",
    ),
]
