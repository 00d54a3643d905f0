"""Partner recommendations: for a new project idea — a theme, wanted countries and organisation
types, the coordinating organisation — rank the organisations the workspace knows, with the
reasons in words.

A candidate's score is a weighted sum of features (`FEATURES`, weights in `WEIGHTS`, chosen on a
validation split inside the history part of the CORDIS data only: see bench/recommend):
- `walk`, `walk_far`: proximity to the coordinator on the co-participation graph, a two-round
  walk from the coordinator through its projects to their members and on (resource allocation
  on the organisation × project graph). A project shares its weight among its members, so a
  100-member consortium says less about each than a project of four; projects in the theme
  carry more, and older projects less (a half-life in years). The second round reaches
  the partners of partners, each divided by its own number of projects (a hub says little);
- `theme`, `theme_share`: theme experience — projects in the theme (a topic code or programme
  part such as "SC5", or the theme's words in titles and objectives, rarer words weighing more),
  and the share of its projects that are in the theme;
- `activity`, `recent`: how many projects it took part in at all, and lately;
- `us`, `our_partners`: worked with us, or in projects with our partners;
- `country`, `type`, `complement`: a wanted country or type; a type other than the
  coordinator's;
- `evaluation`, `health`: how we evaluated it, and how the relationship is (how they answer).

Only what was known before `start_year` counts (projects starting that year or later are left
out), so the same code answers "who would have been right for this 2020 project" honestly.

The index (sparse organisation × project matrices, the theme index) is built once per workspace
and kept while the workspace's fingerprint (counts, last ids and change times of what it is made
of, and the network generation of graph.changed) stays the same; a query then takes a few
milliseconds.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from scipy import sparse

FEATURES = (
    "walk", "walk_far", "theme", "theme_share", "activity", "recent", "us", "our_partners",
    "country", "type", "complement", "evaluation", "health",
)  # fmt: skip
WEIGHTS = {  # chosen on 2017–18 queries against history before 2017 (bench/recommend --tune)
    "walk": 3.0,
    "walk_far": 1.0,
    "theme": 0.3,
    "theme_share": 0.3,
    "activity": 0.05,
    "recent": 0.0,
    "us": 1.0,
    "our_partners": 0.3,
    "country": 0.3,
    "type": 0.6,
    "complement": 0.15,
    "evaluation": 0.3,
    "health": 0.3,
    # Not features: how the walk counts projects.
    "walk_theme": 6.0,  # how much more a project in the theme carries the walk
    "half_life": 6.0,  # years after which a project counts half in the walk
}
QUICK_REPLY_HOURS = 48
NO_YEAR = 10**4
MAX_AGE = 3600  # seconds; the fingerprint catches changes, this catches the rest
WORD = re.compile(r"[\w-]+", re.UNICODE)
STOP = {
    "and", "the", "for", "with", "from", "into", "of", "in", "on", "to", "a", "an", "by",
    "project", "projects",
    "и", "на", "за", "в", "с", "от", "по", "към", "при", "или", "проект",
}  # fmt: skip


def words(text: str) -> set[str]:
    return {w for w in WORD.findall((text or "").lower()) if len(w) >= 2 and w not in STOP}


def topic_codes(topics: str) -> set[str]:
    """A project's topic codes and their parts: "H2020-SC5-2018-1" also files under "sc5"."""
    codes = set()
    for code in (t.strip().lower() for t in re.split(r"[;,]", topics or "")):
        if code:
            codes.add(code)
            codes.update(p for p in code.split("-") if len(p) >= 2 and not p.isdigit())
    return codes


@dataclass
class Candidate:
    organisation_id: int
    pic: str
    score: float
    reasons: list[str] = field(default_factory=list)
    name: str = ""


