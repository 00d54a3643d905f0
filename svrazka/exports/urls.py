from django.urls import path

from svrazka.exports import views

urlpatterns = [
    path("people/export/", views.person_export, name="person_export"),
    path("organisations/export/", views.organisation_export, name="organisation_export"),
    path("people/<int:pk>/export.json", views.person_data, name="person_data_export"),
]
