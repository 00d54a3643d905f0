from django.urls import path

from svrazka.touchpoints.views import mail as views

urlpatterns: list = [
    path("inbox/", views.unmatched_inbox, name="unmatched_inbox"),
    path("inbox/people/", views.unmatched_person_options, name="unmatched_person_options"),
    path("inbox/sources/", views.mail_sources, name="mail_sources"),
    path("inbox/sources/<int:pk>/", views.mail_source_edit, name="mail_source_edit"),
    path("inbox/sources/<int:pk>/delete/", views.mail_source_delete, name="mail_source_delete"),
    path("inbox/<int:pk>/", views.unmatched_detail, name="unmatched_detail"),
    path("inbox/<int:pk>/raw/", views.unmatched_raw, name="unmatched_raw"),
    path("inbox/<int:pk>/assign/", views.unmatched_assign, name="unmatched_assign"),
    path("inbox/<int:pk>/dismiss/", views.unmatched_dismiss, name="unmatched_dismiss"),
]
