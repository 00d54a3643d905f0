"""Partner recommendations: for a new project idea — a theme, wanted countries and organisation
types, the coordinating organisation — rank the organisations the workspace knows, with the
reasons in words.

What a candidate's score is made of (weights in WEIGHTS, chosen on a validation split inside
the history part of the CORDIS data only, see bench/recommend):
- a two-round walk from the coordinator through its projects to their members and on
  (resource allocation on the organisation–project graph): repeat partners first, then their
  partners; a project shares its weight among its members, so a 100-member consortium says
  less about each than a project of four, and projects in the theme carry more;
- theme experience: its projects in the theme (programme part or topic code such as "SC5", or
  the words of titles and objectives);
- activity: how many projects it took part in at all;
- worked with us, or with our partners; wanted country and type; a type that complements the
  coordinator's; how it was evaluated and how it answers (relationship health).

Only what was known before `start_year` counts (projects starting that year or later are left
out), so the same code answers "who would have been right for this 2020 project" honestly.

The index (sparse organisation × project matrices) is built once per workspace and kept until
the workspace's network changes (graph.changed); a query then takes a few milliseconds.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from scipy import sparse

WEIGHTS = {
    "walk": 3.0,  # the walk from the coordinator (repeat partners and their partners)
    "walk_theme": 3.0,  # how much more a project in the theme carries the walk
    "walk_far": 0.5,  # the second round of the walk, against the first
    "direct": 0.0,  # repeat partners counted apart (the walk already has them)
    "adamic_adar": 0.0,
    "theme": 0.3,
    "activity": 0.05,
    "us": 1.0,
    "our_partners": 0.5,
    "country": 0.1,
    "type": 0.6,
    "complement": 0.15,
    "evaluation": 0.3,
    "health": 0.3,
}
NO_YEAR = 10**4
WORD = re.compile(r"[\w-]+", re.UNICODE)
STOP = {
    "and", "the", "for", "with", "from", "into", "of", "in", "on", "to", "a", "an", "by",
    "и", "на", "за", "в", "с", "от", "по", "към", "при", "или",
}  # fmt: skip


def words(text: str) -> set[str]:
    return {w for w in WORD.findall((text or "").lower()) if len(w) >= 2 and w not in STOP}


@dataclass
class Candidate:
    organisation_id: int
    pic: str
    score: float
    reasons: list[str] = field(default_factory=list)
    name: str = ""


class Index:
    """Who took part in what, when, for one workspace."""

    def __init__(self, workspace):
        from svrazka.contacts.models import Organisation
        from svrazka.partnerships.models import (
            Evaluation,
            JointProject,
            PartnershipPartner,
            ProjectParticipant,
        )
        from svrazka.touchpoints.models import Health

        self.built_at = time.monotonic()
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
        self.by_pic = {p: i for i, p in enumerate(self.pics) if p}
        n = len(org_rows)

        projects = list(
            JointProject.objects.filter(workspace=ws, partnership__isnull=True)
            .order_by("id")
            .values_list("id", "start_date", "topics", "title", "acronym", "objective")
        )
        col_of = {pk: j for j, (pk, *_rest) in enumerate(projects)}
        self.years = np.array(
            [start.year if start else NO_YEAR for _pk, start, *_r in projects], dtype=np.int32
        )
        # The theme index: a topic code or a word → the projects that have it.
        self.topic_index: dict[str, list[int]] = {}
        self.word_index: dict[str, list[int]] = {}
        for j, (_pk, _start, topics, title, acronym, objective) in enumerate(projects):
            for code in {t.strip().lower() for t in (topics or "").split(";") if t.strip()}:
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
        self.incidence = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, len(projects))
        )
        self.incidence.sum_duplicates()
        self.incidence.data[:] = 1.0

        # Our own partnerships: who worked with us, and who our partners are.
        self.with_us = np.zeros(n, dtype=bool)
        for org in PartnershipPartner.objects.filter(workspace=ws).values_list(
            "organisation_id", flat=True
        ):
            if (i := self.row_of.get(org)) is not None:
                self.with_us[i] = True
        self.evaluation = np.full(n, np.nan)
        sums: dict[int, list[float]] = {}
        for org, ratings in Evaluation.objects.filter(workspace=ws).values_list(
            "organisation_id", "ratings"
        ):
            values = [v for v in (ratings or {}).values() if isinstance(v, int | float)]
            if values and (i := self.row_of.get(org)) is not None:
                sums.setdefault(i, []).append(sum(values) / len(values))
        for i, values in sums.items():
            self.evaluation[i] = sum(values) / len(values)
        self.health = np.full(n, np.nan)
        for org, score in Health.objects.filter(
            workspace=ws, subject="organisation", score__isnull=False
        ).values_list("object_id", "score"):
            if (i := self.row_of.get(org)) is not None:
                self.health[i] = score
        self._by_year: dict[int, tuple] = {}
        self._themes: dict[tuple, np.ndarray] = {}
        self._lock = threading.Lock()

    def find(self, organisation) -> int | None:
        return self.row_of.get(organisation.pk) if organisation is not None else None

    def known_before(self, year: int | None):
        """The incidence of projects starting before `year`, the co-participation counts
        between organisations, and each one's number of partners."""
        key = year or NO_YEAR + 1
        with self._lock:
            held = self._by_year.get(key)
        if held is not None:
            return held
        keep = (self.years < key).astype(np.float32)
        inc = (self.incidence @ sparse.diags(keep)).tocsr()
        inc.eliminate_zeros()
        co = (inc @ inc.T).tocsr()
        co.setdiag(0)
        co.eliminate_zeros()
        partners = np.diff(co.indptr)
        activity = np.asarray(inc.sum(axis=1)).ravel()
        held = (inc, co, partners, activity)
        with self._lock:
            self._by_year[key] = held
        return held

    def theme_projects(self, theme: str) -> np.ndarray:
        """A 0..1 weight per project: 1 when a topic code matches, else the share of the
        theme's words in its title and objective."""
        key = theme.strip().lower()
        with self._lock:
            held = self._themes.get(key)
        if held is not None:
            return held
        weight = np.zeros(self.incidence.shape[1], dtype=np.float32)
        codes = {t.strip().lower() for t in re.split(r"[;,]", theme) if t.strip()}
        codes |= {t.lower() for t in theme.split()}
        for code in codes:
            if code in self.topic_index:
                weight[self.topic_index[code]] = 1.0
        theme_words = words(theme)
        if theme_words:
            share = np.zeros_like(weight)
            for w in theme_words:
                if w in self.word_index:
                    share[self.word_index[w]] += 1.0 / len(theme_words)
            weight = np.maximum(weight, share)
        with self._lock:
            if len(self._themes) > 500:
                self._themes.clear()
            self._themes[key] = weight
        return weight