class Index:
    """Who took part in what, when, for one workspace."""

    def __init__(self, workspace, fingerprint: tuple = ()):
        from svrazka.contacts.models import Organisation
        from svrazka.partnerships.models import (
            Evaluation,
            JointProject,
            PartnershipPartner,
            ProjectParticipant,
        )
        from svrazka.touchpoints.models import Health

        self.built_at = time.monotonic()
        self.fingerprint = fingerprint
        ws = workspace
        org_rows = list(
            Organisation.objects.filter(workspace=ws)
            .order_by("id")
            .values_list("id", "pic", "kind", "country")
        )
        self.org_ids = np.array([r[0] for r in org_rows], dtype=np.int64)
        self.pics = [r[1] or "" for r in org_rows]
        self.kinds = np.array([r[2] or "" for r in org_rows], dtype=object)
        self.countries = np.array([r[3] or "" for r in org_rows], dtype=object)
        self.row_of = {pk: i for i, pk in enumerate(self.org_ids.tolist())}
        n = len(org_rows)

        # Public projects (CORDIS) and our own partnerships' projects alike: who did what when.
        projects = list(
            JointProject.objects.filter(workspace=ws)
            .order_by("id")
            .values_list("id", "start_date", "topics", "title", "acronym", "objective")
        )
        col_of = {pk: j for j, (pk, *_rest) in enumerate(projects)}
        self.project_titles = [acronym or title for _pk, _s, _t, title, acronym, _o in projects]
        self.years = np.array(
            [start.year if start else NO_YEAR for _pk, start, *_r in projects], dtype=np.int32
        )
        # The theme index: a topic code (or a part of one) or a word → the projects having it.
        self.topic_index: dict[str, list[int]] = {}
        self.word_index: dict[str, list[int]] = {}
        for j, (_pk, _start, topics, title, acronym, objective) in enumerate(projects):
            for code in topic_codes(topics):
                self.topic_index.setdefault(code, []).append(j)
            for w in words(f"{title} {acronym} {(objective or '')[:2000]}"):
                self.word_index.setdefault(w, []).append(j)
        rows, cols = [], []
        for project, org in ProjectParticipant.objects.filter(workspace=ws).values_list(
            "project_id", "organisation_id"
        ):
            i, j = self.row_of.get(org), col_of.get(project)
            if i is not None and j is not None:
                rows.append(i)
                cols.append(j)
        # Our partnerships' projects link the partnership's partners.
        partners_of: dict[int, list[int]] = {}
        our_titles: dict[int, list[str]] = {}
        self.with_us = np.zeros(n, dtype=bool)
        for partnership, title, org in PartnershipPartner.objects.filter(workspace=ws).values_list(
            "partnership_id", "partnership__title", "organisation_id"
        ):
            if (i := self.row_of.get(org)) is not None:
                self.with_us[i] = True
                partners_of.setdefault(partnership, []).append(i)
                our_titles.setdefault(i, []).append(title)
        for pk, partnership in JointProject.objects.filter(
            workspace=ws, partnership__isnull=False
        ).values_list("id", "partnership_id"):
            for i in partners_of.get(partnership, ()):
                rows.append(i)
                cols.append(col_of[pk])
        self.our_titles = {i: sorted(set(t)) for i, t in our_titles.items()}
        self.incidence = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n, len(projects))
        )
        self.incidence.sum_duplicates()
        self.incidence.data[:] = 1.0
        self.incidence_t = self.incidence.T.tocsr()

        self.evaluation = np.full(n, np.nan)
        sums: dict[int, list[float]] = {}
        for org, ratings in Evaluation.objects.filter(workspace=ws).values_list(
            "organisation_id", "ratings"
        ):
            values = [
                v for v in (ratings or {}).values() if isinstance(v, int | float) and 1 <= v <= 5
            ]
            if values and (i := self.row_of.get(org)) is not None:
                sums.setdefault(i, []).append(sum(values) / len(values))
        for i, values in sums.items():
            self.evaluation[i] = sum(values) / len(values)
        self.health = np.full(n, np.nan)
        self.reply_hours = np.full(n, np.nan)
        for org, score, reply in Health.objects.filter(
            workspace=ws, subject="organisation"
        ).values_list("object_id", "score", "their_median_reply_hours"):
            if (i := self.row_of.get(org)) is not None:
                self.health[i] = np.nan if score is None else score
                self.reply_hours[i] = np.nan if reply is None else reply
        self._by_year: dict[int, tuple] = {}
        self._themes: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def find(self, organisation) -> int | None:
        return self.row_of.get(organisation.pk) if organisation is not None else None

    def known_before(self, year: int | None):
        """Of projects starting before `year`: the incidence, its transpose, each project's
        age in years and size, each organisation's number of projects and recent ones."""
        key = year or NO_YEAR + 1
        with self._lock:
            held = self._by_year.get(key)
        if held is not None:
            return held
        keep = self.years < key
        now = (year - 1) if year else min(date.today().year, int(self.years[keep].max(initial=0)))
        age = np.where(keep, np.clip(now - self.years, 0, None), np.inf).astype(np.float64)
        inc = (self.incidence @ sparse.diags(keep.astype(np.float64))).tocsr()
        inc.eliminate_zeros()
        inc_t = inc.T.tocsr()
        size = np.asarray(inc.sum(axis=0)).ravel()
        activity = np.asarray(inc.sum(axis=1)).ravel()
        recent = inc @ ((now - self.years < 3) & keep).astype(np.float64)
        held = (inc, inc_t, age, size, activity, recent)
        with self._lock:
            if len(self._by_year) > 50:
                self._by_year.clear()
            self._by_year[key] = held
        return held

    def theme_projects(self, theme: str) -> np.ndarray:
        """A 0..1 weight per project: 1 when a topic code matches, else the IDF-weighted share
        of the theme's words in its title and objective."""
        key = theme.strip().lower()
        with self._lock:
            held = self._themes.get(key)
        if held is not None:
            return held
        n_projects = self.incidence.shape[1]
        weight = np.zeros(n_projects, dtype=np.float64)
        for code in topic_codes(theme) | {t.lower() for t in theme.split()}:
            if code in self.topic_index:
                weight[self.topic_index[code]] = 1.0
        idf = {
            w: math.log((1 + n_projects) / (1 + len(self.word_index[w])))
            for w in words(theme)
            if w in self.word_index
        }
        total = sum(math.log(1 + n_projects) for _w in words(theme)) or 1.0
        if idf:
            share = np.zeros_like(weight)
            for w, value in idf.items():
                share[self.word_index[w]] += value / total
            weight = np.maximum(weight, np.minimum(share * 2.0, 1.0))
        with self._lock:
            if len(self._themes) > 500:
                self._themes.clear()
            self._themes[key] = weight
        return weight


