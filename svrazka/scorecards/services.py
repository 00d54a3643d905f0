"""Writes to scorecards: the scorecard and its weighted criteria, the deck's defaults, scoring
candidates, the shortlist and attaching it to partnerships. Keyword-only, atomic, validated
(``full_clean``), recorded in the history. A stale ``version`` raises EditConflict, as
everywhere else in Svrazka (the pages answer 409 with the current version, the API too).

A candidate's total is the weighted average of the scores given so far:
``sum(weight × score) / sum(weight)`` over the criteria that have a score, rounded to two
places; no score, no total. It is stored on the candidate and recomputed here whenever a score
or a weight changes, so every list can sort by it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from svrazka.contacts.models import Organisation, Person
from svrazka.contacts.services import EditConflict
from svrazka.history.models import Action
from svrazka.history.services import diff, record_change, snapshot
from svrazka.scorecards.defaults import DEFAULT_SCORECARDS
from svrazka.scorecards.models import (
    MAX_SCORE,
    Assessment,
    Criterion,
    DefaultsSeeded,
    Score,
    Scorecard,
    ShortlistLink,
)

__all__ = ["EditConflict", "ScoreIn", "weighted_total"]

SCORECARD_FIELDS = ["name", "purpose", "description", "min_score"]
MAX_WEIGHT = Decimal(100)
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class ScoreIn:
    """One criterion's score as given: ``value`` None takes the score away."""

    value: int | None
    note: str = ""


def weighted_total(pairs: Iterable[tuple[Decimal, int]]) -> Decimal | None:
    """The weighted average of (weight, score) pairs, to two places; None without any."""
    numerator = Decimal(0)
    denominator = Decimal(0)
    for weight, value in pairs:
        numerator += Decimal(weight) * value
        denominator += Decimal(weight)
    if not denominator:
        return None
    return (numerator / denominator).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


# --- helpers --------------------------------------------------------------------------------


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _record(obj, actor, changes: dict, action=Action.UPDATE) -> None:
    record_change(workspace=obj.workspace, actor=actor, obj=obj, action=action, changes=changes)


def _claim_version(model, pk: int, expected: int | None) -> None:
    """Move the stored version on by one, if it is still the one the editor started from."""
    filters = {"pk": pk}
    if expected is not None:
        filters["version"] = expected
    if model.objects.filter(**filters).update(version=F("version") + 1) == 0:
        raise EditConflict(model.objects.get(pk=pk))


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else value)


def _weight(value) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError({"weight": _("A weight must be a number, such as 1 or 2.5.")})
    try:
        weight = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            {"weight": _("A weight must be a number, such as 1 or 2.5.")}
        ) from None
    if not weight.is_finite():
        raise ValidationError({"weight": _("A weight must be a number, such as 1 or 2.5.")})
    if weight <= 0:
        raise ValidationError({"weight": _("A weight must be more than zero.")})
    if weight > MAX_WEIGHT:
        raise ValidationError({"weight": _("A weight can be at most 100.")})
    if weight != weight.quantize(TWO_PLACES):
        raise ValidationError({"weight": _("A weight can have at most two decimal places.")})
    return weight


def _check_name_free(scorecard: Scorecard) -> None:
    others = Scorecard.objects.filter(workspace=scorecard.workspace, name__iexact=scorecard.name)
    if scorecard.pk:
        others = others.exclude(pk=scorecard.pk)
    if others.exists():
        raise ValidationError({"name": _("A scorecard with this name already exists.")})


def _recompute(scorecard: Scorecard, assessment_ids: list[int] | None = None) -> None:
    """Store the weighted totals of a scorecard's candidates (or of some of them)."""
    weights = dict(Criterion.objects.filter(scorecard=scorecard).values_list("pk", "weight"))
    assessments = Assessment.objects.filter(scorecard=scorecard)
    if assessment_ids is not None:
        assessments = assessments.filter(pk__in=assessment_ids)
    assessments = list(assessments.only("pk", "total", "scored_count"))
    pairs: dict[int, list[tuple[Decimal, int]]] = {a.pk: [] for a in assessments}
    for assessment_id, criterion_id, value in Score.objects.filter(
        assessment_id__in=list(pairs)
    ).values_list("assessment_id", "criterion_id", "value"):
        if criterion_id in weights:
            pairs[assessment_id].append((weights[criterion_id], value))
    changed = []
    for a in assessments:
        total, count = weighted_total(pairs[a.pk]), len(pairs[a.pk])
        if a.total != total or a.scored_count != count:
            a.total, a.scored_count = total, count
            changed.append(a)
    Assessment.objects.bulk_update(changed, ["total", "scored_count"])


