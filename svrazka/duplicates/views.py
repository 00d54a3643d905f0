"""Reviewing duplicates: the scan and its progress, the likely pairs grouped into clusters with
their reasons in words, a side-by-side comparison to merge field by field or to say "not
duplicates", and the merges done, each with its undo."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from svrazka.accounts.access import workspace_view
from svrazka.contacts import selectors as contacts
from svrazka.contacts.models import Organisation
from svrazka.duplicates import matching, merging, scan, services
from svrazka.duplicates.models import Kind, Merge, Scan
from svrazka.lib.paging import paginate

PER_PAGE = 50


def _kind(value: str | None) -> str:
    return value if value in Kind.values else Kind.PERSON


def _fetch(workspace, kind: str, pk) -> object:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if kind == Kind.PERSON:
        return contacts.person_detail(workspace, pk)
    return contacts.organisation_detail(workspace, pk)


def _facts(workspace, kind: str, ids: list[int]) -> dict[int, object]:
    if not ids:
        return {}
    if kind == Kind.PERSON:
        rows = scan._people_by_id(workspace, ids)
    else:
        rows = [
            scan._organisation_facts(row)
            for row in Organisation.objects.filter(workspace=workspace, id__in=ids).values_list(
                *scan._ORGANISATION_FIELDS
            )
        ]
    return {f.id: f for f in rows}


def _label(facts) -> str:
    if facts is None:
        return ""
    return getattr(facts, "full_name", "") or getattr(facts, "name", "")


def _reasons(kind: str, pair, facts: dict) -> list[str]:
    a, b = facts.get(pair.a_id), facts.get(pair.b_id)
    if a is None or b is None:
        return []
    return [matching.describe(code, a, b) for code in pair.reasons]


@workspace_view("edit")
def duplicate_list(request: HttpRequest) -> HttpResponse:
    kind = _kind(request.GET.get("kind"))
    page = paginate(
        services.open_candidates(workspace=request.workspace, kind=kind),
        request.GET.get("page"),
        PER_PAGE,
    )
    pairs = list(page.items)
    ids = sorted({p.a_id for p in pairs} | {p.b_id for p in pairs})
    facts = _facts(request.workspace, kind, ids)
    for p in pairs:
        p.a = facts.get(p.a_id)
        p.b = facts.get(p.b_id)
        p.described = _reasons(kind, p, facts)
        p.a_label = _label(p.a)
        p.b_label = _label(p.b)
    latest = Scan.objects.filter(workspace=request.workspace, kind=kind).first()
    return render(
        request,
        "duplicates/duplicate_list.html",
        {
            "kind": kind,
            "kinds": Kind.choices,
            "page": page,
            "clusters": services.clusters([p for p in pairs if p.a and p.b]),
            "scan": latest,
            "query": f"kind={kind}",
        },
    )


@workspace_view("edit")
@require_POST
def duplicate_scan(request: HttpRequest) -> HttpResponse:
    kind = _kind(request.POST.get("kind"))
    try:
        services.scan_start(workspace=request.workspace, actor=request.user, kind=kind)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    return redirect(reverse("duplicate_list", args=[request.workspace.slug]) + f"?kind={kind}")


@workspace_view("edit")
def duplicate_scan_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Scan, workspace=request.workspace, pk=pk)
    if not job.busy:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = (
            reverse("duplicate_list", args=[request.workspace.slug]) + f"?kind={job.kind}"
        )
        return response
    return render(request, "duplicates/partials/scan_progress.html", {"scan": job})


def _field_rows(kind: str, a, b) -> list[dict]:
    model = merging.MODELS[kind]
    rows = []
    for name in merging.FIELDS[kind]:
        field = model._meta.get_field(name)
        va, vb = getattr(a, name), getattr(b, name)
        display = (
            (lambda o, n=name: getattr(o, f"get_{n}_display")())
            if field.choices
            else (lambda o, n=name: getattr(o, n))
        )
        empty = (None, "", [])
        rows.append(
            {
                "name": name,
                "label": field.verbose_name,
                "a": display(a) if va not in empty else "",
                "b": display(b) if vb not in empty else "",
                "choice": va not in empty and vb not in empty and va != vb,
            }
        )
    return [r for r in rows if r["a"] or r["b"]]


@workspace_view("edit")
@require_http_methods(["GET", "POST"])
def duplicate_compare(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    kind = _kind(params.get("kind"))
    a = _fetch(request.workspace, kind, params.get("a"))
    b = _fetch(request.workspace, kind, params.get("b"))
    if a.pk == b.pk:
        raise Http404
    if request.method == "POST":
        kept, merged = (b, a) if params.get("keep") == "b" else (a, b)
        choices = {}
        for row in _field_rows(kind, a, b):
            picked = params.get(f"field_{row['name']}")
            if picked in ("a", "b"):
                source = a if picked == "a" else b
                choices[row["name"]] = "merged" if source.pk == merged.pk else "kept"
        try:
            record = services.merge(
                workspace=request.workspace,
                actor=request.user,
                kind=kind,
                kept=kept,
                merged=merged,
                choices=choices,
            )
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(
                request,
                _("Merged %(merged)s into %(kept)s. You can undo it from the list of merges.")
                % {"merged": record.merged_name, "kept": record.kept_name},
            )
            name = "person_detail" if kind == Kind.PERSON else "organisation_detail"
            return redirect(name, request.workspace.slug, kept.pk)
    facts = _facts(request.workspace, kind, [a.pk, b.pk])
    lo, hi = sorted((a.pk, b.pk))
    pair = (
        services.open_candidates(workspace=request.workspace, kind=kind)
        .filter(a_id=lo, b_id=hi)
        .first()
    )
    reasons = []
    if pair and facts.get(lo) and facts.get(hi):
        reasons = [matching.describe(code, facts[lo], facts[hi]) for code in pair.reasons]
    return render(
        request,
        "duplicates/compare.html",
        {
            "kind": kind,
            "a": a,
            "b": b,
            "rows": _field_rows(kind, a, b),
            "reasons": reasons,
            "distinct": services.is_distinct(
                workspace=request.workspace, kind=kind, a_id=a.pk, b_id=b.pk
            ),
        },
    )


@workspace_view("edit")
@require_POST
def duplicate_distinct(request: HttpRequest) -> HttpResponse:
    kind = _kind(request.POST.get("kind"))
    a = _fetch(request.workspace, kind, request.POST.get("a"))
    b = _fetch(request.workspace, kind, request.POST.get("b"))
    services.mark_distinct(
        workspace=request.workspace, actor=request.user, kind=kind, a_id=a.pk, b_id=b.pk
    )
    messages.success(
        request, _("Noted: these are not duplicates. They will not be proposed again.")
    )
    return redirect(reverse("duplicate_list", args=[request.workspace.slug]) + f"?kind={kind}")


@workspace_view("edit")
def merge_list(request: HttpRequest) -> HttpResponse:
    page = paginate(
        Merge.objects.filter(workspace=request.workspace).select_related("merged_by", "undone_by"),
        request.GET.get("page"),
        PER_PAGE,
    )
    return render(request, "duplicates/merge_list.html", {"page": page})


@workspace_view("edit")
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(Merge, workspace=request.workspace, pk=pk)
    try:
        services.undo_merge(merge_record=record, actor=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request,
            _("The merge is undone: %(merged)s is back.") % {"merged": record.merged_name},
        )
    return redirect("merge_list", request.workspace.slug)