_indexes: dict[int, tuple[int, Index]] = {}
_lock = threading.Lock()
MAX_AGE = 600


def index_for(workspace) -> Index:
    from svrazka.network.graph import _generation_key

    generation = cache.get(_generation_key(workspace.pk), 0)
    with _lock:
        held = _indexes.get(workspace.pk)
    if held and held[0] == generation and time.monotonic() - held[1].built_at < MAX_AGE:
        return held[1]
    index = Index(workspace)
    with _lock:
        _indexes[workspace.pk] = (generation, index)
    return index


def forget_all() -> None:
    with _lock:
        _indexes.clear()


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
) -> list[Candidate]:
    """The best candidates first (at most `limit`), never the coordinator."""
    w = {**WEIGHTS, **(weights or {})}
    index = index_for(workspace)
    n = len(index.org_ids)
    if n == 0:
        return []
    inc, co, partners, activity = index.known_before(start_year)
    c = index.find(coordinator)
    score = w["activity"] * np.log1p(activity)

    direct = np.zeros(n)
    aa = np.zeros(n)
    if c is not None:
        row = co.getrow(c)
        direct[row.indices] = row.data
        if len(row.indices):
            # Adamic-Adar over the co-participation graph from the coordinator.
            via = row.indices
            strength = 1.0 / np.log(np.maximum(partners[via], 2))
            binary = co[via].copy()
            binary.data[:] = 1.0
            aa = np.asarray(binary.T @ strength).ravel()
            aa[c] = 0.0
    score += w["direct"] * np.log1p(direct) + w["adamic_adar"] * aa

    theme_weight = index.theme_projects(theme) if theme.strip() else None
    if c is not None and w.get("walk"):
        # A walk from the coordinator through projects (those in the theme count more) to
        # their members, and once more: resource allocation on the bipartite graph.
        size = np.asarray(inc.sum(axis=0)).ravel()
        spread = 1.0 / np.maximum(size - 1, 1)
        boost = 1.0 + (w.get("walk_theme", 1.0) * theme_weight if theme_weight is not None else 0)
        p1 = np.asarray(inc.getrow(c).todense()).ravel() * boost
        o1 = inc @ (p1 * spread)
        o1[c] = 0.0
        degree = np.maximum(activity, 1)
        p2 = inc.T @ (o1 / degree)
        o2 = inc @ (p2 * boost * spread)
        o2[c] = 0.0
        walk = o1 + w.get("walk_far", 0.3) * o2
        top_walk = walk.max()
        if top_walk > 0:
            score += w["walk"] * walk / top_walk

    theme_count = np.zeros(n)
    if theme_weight is not None:
        theme_count = inc @ theme_weight.astype(np.float64)
        score += w["theme"] * np.log1p(theme_count)

    with_partners = np.zeros(n)
    if index.with_us.any():
        score += w["us"] * index.with_us
        ours = np.nonzero(index.with_us)[0]
        with_partners = np.asarray(co[ours].sum(axis=0)).ravel()
        score += w["our_partners"] * np.log1p(with_partners)

    wanted_country = np.zeros(n, dtype=bool)
    if countries:
        wanted_country = np.isin(index.countries, list(countries))
        score += w["country"] * wanted_country
    wanted_type = np.zeros(n, dtype=bool)
    if organisation_types:
        wanted_type = np.isin(index.kinds, list(organisation_types))
        score += w["type"] * wanted_type
    complement = np.zeros(n, dtype=bool)
    if c is not None and index.kinds[c]:
        complement = (index.kinds != index.kinds[c]) & (index.kinds != "")
        score += w["complement"] * complement
    rated = ~np.isnan(index.evaluation)
    score[rated] += w["evaluation"] * (index.evaluation[rated] - 3.0)
    healthy = ~np.isnan(index.health)
    score[healthy] += w["health"] * (index.health[healthy] - 50.0) / 50.0

    # Only organisations with some record count as candidates.
    evidence = (activity > 0) | index.with_us | rated | healthy
    score = np.where(evidence, score, -np.inf)
    if c is not None:
        score[c] = -np.inf
    finite = np.count_nonzero(np.isfinite(score))
    top_n = min(limit, finite)
    if top_n <= 0:
        return []
    top = np.argpartition(-score, top_n - 1)[:top_n]
    top = top[np.lexsort((index.org_ids[top], -score[top]))]
    out = [
        Candidate(
            organisation_id=int(index.org_ids[i]),
            pic=index.pics[i],
            score=float(score[i]),
        )
        for i in top.tolist()
    ]
    if reasons:
        facts = {
            "direct": direct,
            "aa": aa,
            "theme": theme_count,
            "with_partners": with_partners,
            "country": wanted_country,
            "type": wanted_type,
            "complement": complement,
            "activity": activity,
        }
        _explain(workspace, index, out, top, facts, c)
    return out


