"""The calendar feed's settings page, under /w/<slug>/ (the feed itself: public_urls.py)."""

from django.urls import path

from svrazka.touchpoints.views import calendar

urlpatterns = [
    path("calendar/", calendar.calendar_feed, name="calendar_feed"),
]
