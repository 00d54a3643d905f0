"""Touchpoints reached without signing in: the private calendar feed, by its secret token."""

from django.urls import path

from svrazka.touchpoints.views import calendar

urlpatterns = [
    path("calendar/<str:token>.ics", calendar.calendar_ics, name="calendar_ics"),
]
