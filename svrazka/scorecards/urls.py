from django.urls import path

from svrazka.scorecards import views

# Under /w/<slug>/ (svrazka/urls.py).
urlpatterns = [
    path("scorecards/", views.scorecard_list, name="scorecard_list"),
    path("scorecards/defaults/", views.scorecard_defaults, name="scorecard_defaults"),
    path("scorecards/new/", views.scorecard_create, name="scorecard_create"),
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard_detail"),
    path("scorecards/<int:pk>/compare/", views.scorecard_compare, name="scorecard_compare"),
    path("scorecards/<int:pk>/edit/", views.scorecard_edit, name="scorecard_edit"),
    path("scorecards/<int:pk>/delete/", views.scorecard_delete, name="scorecard_delete"),
    path("scorecards/<int:pk>/copy/", views.scorecard_copy, name="scorecard_copy"),
    path(
        "scorecards/<int:pk>/candidates/new/",
        views.assessment_create,
        name="scorecard_assessment_create",
    ),
    path(
        "scorecards/<int:pk>/candidates/lookup/",
        views.candidate_lookup,
        name="scorecard_candidate_lookup",
    ),
    path("scorecards/<int:pk>/attach/", views.shortlist_attach, name="scorecard_attach"),
    path("scorecards/<int:pk>/detach/", views.shortlist_detach, name="scorecard_detach"),
    path(
        "scorecards/candidates/<int:pk>/",
        views.assessment_edit,
        name="scorecard_assessment_edit",
    ),
    path(
        "scorecards/candidates/<int:pk>/delete/",
        views.assessment_delete,
        name="scorecard_assessment_delete",
    ),
    path(
        "scorecards/candidates/<int:pk>/shortlist/",
        views.assessment_shortlist,
        name="scorecard_shortlist",
    ),
]
