"""The health dashboard: partnerships by health, alerts, overdue follow-ups, and charts of
touchpoints per week by channel and of response-time trends."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from svrazka.accounts.access import workspace_view
from svrazka.touchpoints import charts, health, selectors
from svrazka.touchpoints.models import Channel, Health, Task


def _named(workspace, rows: list[Health]) -> list[dict]:
    names = {}
    for subject in ("person", "organisation", "partnership"):
        ids = [h.object_id for h in rows if h.subject == subject]
        if ids:
            for pk, name in health._subject_names(workspace, subject, ids).items():
                names[(subject, pk)] = name
    return [
        {
            "health": h,
            "name": names.get((h.subject, h.object_id), "?"),
            "reasons": health.describe_all(h.reasons),
        }
        for h in rows
        if (h.subject, h.object_id) in names
    ]


@workspace_view("view")
def health_dashboard(request: HttpRequest) -> HttpResponse:
    ws = request.workspace
    partnerships = list(
        Health.objects.filter(workspace=ws, subject="partnership", score__isnull=False).order_by(
            "score", "object_id"
        )[:30]
    )
    per_week = selectors.touchpoints_per_week(ws)
    trend = selectors.reply_time_trend(ws)
    bands = Health.objects.filter(workspace=ws, subject="partnership").aggregate(
        good=Count("id", filter=Q(score__gte=75)),
        watch=Count("id", filter=Q(score__gte=50, score__lt=75)),
        poor=Count("id", filter=Q(score__lt=50)),
        none=Count("id", filter=Q(score__isnull=True)),
    )
    overdue_tasks = list(
        Task.objects.filter(workspace=ws, done_at__isnull=True, due_date__lt=timezone.localdate())
        .select_related("assignee", "person", "organisation", "partnership")
        .order_by("due_date", "id")[:20]
    )
    return render(
        request,
        "touchpoints/health_dashboard.html",
        {
            "partnerships": _named(ws, partnerships),
            "alerts": _named(ws, selectors.alerts(ws, limit=30)),
            "overdue_replies": selectors.overdue_awaited(ws, limit=20),
            "overdue_tasks": overdue_tasks,
            "bands": bands,
            "week_chart": charts.stacked_bars(per_week, [c.value for c in Channel]),
            "trend_chart": charts.trend_lines(trend),
            "channels": Channel.choices,
            "week_rows": [
                {"week": w["week"], "cells": [w["counts"].get(c, 0) for c in Channel.values]}
                for w in per_week
            ],
            "trend": trend,
            "today": timezone.localdate(),
        },
    )


@workspace_view("manage_workspace")
@require_POST
def health_recompute(request: HttpRequest) -> HttpResponse:
    counts = health.recompute_all(request.workspace)
    messages.success(
        request,
        _("Health recomputed: %(people)d people, %(orgs)d organisations, %(pships)d partnerships.")
        % {
            "people": counts["person"],
            "orgs": counts["organisation"],
            "pships": counts["partnership"],
        },
    )
    return redirect("health_dashboard", slug=request.workspace.slug)