# --- scorecards -----------------------------------------------------------------------------


def _prepare_scorecard(scorecard: Scorecard, data: dict) -> None:
    for name in SCORECARD_FIELDS:
        if name in data:
            setattr(scorecard, name, _text(data[name]))
    if not scorecard.name:
        raise ValidationError({"name": _("Give the scorecard a name.")})
    scorecard.full_clean(exclude=["workspace", "created_by"], validate_constraints=False)
    _check_name_free(scorecard)
    if scorecard.pk and scorecard.min_score > 0:
        low = Score.objects.filter(
            assessment__scorecard=scorecard, value__lt=scorecard.min_score
        ).exists()
        if low:
            raise ValidationError(
                {
                    "min_score": _(
                        "Some candidates have scores of 0. Change those scores before "
                        "switching to the scale from 1 to 5."
                    )
                }
            )


@transaction.atomic
def scorecard_create(
    *, workspace, actor, data: dict, criteria: list[dict] | None = None
) -> Scorecard:
    """A new scorecard, with its criteria if given (each: name, guidance, weight)."""
    scorecard = Scorecard(workspace=workspace, created_by=_user(actor))
    _prepare_scorecard(scorecard, data)
    scorecard.save()
    for position, row in enumerate(criteria or []):
        _criterion_save(Criterion(workspace=workspace, scorecard=scorecard, position=position), row)
    _record(scorecard, actor, diff({}, snapshot(scorecard, SCORECARD_FIELDS)), Action.CREATE)
    return scorecard


@transaction.atomic
def scorecard_update(*, scorecard: Scorecard, actor, data: dict, version: int | None) -> Scorecard:
    _claim_version(Scorecard, scorecard.pk, version)
    scorecard = Scorecard.objects.select_related("workspace").get(pk=scorecard.pk)
    before = snapshot(scorecard, SCORECARD_FIELDS)
    _prepare_scorecard(scorecard, data)
    scorecard.save()
    _record(scorecard, actor, diff(before, snapshot(scorecard, SCORECARD_FIELDS)))
    return scorecard


@transaction.atomic
def scorecard_delete(*, scorecard: Scorecard, actor) -> None:
    _record(scorecard, actor, {}, Action.DELETE)
    scorecard.delete()


@transaction.atomic
def scorecard_copy(*, scorecard: Scorecard, actor, name: str) -> Scorecard:
    """A new scorecard with the same purpose, scale and criteria, and no candidates: the same
    criteria for another selection."""
    data = {f: getattr(scorecard, f) for f in SCORECARD_FIELDS}
    data["name"] = name
    rows = [
        {"name": c.name, "guidance": c.guidance, "weight": c.weight}
        for c in scorecard.criteria.all()
    ]
    return scorecard_create(workspace=scorecard.workspace, actor=actor, data=data, criteria=rows)


def default_scorecards_missing(workspace) -> list[str]:
    """Keys of the deck's default scorecards the workspace does not have."""
    have = set(
        Scorecard.objects.filter(workspace=workspace)
        .exclude(default_key="")
        .values_list("default_key", flat=True)
    )
    return [d.key for d in DEFAULT_SCORECARDS if d.key not in have]


@transaction.atomic
def create_default_scorecards(*, workspace, actor) -> list[Scorecard]:
    """The deck's scorecards the workspace does not have yet, in the active language (stored
    as text: they are the workspace's own from now on). A name already taken by a scorecard of
    the workspace's own gets the purpose in brackets."""
    DefaultsSeeded.objects.get_or_create(workspace=workspace)
    missing = set(default_scorecards_missing(workspace))
    created = []
    for default in DEFAULT_SCORECARDS:
        if default.key not in missing:
            continue
        scorecard = Scorecard(
            workspace=workspace,
            name=str(default.name),
            purpose=default.purpose,
            description=str(default.description),
            default_key=default.key,
            created_by=_user(actor),
        )
        if Scorecard.objects.filter(workspace=workspace, name__iexact=scorecard.name).exists():
            scorecard.name = f"{scorecard.name} ({default.key})"
        scorecard.full_clean(exclude=["workspace", "created_by"])
        scorecard.save()
        Criterion.objects.bulk_create(
            [
                Criterion(
                    workspace=workspace,
                    scorecard=scorecard,
                    name=str(c.name),
                    guidance=str(c.guidance),
                    weight=c.weight,
                    position=i,
                )
                for i, c in enumerate(default.criteria)
            ]
        )
        _record(scorecard, actor, diff({}, snapshot(scorecard, SCORECARD_FIELDS)), Action.CREATE)
        created.append(scorecard)
    return created