_indexes: dict[int, Index] = {}
_lock = threading.Lock()


def fingerprint(workspace) -> tuple:
    """What the index is made of, cheaply: counts and last ids of projects, participants,
    partners, evaluations and health rows, the last change of an organisation, and the network
    generation that graph.changed bumps after each change through the models."""
    from django.core.cache import cache

    from svrazka.network.graph import _generation_key

    parts = []
    for table, last in (
        ("partnerships_projectparticipant", "MAX(id)"),
        ("partnerships_jointproject", "MAX(id)"),
        ("partnerships_partnershippartner", "MAX(id)"),
        ("partnerships_evaluation", "MAX(submitted_at)"),
        ("touchpoints_health", "MAX(computed_at)"),
        ("contacts_organisation", "MAX(updated_at)"),
    ):
        # As text: UNION branches must agree on types (PostgreSQL).
        parts.append(f"SELECT COUNT(*), CAST({last} AS TEXT) FROM {table} WHERE workspace_id = %s")
    sql = " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace.pk] * len(parts))
        rows = tuple(tuple(str(v) for v in row) for row in cursor.fetchall())
    return (cache.get(_generation_key(workspace.pk), 0), rows)


def index_for(workspace) -> Index:
    """The workspace's index, built again when what it is made of has changed."""
    now = fingerprint(workspace)
    with _lock:
        held = _indexes.get(workspace.pk)
    if held and held.fingerprint == now and time.monotonic() - held.built_at < MAX_AGE:
        return held
    index = Index(workspace, now)
    with _lock:
        _indexes[workspace.pk] = index
    return index


def forget_all() -> None:
    with _lock:
        _indexes.clear()


