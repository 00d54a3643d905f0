"""Pages of touchpoints, under /w/<slug>/: one module per area."""

from svrazka.touchpoints.urls import calendar, dashboard, interactions, mail, tasks

urlpatterns = (
    interactions.urlpatterns
    + tasks.urlpatterns
    + mail.urlpatterns
    + calendar.urlpatterns
    + dashboard.urlpatterns
)