def seed_default_scorecards(*, workspace, actor) -> list[Scorecard]:
    """On the first visit of the list: the defaults, once per workspace. Deleting them later
    does not bring them back; the "Create the default scorecards" button does."""
    if DefaultsSeeded.objects.filter(workspace=workspace).exists():
        return []
    return create_default_scorecards(workspace=workspace, actor=actor)


# --- criteria -------------------------------------------------------------------------------


def _criterion_save(criterion: Criterion, data: dict) -> Criterion:
    if "name" in data:
        criterion.name = _text(data["name"])
    if "guidance" in data:
        criterion.guidance = _text(data["guidance"])
    if "weight" in data:
        criterion.weight = _weight(data["weight"])
    if "position" in data and data["position"] is not None:
        criterion.position = data["position"]
    if not criterion.name:
        raise ValidationError({"name": _("Give the criterion a name.")})
    criterion.full_clean(exclude=["workspace", "scorecard"], validate_constraints=False)
    same_name = Criterion.objects.filter(
        scorecard_id=criterion.scorecard_id, name__iexact=criterion.name
    )
    if criterion.pk:
        same_name = same_name.exclude(pk=criterion.pk)
    if same_name.exists():
        raise ValidationError(
            {
                "name": _("This scorecard already has a criterion named “%(name)s”.")
                % {"name": criterion.name}
            }
        )
    criterion.save()
    return criterion


def _criteria_changed(scorecard: Scorecard, actor, changes: dict) -> None:
    Scorecard.objects.filter(pk=scorecard.pk).update(updated_at=timezone.now())
    _recompute(scorecard)
    _record(scorecard, actor, changes)


@transaction.atomic
def criterion_add(*, scorecard: Scorecard, actor, data: dict, version: int | None = None):
    _claim_version(Scorecard, scorecard.pk, version)
    last = scorecard.criteria.order_by("-position").values_list("position", flat=True).first()
    criterion = Criterion(
        workspace=scorecard.workspace,
        scorecard=scorecard,
        position=0 if last is None else last + 1,
    )
    _criterion_save(criterion, {"weight": 1, **data})
    _criteria_changed(
        scorecard, actor, {_("criterion"): [None, f"{criterion.name} ×{criterion.weight}"]}
    )
    return criterion


@transaction.atomic
def criterion_update(
    *, criterion: Criterion, actor, data: dict, version: int | None = None
) -> Criterion:
    scorecard = criterion.scorecard
    _claim_version(Scorecard, scorecard.pk, version)
    criterion = Criterion.objects.get(pk=criterion.pk)
    before = f"{criterion.name} ×{criterion.weight}"
    _criterion_save(criterion, data)
    after = f"{criterion.name} ×{criterion.weight}"
    _criteria_changed(
        scorecard, actor, {_("criterion"): [before, after]} if before != after else {}
    )
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: Criterion, actor, version: int | None = None) -> None:
    """The criterion and the scores given on it; the candidates' totals are recomputed."""
    scorecard = criterion.scorecard
    _claim_version(Scorecard, scorecard.pk, version)
    label = f"{criterion.name} ×{criterion.weight}"
    criterion.delete()
    _criteria_changed(scorecard, actor, {_("criterion"): [label, None]})