def features(
    index: Index,
    *,
    c: int | None,
    theme: str,
    countries=(),
    organisation_types=(),
    start_year: int | None = None,
    weights: dict | None = None,
) -> dict[str, np.ndarray]:
    """One array per feature, one value per organisation of the index."""
    n = len(index.org_ids)
    w = {**WEIGHTS, **(weights or {})}
    inc, inc_t, age, size, activity, recent = index.known_before(start_year)
    recency = 0.5 ** (age / w["half_life"])
    zero = np.zeros(n)
    f = dict.fromkeys(FEATURES, zero)
    f["activity"] = np.log1p(activity)
    f["recent"] = np.log1p(recent)
    theme_weight = index.theme_projects(theme) if theme.strip() else None
    if c is not None and inc.indptr[c + 1] > inc.indptr[c]:
        # The walk: the coordinator's projects (in the theme: more; older: less) share
        # their weight among their other members; then each of those shares what it got among
        # its own projects, and those among their members again.
        boost = recency * (
            1.0 + w["walk_theme"] * theme_weight if theme_weight is not None else 1.0
        )
        spread = 1.0 / np.maximum(size - 1, 1)
        start = np.zeros(inc.shape[1])
        mine = inc.indices[inc.indptr[c] : inc.indptr[c + 1]]
        start[mine] = 1.0
        o1 = inc @ (start * boost * spread)
        o1[c] = 0.0
        p2 = inc_t @ (o1 / np.maximum(activity, 1))
        p2[mine] = 0.0  # the coordinator's own projects were the first round
        o2 = inc @ (p2 * boost * spread)
        o2[c] = 0.0
        if (top := o1.max()) > 0:
            f["walk"] = o1 / top
        if (top := o2.max()) > 0:
            f["walk_far"] = o2 / top
    if theme_weight is not None and theme_weight.any():
        count = inc @ theme_weight
        f["theme"] = np.log1p(count)
        f["theme_share"] = count / np.maximum(activity, 1)
    if index.with_us.any():
        f["us"] = index.with_us.astype(np.float64)
        ours = index.with_us.astype(np.float64)
        with_ours = inc @ (inc_t @ ours) - ours * activity
        f["our_partners"] = np.log1p(np.maximum(with_ours, 0))
    if countries:
        f["country"] = np.isin(index.countries, list(countries)).astype(np.float64)
    if organisation_types:
        f["type"] = np.isin(index.kinds, list(organisation_types)).astype(np.float64)
    if c is not None and index.kinds[c]:
        f["complement"] = ((index.kinds != index.kinds[c]) & (index.kinds != "")).astype(np.float64)
    f["evaluation"] = np.nan_to_num(index.evaluation - 3.0)
    f["health"] = np.nan_to_num((index.health - 50.0) / 50.0)
    f["_known"] = (
        (activity > 0) | index.with_us | ~np.isnan(index.evaluation) | ~np.isnan(index.health)
    )
    return f


def recommend(
    workspace,
    *,
    coordinator=None,
    theme: str = "",
    countries=(),
    organisation_types=(),
    start_year: int | None = None,
    limit: int = 100,
    reasons: bool = True,
    weights: dict | None = None,
    index: Index | None = None,
) -> list[Candidate]:
    """The best candidates first (at most `limit`), never the coordinator. `index` pins one
    index for a batch of questions (the command); otherwise the workspace's current one."""
    w = {**WEIGHTS, **(weights or {})}
    index = index or index_for(workspace)
    if len(index.org_ids) == 0 or limit <= 0:
        return []
    c = index.find(coordinator)
    f = features(
        index,
        c=c,
        theme=theme or "",
        countries=countries,
        organisation_types=organisation_types,
        start_year=start_year,
        weights=w,
    )
    score = np.zeros(len(index.org_ids))
    for name in FEATURES:
        if w.get(name):
            score += w[name] * f[name]
    # Only organisations with some record count as candidates, never the coordinator.
    score = np.where(f["_known"], score, -np.inf)
    if coordinator is not None:
        score[index.org_ids == coordinator.pk] = -np.inf
    top_n = min(limit, int(np.count_nonzero(np.isfinite(score))))
    if top_n <= 0:
        return []
    top = np.argpartition(-score, top_n - 1)[:top_n]
    top = top[np.lexsort((index.org_ids[top], -score[top]))]
    out = [
        Candidate(organisation_id=int(index.org_ids[i]), pic=index.pics[i], score=float(score[i]))
        for i in top.tolist()
    ]
    if reasons:
        _explain(workspace, index, out, top, f, c, theme, start_year)
    return out