def _explain(workspace, index, out, rows, facts, c) -> None:
    from svrazka.contacts.models import Organisation, OrganisationType

    types = dict(OrganisationType.choices)
    names = dict(
        Organisation.objects.filter(
            workspace=workspace, pk__in=[x.organisation_id for x in out]
        ).values_list("id", "name")
    )
    coordinator_type = str(types.get(index.kinds[c], "")) if c is not None else ""
    for cand, i in zip(out, rows.tolist(), strict=True):
        cand.name = names.get(cand.organisation_id, "")
        r = cand.reasons
        if index.with_us[i]:
            r.append(_("Worked with us before."))
        if facts["direct"][i]:
            n = int(facts["direct"][i])
            r.append(
                ngettext(
                    "Worked with the coordinator on %(n)s project.",
                    "Worked with the coordinator on %(n)s projects.",
                    n,
                )
                % {"n": n}
            )
        if facts["with_partners"][i]:
            n = int(facts["with_partners"][i])
            r.append(
                ngettext(
                    "Worked with our partners on %(n)s project.",
                    "Worked with our partners on %(n)s projects.",
                    n,
                )
                % {"n": n}
            )
        if facts["aa"][i] > 0 and not facts["direct"][i]:
            r.append(_("Worked with partners of the coordinator."))
        if facts["theme"][i] >= 0.5:
            n = max(1, int(round(facts["theme"][i])))
            r.append(
                ngettext("%(n)s project in this theme.", "%(n)s projects in this theme.", n)
                % {"n": n}
            )
        if facts["country"][i]:
            r.append(_("From a wanted country (%(country)s).") % {"country": index.countries[i]})
        if facts["type"][i]:
            r.append(
                _("A wanted type: %(type)s.") % {"type": types.get(index.kinds[i], index.kinds[i])}
            )
        elif facts["complement"][i] and coordinator_type:
            r.append(
                _("Complementary type: %(type)s next to a coordinator that is %(coordinator)s.")
                % {
                    "type": types.get(index.kinds[i], index.kinds[i]),
                    "coordinator": coordinator_type,
                }
            )
        if not math.isnan(index.evaluation[i]):
            r.append(_("Our evaluations: %(score).1f of 5.") % {"score": index.evaluation[i]})
        if not math.isnan(index.health[i]):
            r.append(
                _("Relationship health %(score)s of 100 (how they answer and keep in touch).")
                % {"score": int(index.health[i])}
            )
        if not r and facts["activity"][i]:
            n = int(facts["activity"][i])
            r.append(
                ngettext("%(n)s EU project in all.", "%(n)s EU projects in all.", n) % {"n": n}
            )
