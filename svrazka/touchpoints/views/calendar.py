"""The calendar feed: a settings page where a user makes, replaces or revokes their private
URL, and the feed itself (public, outside /w/, reached only by its secret token)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from svrazka.accounts.access import workspace_view
from svrazka.touchpoints import calendar
from svrazka.touchpoints.models import CalendarFeed


@workspace_view("view")
@require_http_methods(["GET", "POST"])
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """POST action=create (also replaces an existing URL) or action=revoke."""
    url = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            _feed, secret = calendar.feed_issue(workspace=request.workspace, user=request.user)
            url = calendar.feed_url(secret)
        elif action == "revoke":
            if calendar.feed_revoke(workspace=request.workspace, user=request.user):
                messages.success(
                    request,
                    _("The calendar URL is revoked: calendars using it get nothing more."),
                )
            return redirect("calendar_feed", slug=request.workspace.slug)
        else:
            return HttpResponse(_("Choose what to do with the calendar URL."), status=400)
    feed = CalendarFeed.objects.filter(workspace=request.workspace, user=request.user).first()
    return render(request, "touchpoints/calendar_feed.html", {"feed": feed, "url": url})


@require_http_methods(["GET", "HEAD"])
def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed. An unknown or revoked token, or a user no longer in the workspace: 404."""
    feed = calendar.feed_for_token(token)
    if feed is None:
        raise Http404
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > timedelta(hours=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    with translation.override(feed.user.language or settings.LANGUAGE_CODE):
        body = calendar.build_feed(workspace=feed.workspace, user=feed.user, now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="svrazka.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