def _best_link(inc, rows: np.ndarray, via: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of `rows`: the organisation of `via` it shared most projects with, and how
    many (-1 and 0 when none)."""
    if len(via) == 0:
        return np.full(len(rows), -1), np.zeros(len(rows))
    shared = (inc[rows] @ inc[via].T).toarray()
    shared[rows[:, None] == via[None, :]] = 0  # not with itself
    best = shared.argmax(axis=1)
    count = shared[np.arange(len(rows)), best]
    return np.where(count > 0, via[best], -1), count


def _explain(workspace, index, out, rows, f, c, theme, start_year) -> None:
    from svrazka.contacts.models import Organisation, OrganisationType

    types = dict(OrganisationType.choices)
    inc, _inc_t, _r, _size, activity, _recent = index.known_before(start_year)
    # With the coordinator: shared projects; through whom a candidate is two steps away.
    if c is not None:
        direct = np.asarray((inc[rows] @ inc[c].T).todense()).ravel()
        partners = np.asarray((inc @ inc[c].T).todense()).ravel()
        partners[c] = 0
        via_c, _n = _best_link(inc, rows, np.nonzero(partners)[0])
    else:
        direct, via_c = np.zeros(len(rows)), np.full(len(rows), -1)
    ours = np.nonzero(index.with_us)[0]
    via_ours, with_ours = _best_link(inc, rows, ours)
    theme_weight = index.theme_projects(theme) if theme.strip() else None
    theme_count = inc[rows] @ theme_weight if theme_weight is not None else np.zeros(len(rows))
    names_of = set(via_c.tolist()) | set(via_ours.tolist()) | set(rows.tolist())
    names = dict(
        Organisation.objects.filter(
            workspace=workspace, pk__in=[int(index.org_ids[i]) for i in names_of if i >= 0]
        ).values_list("id", "name")
    )

    def name(i: int) -> str:
        return names.get(int(index.org_ids[i]), "") or index.pics[i]

    coordinator_type = str(types.get(index.kinds[c], "")) if c is not None else ""
    for k, (cand, i) in enumerate(zip(out, rows.tolist(), strict=True)):
        cand.name = names.get(cand.organisation_id, "")
        r = cand.reasons
        if index.with_us[i]:
            titles = index.our_titles.get(i, [])
            if titles:
                r.append(_("Worked with us on %(what)s.") % {"what": "; ".join(titles[:3])})
            else:
                r.append(_("Worked with us before."))
        if direct[k]:
            n = int(direct[k])
            r.append(
                ngettext(
                    "Worked with the coordinator on %(n)s project.",
                    "Worked with the coordinator on %(n)s projects.",
                    n,
                )
                % {"n": n}
            )
        elif via_c[k] >= 0:
            r.append(
                _("Two steps from the coordinator, through %(name)s.") % {"name": name(via_c[k])}
            )
        if via_ours[k] >= 0 and via_ours[k] != i:
            r.append(_("Worked with our partner %(name)s before.") % {"name": name(via_ours[k])})
        if theme_count[k] >= 0.5:
            n = max(1, int(round(theme_count[k])))
            r.append(
                ngettext("%(n)s project in this theme.", "%(n)s projects in this theme.", n)
                % {"n": n}
            )
        if f["country"][i]:
            r.append(_("From a wanted country (%(country)s).") % {"country": index.countries[i]})
        if f["type"][i]:
            r.append(
                _("A wanted type: %(type)s.") % {"type": types.get(index.kinds[i], index.kinds[i])}
            )
        elif f["complement"][i] and coordinator_type:
            r.append(
                _("Complementary type: %(type)s next to a coordinator that is %(coordinator)s.")
                % {
                    "type": types.get(index.kinds[i], index.kinds[i]),
                    "coordinator": coordinator_type,
                }
            )
        hours = index.reply_hours[i]
        if not math.isnan(hours) and hours <= QUICK_REPLY_HOURS:
            r.append(
                _("Answers quickly: usually within %(hours)s hours.")
                % {"hours": max(1, int(round(hours)))}
            )
        score = index.evaluation[i]
        if not math.isnan(score):
            if score >= 4:
                r.append(_("Good evaluations (%(score).1f/5).") % {"score": score})
            else:
                r.append(_("Our evaluations: %(score).1f of 5.") % {"score": score})
        if not math.isnan(index.health[i]):
            r.append(
                _("Relationship health %(score)s of 100 (how they answer and keep in touch).")
                % {"score": int(index.health[i])}
            )
        if not r and activity[i]:
            n = int(activity[i])
            r.append(
                ngettext("%(n)s EU project in all.", "%(n)s EU projects in all.", n) % {"n": n}
            )