@transaction.atomic
def criteria_save(*, scorecard: Scorecard, actor, rows: list[dict], version: int | None) -> None:
    """The whole list of criteria at once, in the order given (the edit page). Each row: ``id``
    (None for a new one), ``name``, ``guidance``, ``weight`` and ``delete``. New rows with no
    name are left out; deleted ones take their scores with them."""
    _claim_version(Scorecard, scorecard.pk, version)
    existing = {c.pk: c for c in Criterion.objects.filter(scorecard=scorecard)}
    keep, names, position = [], set(), 0
    removed = []
    for row in rows:
        pk = row.get("id")
        if pk is not None and pk not in existing:
            raise ValidationError(_("A criterion of another scorecard was sent. Reload the page."))
        if pk is not None and row.get("delete"):
            removed.append(existing[pk])
            continue
        if pk is None and not _text(row.get("name")):
            continue
        name = _text(row.get("name"))
        if name.casefold() in names:
            raise ValidationError(_("Two criteria are named “%(name)s”.") % {"name": name})
        names.add(name.casefold())
        keep.append((existing.get(pk), {**row, "position": position}))
        position += 1
    before = {c.pk: f"{c.name} ×{c.weight}" for c in existing.values()}
    # Removed first and renamed out of the way, so names can move between rows.
    for c in removed:
        c.delete()
    for criterion, _row in keep:
        if criterion is not None:
            Criterion.objects.filter(pk=criterion.pk).update(name=f"\x7f{criterion.pk}")
    after = {}
    for criterion, row in keep:
        target = criterion or Criterion(workspace=scorecard.workspace, scorecard=scorecard)
        if criterion is not None:
            target.name = ""
        _criterion_save(target, {"weight": 1, **row})
        after[target.pk] = f"{target.name} ×{target.weight}"
    changes = {}
    for pk in sorted(set(before) | set(after)):
        if before.get(pk) != after.get(pk):
            changes[f"{_('criterion')} {len(changes) + 1}"] = [before.get(pk), after.get(pk)]
    _criteria_changed(scorecard, actor, changes)


@transaction.atomic
def scorecard_save(
    *, scorecard: Scorecard, actor, data: dict, rows: list[dict], version: int | None
) -> Scorecard:
    """The edit page: the scorecard's fields and its whole list of criteria, all or nothing."""
    scorecard = scorecard_update(scorecard=scorecard, actor=actor, data=data, version=version)
    criteria_save(scorecard=scorecard, actor=actor, rows=rows, version=scorecard.version)
    scorecard.refresh_from_db()
    return scorecard


# --- candidates -----------------------------------------------------------------------------


def _check_candidate(scorecard: Scorecard, organisation, person, exclude_pk=None) -> None:
    if (organisation is None) == (person is None):
        raise ValidationError(_("Choose an organisation or a person to score."))
    if organisation is not None and organisation.workspace_id != scorecard.workspace_id:
        raise ValidationError({"organisation": _("Choose an organisation of this workspace.")})
    if person is not None and person.workspace_id != scorecard.workspace_id:
        raise ValidationError({"person": _("Choose a person of this workspace.")})
    taken = Assessment.objects.filter(scorecard=scorecard)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if organisation is not None and taken.filter(organisation=organisation).exists():
        raise ValidationError(
            {
                "organisation": _("%(name)s is already a candidate on this scorecard.")
                % {"name": organisation.name}
            }
        )
    if person is not None and taken.filter(person=person).exists():
        raise ValidationError(
            {
                "person": _("%(name)s is already a candidate on this scorecard.")
                % {"name": person.full_name}
            }
        )


def _apply_scores(assessment: Assessment, scores: Mapping[int, ScoreIn]) -> dict[str, list]:
    """Write the scores given; returns the changes for the history."""
    scorecard = assessment.scorecard
    criteria = {c.pk: c for c in Criterion.objects.filter(scorecard=scorecard)}
    current = {s.criterion_id: s for s in Score.objects.filter(assessment=assessment)}
    changes: dict[str, list] = {}
    for criterion_id, given in scores.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise ValidationError(
                {
                    "scores": _("Unknown criterion for this scorecard: %(id)s.")
                    % {"id": criterion_id}
                }
            )
        value = given.value
        note = _text(given.note)
        old = current.get(criterion_id)
        if value is None:
            if old is not None:
                changes[criterion.name] = [str(old.value), None]
                old.delete()
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (scorecard.min_score <= value <= MAX_SCORE)
        ):
            raise ValidationError(
                {
                    "scores": _(
                        "“%(criterion)s”: a score must be a whole number from %(min)s to %(max)s."
                    )
                    % {"criterion": criterion.name, "min": scorecard.min_score, "max": MAX_SCORE}
                }
            )
        if old is not None and old.value == value and old.note == note:
            continue
        old_value = None if old is None else str(old.value)
        score = old or Score(
            workspace=assessment.workspace, assessment=assessment, criterion=criterion
        )
        score.value, score.note = value, note
        score.full_clean(
            exclude=["workspace", "assessment", "criterion"], validate_constraints=False
        )
        score.save()
        if old_value != str(value):
            changes[criterion.name] = [old_value, str(value)]
        elif score.note:
            changes[criterion.name] = [old_value, f"{value} ({score.note[:100]})"]
    return changes


