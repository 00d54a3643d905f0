from django.urls import path

from svrazka.duplicates import views

urlpatterns = [
    path("duplicates/", views.duplicate_list, name="duplicate_list"),
    path("duplicates/scan/", views.duplicate_scan, name="duplicate_scan"),
    path(
        "duplicates/scans/<int:pk>/progress/",
        views.duplicate_scan_progress,
        name="duplicate_scan_progress",
    ),
    path("duplicates/compare/", views.duplicate_compare, name="duplicate_compare"),
    path("duplicates/distinct/", views.duplicate_distinct, name="duplicate_distinct"),
    path("duplicates/merges/", views.merge_list, name="merge_list"),
    path("duplicates/merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
]
