from django.urls import path

from svrazka.touchpoints.views import dashboard as views

urlpatterns = [
    path("health/", views.health_dashboard, name="health_dashboard"),
    path("health/recompute/", views.health_recompute, name="health_recompute"),
]