@transaction.atomic
def assessment_create(
    *,
    scorecard: Scorecard,
    actor,
    organisation: Organisation | None = None,
    person: Person | None = None,
    scores: Mapping[int, ScoreIn] | None = None,
    note: str = "",
    shortlisted: bool = False,
) -> Assessment:
    """Add a candidate to a scorecard, scored on some or all of its criteria."""
    _check_candidate(scorecard, organisation, person)
    assessment = Assessment(
        workspace=scorecard.workspace,
        scorecard=scorecard,
        organisation=organisation,
        person=person,
        note=_text(note),
        shortlisted=bool(shortlisted),
        assessed_by=_user(actor),
        assessed_at=timezone.now() if scores else None,
    )
    assessment.full_clean(
        exclude=["workspace", "scorecard", "organisation", "person", "assessed_by"],
        validate_constraints=False,
    )
    assessment.save()
    changes = _apply_scores(assessment, scores or {})
    _recompute(scorecard, [assessment.pk])
    assessment.refresh_from_db()
    _record(assessment, actor, changes, Action.CREATE)
    return assessment


@transaction.atomic
def assessment_score(
    *,
    assessment: Assessment,
    actor,
    scores: Mapping[int, ScoreIn],
    note: str | None = None,
    version: int | None = None,
) -> Assessment:
    """Change some of a candidate's scores (those given; ``value`` None takes one away) and
    the note. The one who scores last is the assessor."""
    _claim_version(Assessment, assessment.pk, version)
    assessment = Assessment.objects.select_related(
        "scorecard", "workspace", "organisation", "person"
    ).get(pk=assessment.pk)
    changes = _apply_scores(assessment, scores)
    if note is not None and _text(note) != assessment.note:
        changes[_("note")] = [assessment.note[:200] or None, _text(note)[:200] or None]
        assessment.note = _text(note)
    if changes:
        assessment.assessed_by = _user(actor)
        assessment.assessed_at = timezone.now()
    assessment.full_clean(
        exclude=["workspace", "scorecard", "organisation", "person", "assessed_by"],
        validate_constraints=False,
    )
    assessment.save(update_fields=["note", "assessed_by", "assessed_at", "updated_at"])
    _recompute(assessment.scorecard, [assessment.pk])
    assessment.refresh_from_db()
    _record(assessment, actor, changes)
    return assessment


@transaction.atomic
def assessment_delete(*, assessment: Assessment, actor) -> None:
    _record(assessment, actor, {}, Action.DELETE)
    assessment.delete()


@transaction.atomic
def assessment_shortlist(*, assessment: Assessment, actor, shortlisted: bool) -> Assessment:
    """Put a candidate on the shortlist or take them off it."""
    shortlisted = bool(shortlisted)
    if assessment.shortlisted != shortlisted:
        Assessment.objects.filter(pk=assessment.pk).update(
            shortlisted=shortlisted, updated_at=timezone.now()
        )
        _record(
            assessment,
            actor,
            {_("shortlisted"): [_("no"), _("yes")] if shortlisted else [_("yes"), _("no")]},
        )
        assessment.shortlisted = shortlisted
    return assessment


# --- the shortlist on a partnership ---------------------------------------------------------


@transaction.atomic
def shortlist_attach(*, scorecard: Scorecard, partnership, actor) -> ShortlistLink:
    """Show the scorecard's shortlist on the partnership's page, in its "before" phase."""
    if partnership.workspace_id != scorecard.workspace_id:
        raise ValidationError({"partnership": _("Choose a partnership of this workspace.")})
    if ShortlistLink.objects.filter(scorecard=scorecard, partnership=partnership).exists():
        raise ValidationError(
            {
                "partnership": _("This shortlist is already attached to “%(title)s”.")
                % {"title": partnership.title}
            }
        )
    link = ShortlistLink(
        workspace=scorecard.workspace,
        scorecard=scorecard,
        partnership=partnership,
        attached_by=_user(actor),
    )
    link.full_clean(exclude=["workspace", "scorecard", "partnership", "attached_by"])
    link.save()
    _record(scorecard, actor, {_("attached to"): [None, partnership.title]})
    return link


@transaction.atomic
def shortlist_detach(*, scorecard: Scorecard, partnership, actor) -> None:
    deleted, _rows = ShortlistLink.objects.filter(
        scorecard=scorecard, partnership=partnership
    ).delete()
    if deleted:
        _record(scorecard, actor, {_("attached to"): [partnership.title, None]})
