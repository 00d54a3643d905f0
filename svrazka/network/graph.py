"""The network of a workspace as a graph: people and organisations as nodes, weighted ties as
edges, and the questions asked of it (a node's neighbourhood, an overview, warm introductions).

A node is named "p<id>" (a person), "o<id>" (an organisation) or "w" (us: the workspace's own
team). Edges come from
- affiliations (a person works or worked at an organisation),
- relationships (typed, dated, with a strength 1–5),
- partnerships (we and each partner; the partners among themselves; their liaisons),
- joint projects, ours and CORDIS ones (co-participation),
- interactions (we and whom we talked to, weighted by how recently).

The whole history is read once per workspace into numpy arrays (`_History`); the network at a
date (`Network`) is derived from it by masks, so the time slider does not go back to the
database. A network of 100,000 nodes and 1,000,000 edges answers a neighbourhood in tens of
milliseconds and a warm path in a few (bench/network). Networks are cached per process and
rebuilt when the workspace's data changed (signals bump a generation, see `changed`) or after
`MAX_AGE` seconds.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

US = 0  # index of "w" in every network
NEVER = 10**7  # an ordinal after every date
MAX_AGE = 300  # seconds a cached history may be used without checking again
BIG_PROJECT = 30  # above this many participants a project ties each to its coordinator only
INTERACTION_HALF_LIFE_DAYS = 120
MAX_EDGES_SHOWN = 25000

# Edge kinds (codes in the arrays; names in JSON)
AFFILIATION, RELATIONSHIP, PARTNERSHIP, PROJECT, INTERACTION, EVENT = range(6)
KIND_NAMES = ["affiliation", "relationship", "partnership", "project", "interaction", "event"]
BIG_EVENT = 30  # above this many present, being at the same event says little


class UnknownNode(LookupError):
    """The node named is not in this workspace's network."""

    def __init__(self, node: str):
        self.node = node
        super().__init__(
            _("“%(node)s” is not a person or organisation of this network.") % {"node": node}
        )


@dataclass
class Filters:
    """Which nodes to show. Empty sets mean "all"; the sets are combined with AND."""

    kinds: set[str] = field(default_factory=set)  # "person" / "organisation"
    organisation_types: set[str] = field(default_factory=set)
    causes: set[int] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    tags: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(
            self.kinds or self.organisation_types or self.causes or self.countries or self.tags
        )

    def mask(self, h: _History) -> np.ndarray:
        keep = np.ones(h.n, dtype=bool)
        if self.kinds:
            allowed = np.zeros(3, dtype=bool)
            allowed[1] = "person" in self.kinds
            allowed[2] = "organisation" in self.kinds
            keep &= allowed[h.node_kind]
        if self.organisation_types:
            codes = [h.type_codes[t] for t in self.organisation_types if t in h.type_codes]
            keep &= np.isin(h.node_type, codes) & (h.node_kind == 2)
        if self.countries:
            codes = [h.country_codes[c] for c in self.countries if c in h.country_codes]
            keep &= np.isin(h.node_country, codes)
        for wanted, index in ((self.causes, h.causes), (self.tags, h.tags)):
            if wanted:
                has = np.zeros(h.n, dtype=bool)
                for key in wanted:
                    if key in index:
                        has[index[key]] = True
                keep &= has
        keep[US] = True
        return keep


# ---------------------------------------------------------------------------------------------
# The history: every node and every dated edge of a workspace, as arrays


class _History:
    """Everything the networks of one workspace at any date are made of."""

    def __init__(self, workspace):
        self.workspace_id = workspace.pk
        self.workspace_name = workspace.name
        self.built_at = time.monotonic()
        self.node_ids: list[str] = ["w"]
        self.labels: list[str] = [workspace.name]
        self.index: dict[str, int] = {"w": US}
        self._load_nodes(workspace)
        self.edge_labels: list[str] = [""]
        self._label_index: dict[str, int] = {"": 0}
        self._load_edges(workspace)
        self._load_extras(workspace)

    # nodes -----------------------------------------------------------------------------------
    def _load_nodes(self, ws) -> None:
        from svrazka.contacts.models import Organisation, Person

        kinds, types, countries = [0], [0], [0]
        self.type_names = [""]
        self.type_codes = {"": 0}
        self.country_names = [""]
        self.country_codes = {"": 0}

        def code(value, names, codes):
            c = codes.get(value)
            if c is None:
                c = codes[value] = len(names)
                names.append(value)
            return c

        for pk, name, kind, country in (
            Organisation.objects.filter(workspace=ws)
            .order_by("id")
            .values_list("id", "name", "kind", "country")
            .iterator(chunk_size=20000)
        ):
            node = f"o{pk}"
            self.index[node] = len(self.node_ids)
            self.node_ids.append(node)
            self.labels.append(name)
            kinds.append(2)
            types.append(code(kind or "", self.type_names, self.type_codes))
            countries.append(code(country or "", self.country_names, self.country_codes))
        for pk, given, family, country in (
            Person.objects.filter(workspace=ws)
            .order_by("id")
            .values_list("id", "given_name", "family_name", "country")
            .iterator(chunk_size=20000)
        ):
            node = f"p{pk}"
            self.index[node] = len(self.node_ids)
            self.node_ids.append(node)
            self.labels.append(f"{given} {family}".strip())
            kinds.append(1)
            types.append(0)
            countries.append(code(country or "", self.country_names, self.country_codes))
        self.n = len(self.node_ids)
        self.node_kind = np.array(kinds, dtype=np.int8)  # 0 us, 1 person, 2 organisation
        self.node_type = np.array(types, dtype=np.int16)
        self.node_country = np.array(countries, dtype=np.int16)

    def _label(self, text: str) -> int:
        c = self._label_index.get(text)
        if c is None:
            c = self._label_index[text] = len(self.edge_labels)
            self.edge_labels.append(text)
        return c

    # edges -----------------------------------------------------------------------------------
    def _load_edges(self, ws) -> None:
        from svrazka.contacts.models import Affiliation
        from svrazka.network.models import Relationship
        from svrazka.partnerships.models import JointProject, PartnershipPartner, ProjectParticipant
        from svrazka.touchpoints.models import InteractionOrganisation, InteractionPerson

        ix = self.index
        cols: dict[str, list] = {k: [] for k in ("a", "b", "kind", "w", "start", "end", "after")}
        labels: list[int] = []

        def add(a, b, kind, weight, start, end, after, label):
            cols["a"].append(a)
            cols["b"].append(b)
            cols["kind"].append(kind)
            cols["w"].append(weight)
            cols["start"].append(start.toordinal() if start else 0)
            cols["end"].append(end.toordinal() if end else NEVER)
            cols["after"].append(after)
            labels.append(label)

        works_at = self._label(_("works at"))
        for person, org, start, end in (
            Affiliation.objects.filter(workspace=ws)
            .values_list("person_id", "organisation_id", "start_date", "end_date")
            .iterator(chunk_size=20000)
        ):
            a, b = ix.get(f"p{person}"), ix.get(f"o{org}")
            if a is not None and b is not None:
                # After it ended, a former colleague is still a weaker tie.
                add(a, b, AFFILIATION, 0.8, start, end, 0.35, works_at)

        from svrazka.network.models import RelationshipKind

        kind_labels = {k.value: self._label(str(k.label)) for k in RelationshipKind}
        for fp, fo, tp, to, kind, strength, start, end in (
            Relationship.objects.filter(workspace=ws)
            .values_list(
                "from_person_id",
                "from_organisation_id",
                "to_person_id",
                "to_organisation_id",
                "kind",
                "strength",
                "started_on",
                "ended_on",
            )
            .iterator(chunk_size=20000)
        ):
            a = ix.get(f"p{fp}" if fp else f"o{fo}")
            b = ix.get(f"p{tp}" if tp else f"o{to}")
            if a is not None and b is not None and a != b:
                add(a, b, RELATIONSHIP, strength / 5.0, start, end, 0.0, kind_labels.get(kind, 0))

        # Partnerships: we and each partner, the partners among themselves, their liaisons.
        by_partnership: dict[int, list] = {}
        for pid, title, org, liaison, joined, p_start, p_created, p_end, status, facilitator in (
            PartnershipPartner.objects.filter(workspace=ws)
            .values_list(
                "partnership_id",
                "partnership__title",
                "organisation_id",
                "liaison_id",
                "joined_on",
                "partnership__start_date",
                "partnership__created_at",
                "partnership__end_date",
                "partnership__status",
                "partnership__facilitator_id",
            )
            .iterator(chunk_size=20000)
        ):
            o = ix.get(f"o{org}")
            if o is None:
                continue
            start = joined or p_start or (p_created.date() if p_created else None)
            end = p_end
            label = self._label(_("partners in “%(title)s”") % {"title": title})
            closed = status in ("ended", "cancelled", "paused")
            add(US, o, PARTNERSHIP, 0.5 if closed else 0.9, start, end, 0.4, label)
            if liaison and (li := ix.get(f"p{liaison}")) is not None:
                add(li, o, AFFILIATION, 0.8, start, end, 0.5, self._label(_("liaison of")))
                add(US, li, PARTNERSHIP, 0.8, start, end, 0.4, label)
            if facilitator and (fa := ix.get(f"p{facilitator}")) is not None:
                add(US, fa, PARTNERSHIP, 0.7, start, end, 0.4, label)
            by_partnership.setdefault(pid, []).append((o, start, end, label))
        for members in by_partnership.values():
            for i in range(len(members)):
                for j in range(i + 1, len(members)):
                    a, sa, ea, label = members[i]
                    b, sb, eb, _l = members[j]
                    start = max(d for d in (sa, sb) if d) if (sa or sb) else None
                    add(a, b, PARTNERSHIP, 0.6, start, ea or eb, 0.5, label)

        # Joint projects (ours and CORDIS): co-participation.
        projects: dict[int, list] = {}
        project_info = {
            pk: (acronym or title, start, end)
            for pk, acronym, title, start, end in JointProject.objects.filter(
                workspace=ws
            ).values_list("id", "acronym", "title", "start_date", "end_date")
        }
        for project, org, role in (
            ProjectParticipant.objects.filter(workspace=ws)
            .values_list("project_id", "organisation_id", "role")
            .iterator(chunk_size=50000)
        ):
            o = ix.get(f"o{org}")
            if o is not None:
                projects.setdefault(project, []).append((o, role == "coordinator"))
        for project, members in projects.items():
            name, start, end = project_info.get(project, ("", None, None))
            label = self._label(_("in the project %(name)s") % {"name": name})
            nodes = [m for m, _c in members]
            if len(nodes) > BIG_PROJECT:
                hub = next((m for m, c in members if c), nodes[0])
                pairs = ((hub, m) for m in nodes if m != hub)
            else:
                pairs = (
                    (nodes[i], nodes[j])
                    for i in range(len(nodes))
                    for j in range(i + 1, len(nodes))
                )
            for a, b in pairs:
                add(a, b, PROJECT, 0.5, start, end, 0.7, label)

        # Events and meetings: those present together met each other.
        present: dict[int, list] = {}
        for model, prefix, column in (
            (InteractionPerson, "p", "person_id"),
            (InteractionOrganisation, "o", "organisation_id"),
        ):
            for interaction, pk, at, subject in (
                model.objects.filter(workspace=ws, interaction__channel__in=["event", "meeting"])
                .values_list("interaction_id", column, "occurred_at", "interaction__subject")
                .iterator(chunk_size=50000)
            ):
                i = ix.get(f"{prefix}{pk}")
                if i is not None:
                    present.setdefault(interaction, []).append((i, at, subject))
        for members in present.values():
            if not 2 <= len(members) <= BIG_EVENT:
                continue
            at, subject = members[0][1], members[0][2]
            label = self._label(
                _("met at “%(event)s”") % {"event": subject} if subject else _("met at an event")
            )
            nodes = sorted({m for m, _a, _s in members})
            for x in range(len(nodes)):
                for y in range(x + 1, len(nodes)):
                    add(nodes[x], nodes[y], EVENT, 0.4, at.date(), None, 1.0, label)

        self.a = np.array(cols["a"], dtype=np.int32)
        self.b = np.array(cols["b"], dtype=np.int32)
        self.kind = np.array(cols["kind"], dtype=np.int8)
        self.w = np.array(cols["w"], dtype=np.float32)
        self.start = np.array(cols["start"], dtype=np.int32)
        self.end = np.array(cols["end"], dtype=np.int32)
        self.after = np.array(cols["after"], dtype=np.float32)
        self.label = np.array(labels, dtype=np.int32)

        # Interactions: one row per person or organisation we were in touch with, per day.
        nodes, days = [], []
        for model, prefix, column in (
            (InteractionPerson, "p", "person_id"),
            (InteractionOrganisation, "o", "organisation_id"),
        ):
            for pk, at in (
                model.objects.filter(workspace=ws)
                .values_list(column, "occurred_at")
                .iterator(chunk_size=50000)
            ):
                i = ix.get(f"{prefix}{pk}")
                if i is not None:
                    nodes.append(i)
                    days.append(at.date().toordinal())
        self.touch_node = np.array(nodes, dtype=np.int32)
        self.touch_day = np.array(days, dtype=np.int32)

    def _load_extras(self, ws) -> None:
        """Causes and tags (for filters), health scores and the latest communities."""
        from svrazka.contacts.models import (
            OrganisationCause,
            OrganisationTag,
            PersonCause,
            PersonTag,
        )
        from svrazka.network.models import NodeMetric, Snapshot
        from svrazka.touchpoints.models import Health

        ix = self.index
        self.causes: dict[int, np.ndarray] = {}
        self.tags: dict[int, np.ndarray] = {}
        for model, target, prefix, column, key in (
            (OrganisationCause, self.causes, "o", "organisation_id", "cause_id"),
            (PersonCause, self.causes, "p", "person_id", "cause_id"),
            (OrganisationTag, self.tags, "o", "organisation_id", "tag_id"),
            (PersonTag, self.tags, "p", "person_id", "tag_id"),
        ):
            found: dict[int, list[int]] = {}
            for pk, k in model.objects.filter(workspace=ws).values_list(column, key):
                i = ix.get(f"{prefix}{pk}")
                if i is not None:
                    found.setdefault(k, []).append(i)
            for k, nodes in found.items():
                prev = target.get(k)
                arr = np.array(nodes, dtype=np.int32)
                target[k] = arr if prev is None else np.concatenate([prev, arr])

        self.health = np.full(self.n, -1, dtype=np.int16)
        for subject, pk, score in Health.objects.filter(
            workspace=ws, subject__in=["person", "organisation"], score__isnull=False
        ).values_list("subject", "object_id", "score"):
            i = ix.get(f"{subject[0]}{pk}")
            if i is not None:
                self.health[i] = score

        self.community = np.full(self.n, -1, dtype=np.int32)
        latest = (
            Snapshot.objects.filter(workspace=ws, status=Snapshot.Status.DONE)
            .order_by("-computed_at", "-id")
            .first()
        )
        if latest:
            for node, community in NodeMetric.objects.filter(
                workspace=ws, snapshot=latest
            ).values_list("node", "community"):
                i = ix.get(node)
                if i is not None:
                    self.community[i] = community

    # the network at a date ---------------------------------------------------------------
    def at(self, day: date) -> Network:
        t = day.toordinal()
        live = self.start <= t
        ended = self.end < t
        weight = np.where(ended, self.w * self.after, self.w)
        keep = live & (weight > 0) & (self.a != self.b)
        a, b = self.a[keep], self.b[keep]
        w, kind, label = weight[keep], self.kind[keep], self.label[keep]

        # We and whom we talked to: each interaction counts less the older it is.
        m = self.touch_day <= t
        if m.any():
            nodes = self.touch_node[m]
            age = (t - self.touch_day[m]).astype(np.float64)
            credit = np.exp(-age * math.log(2) / INTERACTION_HALF_LIFE_DAYS)
            total = np.bincount(nodes, weights=credit, minlength=self.n)
            last = np.zeros(self.n, dtype=np.int32)
            np.maximum.at(last, nodes, self.touch_day[m])
            talked = np.nonzero(total > 0.02)[0]
            talked = talked[talked != US]
            tw = (1.0 - np.exp(-total[talked])).astype(np.float32)
            a = np.concatenate([a, np.zeros(len(talked), dtype=np.int32)])
            b = np.concatenate([b, talked.astype(np.int32)])
            w = np.concatenate([w, tw])
            kind = np.concatenate([kind, np.full(len(talked), INTERACTION, dtype=np.int8)])
            label = np.concatenate([label, np.full(len(talked), -1, dtype=np.int32)])
            last_touch = last
        else:
            last_touch = np.zeros(self.n, dtype=np.int32)
        return Network(self, day, a, b, w, kind, label, last_touch)


# ---------------------------------------------------------------------------------------------
# The network at one date


class Network:
    """The undirected, weighted network at one date, in compressed sparse rows.

    Parallel ties between the same two nodes are merged: their strengths add up as independent
    chances (1 − Π(1 − w)), and the strongest one names the edge."""

    def __init__(self, history: _History, day, a, b, w, kind, label, last_touch):
        self.history = history
        self.as_of = day
        self.n = history.n
        self.last_touch = last_touch
        lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
        key = lo * self.n + hi
        order = np.lexsort((-w, key))
        key, w, kind, label = key[order], w[order], kind[order], label[order]
        flipped = (a > b)[order]  # the tie was stated from the higher index to the lower
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        starts = np.nonzero(first)[0]
        if len(key):
            logs = np.log1p(-np.minimum(w, 0.999).astype(np.float64))
            merged = 1.0 - np.exp(np.add.reduceat(logs, starts))
        else:
            merged = np.zeros(0)
        ukey = key[starts]
        self.src = (ukey // self.n).astype(np.int32)
        self.dst = (ukey % self.n).astype(np.int32)
        self.weight = merged.astype(np.float32)
        self.kind = kind[starts]
        self.label = label[starts]
        # Who the tie was stated from (relationships read one way: "mentor of").
        self.forward_src = np.where(flipped[starts], self.dst, self.src)
        self.m = len(ukey)
        # Both directions in CSR; `edge` names the undirected edge of each entry.
        rows = np.concatenate([self.src, self.dst])
        cols = np.concatenate([self.dst, self.src])
        edge = np.concatenate([np.arange(self.m), np.arange(self.m)]).astype(np.int32)
        order = np.argsort(rows, kind="stable")
        self.indices = cols[order]
        self.edge = edge[order]
        counts = np.bincount(rows, minlength=self.n)
        self.indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(counts, out=self.indptr[1:])
        self.degree = counts
        # The cost of walking an edge: 1 for the strongest tie, up to 4 for the weakest.
        self.cost = (1.0 / (0.25 + 0.75 * self.weight)).astype(np.float64)
        self._from_us = None
        self._lock = threading.Lock()

    # small helpers -----------------------------------------------------------------------
    def node_index(self, node: str) -> int:
        i = self.history.index.get(node)
        if i is None:
            raise UnknownNode(node)
        return i

    def _entries(self, rows: np.ndarray) -> np.ndarray:
        """Positions in `indices` of every entry of the given rows."""
        starts = self.indptr[rows]
        lens = self.indptr[rows + 1] - starts
        total = int(lens.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        offsets = np.repeat(starts - np.cumsum(lens) + lens, lens)
        return offsets + np.arange(total, dtype=np.int64)

    def node_json(self, i: int) -> dict:
        h = self.history
        kind = ("us", "person", "organisation")[h.node_kind[i]]
        health = int(h.health[i])
        community = int(h.community[i])
        return {
            "id": h.node_ids[i],
            "label": h.labels[i] if i != US else _("Us (%(name)s)") % {"name": h.workspace_name},
            "kind": kind,
            "type": h.type_names[h.node_type[i]],
            "country": h.country_names[h.node_country[i]],
            "community": community if community >= 0 else None,
            "health": health if health >= 0 else None,
            "size": 1,
            "degree": int(self.degree[i]),
        }

    def edge_label(self, e: int, reverse: bool = False) -> str:
        kind = int(self.kind[e])
        if kind == INTERACTION:
            day = int(self.last_touch[self.dst[e]] or self.last_touch[self.src[e]])
            if day:
                return _("in touch (last %(date)s)") % {"date": date.fromordinal(day).isoformat()}
            return _("in touch")
        text = self.history.edge_labels[int(self.label[e])]
        if kind == RELATIONSHIP and reverse:
            from svrazka.network.models import REVERSE, RelationshipKind

            for k in RelationshipKind:
                if str(k.label) == text:
                    return str(REVERSE.get(k, text))
        return text

    def edge_json(self, e: int) -> dict:
        source = int(self.forward_src[e])
        target = int(self.dst[e]) if source == int(self.src[e]) else int(self.src[e])
        return {
            "id": f"e{e}",
            "source": self.history.node_ids[source],
            "target": self.history.node_ids[target],
            "kind": KIND_NAMES[int(self.kind[e])],
            "label": self.edge_label(e),
            "weight": round(float(self.weight[e]), 3),
        }


@dataclass
class View:
    nodes: list[dict]
    edges: list[dict]
    aggregated: bool
    total_nodes: int
    total_edges: int
    message: str = ""
    as_of: date | None = None

    def as_json(self) -> dict:
        return {
            "nodes": self.nodes,
            "edges": self.edges,
            "aggregated": self.aggregated,
            "total_nodes": self.total_nodes,
            "total_edges": self.total_edges,
            "message": self.message,
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }


# ---------------------------------------------------------------------------------------------
# Cache


_histories: dict[int, tuple[int, _History]] = {}
_networks: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
KEEP_NETWORKS = 8


def _generation_key(workspace_id: int) -> str:
    return f"svrazka:network:generation:{workspace_id}"


def changed(workspace_id: int) -> None:
    """Say that a workspace's network data changed: the next query rebuilds its network."""
    key = _generation_key(workspace_id)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def _history(workspace) -> _History:
    generation = cache.get(_generation_key(workspace.pk), 0)
    with _cache_lock:
        held = _histories.get(workspace.pk)
    if (
        held
        and held[0] == generation
        and time.monotonic() - held[1].built_at < MAX_AGE
        and held[1].workspace_name == workspace.name
    ):
        return held[1]
    history = _History(workspace)
    with _cache_lock:
        _histories[workspace.pk] = (generation, history)
        for key in [k for k in _networks if k[0] == workspace.pk]:
            del _networks[key]
    return history


def network_for(workspace, *, as_of: date | None = None) -> Network:
    """The network of a workspace as it was on `as_of` (default today)."""
    day = as_of or date.today()
    history = _history(workspace)
    key = (workspace.pk, id(history), day)
    with _cache_lock:
        network = _networks.get(key)
        if network is not None:
            _networks.move_to_end(key)
            return network
    network = history.at(day)
    with _cache_lock:
        _networks[key] = network
        while len(_networks) > KEEP_NETWORKS:
            _networks.popitem(last=False)
    return network


def forget_all() -> None:
    """Drop every cached network (tests, and after bulk loads in the same process)."""
    with _cache_lock:
        _histories.clear()
        _networks.clear()


# ---------------------------------------------------------------------------------------------
# Views: a neighbourhood, an overview, aggregated when too big


def _within(network: Network, start: int, hops: int) -> np.ndarray:
    """Boolean mask of the nodes at most `hops` steps from `start`."""
    seen = np.zeros(network.n, dtype=bool)
    seen[start] = True
    frontier = np.array([start], dtype=np.int64)
    for _hop in range(hops):
        reached = network.indices[network._entries(frontier)]
        fresh = reached[~seen[reached]]
        if not len(fresh):
            break
        fresh = np.unique(fresh)
        seen[fresh] = True
        frontier = fresh.astype(np.int64)
    return seen


def focus(
    network: Network,
    node: str,
    *,
    hops: int = 1,
    filters: Filters | None = None,
    limit: int = 5000,
) -> View:
    """A node and everything within `hops` steps of it; too many to show become groups."""
    start = network.node_index(node)
    hops = max(1, min(int(hops), 6))
    selected = _within(network, start, hops)
    if filters:
        selected &= filters.mask(network.history)
        selected[start] = True
    return _view(network, selected, limit, focus_node=start)


def overview(network: Network, *, filters: Filters | None = None, limit: int = 5000) -> View:
    """The whole network (nodes with at least one tie, and us); groups when too many."""
    selected = network.degree > 0
    selected[US] = True
    if filters:
        selected &= filters.mask(network.history)
    return _view(network, selected, limit, focus_node=None)


def _view(network: Network, selected: np.ndarray, limit: int, focus_node: int | None) -> View:
    nodes = np.nonzero(selected)[0]
    inside = selected[network.src] & selected[network.dst]
    total_edges = int(inside.sum())
    if len(nodes) > limit:
        return _aggregate(network, selected, nodes, inside, focus_node)
    edges = np.nonzero(inside)[0]
    message = ""
    if len(edges) > MAX_EDGES_SHOWN:
        strongest = np.argpartition(-network.weight[edges], MAX_EDGES_SHOWN)[:MAX_EDGES_SHOWN]
        edges = np.sort(edges[strongest])
        message = _("Showing the %(shown)s strongest of %(total)s ties.") % {
            "shown": f"{MAX_EDGES_SHOWN:,}",
            "total": f"{total_edges:,}",
        }
    if len(nodes) <= 1 and focus_node is None and total_edges == 0:
        message = _(
            "The network is empty: add people, organisations, relationships or partnerships "
            "and they appear here."
        )
    return View(
        nodes=[network.node_json(int(i)) for i in nodes],
        edges=[network.edge_json(int(e)) for e in edges],
        aggregated=False,
        total_nodes=len(nodes),
        total_edges=total_edges,
        message=message,
        as_of=network.as_of,
    )


MAX_GROUPS = 150


def _aggregate(network, selected, nodes, inside, focus_node) -> View:
    h = network.history
    known = h.community[nodes] >= 0
    if known.mean() > 0.5:
        group_of = np.where(h.community >= 0, h.community + 1, 0).astype(np.int64)
        by = "community"
    else:
        group_of = (h.node_country.astype(np.int64) * 3) + h.node_kind
        by = "country"
    groups, sizes = np.unique(group_of[nodes], return_counts=True)
    others = -1
    if len(groups) > MAX_GROUPS:  # the smallest become one group "others"
        big = groups[np.argsort(-sizes)[: MAX_GROUPS - 1]]
        others = int(group_of.max()) + 1
        group_of = np.where(np.isin(group_of, big), group_of, others)
        groups, sizes = np.unique(group_of[nodes], return_counts=True)
    out_nodes = []
    for g, size in zip(groups.tolist(), sizes.tolist(), strict=True):
        if g == others:
            label = _("Others")
            community, country = None, ""
        elif by == "community":
            community = g - 1 if g > 0 else None
            label = (
                _("Community %(n)s") % {"n": g}
                if g > 0
                else _("Not yet in a community (take a metrics snapshot)")
            )
            country = ""
        else:
            country = h.country_names[g // 3]
            kind = ("", _("people"), _("organisations"))[g % 3]
            label = f"{country or _('no country')} · {kind}" if kind else _("Us")
            community = None
        out_nodes.append(
            {
                "id": f"g{g}",
                "label": label,
                "kind": "group",
                "type": "",
                "country": country,
                "community": community,
                "health": None,
                "size": int(size),
            }
        )
    edges_in = np.nonzero(inside)[0]
    ga, gb = group_of[network.src[edges_in]], group_of[network.dst[edges_in]]
    between = ga != gb
    lo = np.minimum(ga[between], gb[between])
    hi = np.maximum(ga[between], gb[between])
    pair = lo * (int(group_of.max()) + 1) + hi
    pairs, counts = np.unique(pair, return_counts=True)
    span = int(group_of.max()) + 1
    if len(pairs) > MAX_EDGES_SHOWN:
        top = np.argsort(-counts)[:MAX_EDGES_SHOWN]
        pairs, counts = pairs[top], counts[top]
    most = int(counts.max()) if len(counts) else 1
    out_edges = [
        {
            "id": f"g{int(p // span)}-{int(p % span)}",
            "source": f"g{int(p // span)}",
            "target": f"g{int(p % span)}",
            "kind": "group",
            "label": ngettext("%(n)s tie", "%(n)s ties", int(c)) % {"n": f"{int(c):,}"},
            "weight": round(int(c) / most, 3),
            "count": int(c),
        }
        for p, c in zip(pairs.tolist(), counts.tolist(), strict=True)
    ]
    if focus_node is not None:
        focus_json = network.node_json(focus_node)
        focus_json["group"] = f"g{int(group_of[focus_node])}"
        out_nodes.insert(0, focus_json)
    grouping = _("community") if by == "community" else _("country")
    message = _(
        "%(count)s people and organisations are too many to show one by one: they are "
        "grouped by %(grouping)s. Focus on one of them or add filters to see each."
    ) % {"count": f"{len(nodes):,}", "grouping": grouping}
    return View(
        nodes=out_nodes,
        edges=out_edges,
        aggregated=True,
        total_nodes=len(nodes),
        total_edges=int(len(edges_in)),
        message=message,
        as_of=network.as_of,
    )


# ---------------------------------------------------------------------------------------------
# Warm introductions


@dataclass
class WarmPath:
    network: Network
    path: list[int]
    edges: list[int]
    cost: float

    @property
    def ask(self) -> int:
        return self.path[1] if len(self.path) > 2 else self.path[-1]

    def as_json(self) -> dict:
        net, h = self.network, self.network.history
        steps = []
        for (u, v), e in zip(zip(self.path, self.path[1:], strict=False), self.edges, strict=True):
            steps.append(
                {
                    "source": h.node_ids[u],
                    "target": h.node_ids[v],
                    "kind": KIND_NAMES[int(net.kind[e])],
                    "label": net.edge_label(e, reverse=int(net.forward_src[e]) != u),
                    "strength": round(float(net.weight[e]), 3),
                }
            )
        ask = self.ask
        return {
            "nodes": [net.node_json(i) for i in self.path],
            "ask": {"id": h.node_ids[ask], "label": h.labels[ask]},
            "cost": round(self.cost, 3),
            "hops": len(self.path) - 1,
            "steps": steps,
            "summary": self.summary(),
        }

    def summary(self) -> str:
        net, h = self.network, self.network.history
        names = [h.labels[i] for i in self.path]
        target = names[-1]
        if len(self.path) == 2:
            return _("We already know %(target)s directly (%(how)s): no introduction needed.") % {
                "target": target,
                "how": net.edge_label(
                    self.edges[0], reverse=int(net.forward_src[self.edges[0]]) != US
                ),
            }
        ask = names[1]
        if len(self.path) == 3:
            return _("Ask %(ask)s, who %(how)s %(target)s, to introduce you.") % {
                "ask": ask,
                "how": net.edge_label(
                    self.edges[1], reverse=int(net.forward_src[self.edges[1]]) != self.path[1]
                ),
                "target": target,
            }
        return _("Ask %(ask)s to introduce you to %(target)s, through %(chain)s.") % {
            "ask": ask,
            "target": target,
            "chain": " → ".join(names[2:-1]),
        }


def _two_steps(network: Network, origin: int):
    """Cheapest cost from `origin` to every node in at most two steps, with the hop count,
    the node before the last step, and the edge of the last step."""
    n = network.n
    dist = np.full(n, np.inf)
    hops = np.full(n, 99, dtype=np.int8)
    prev = np.full(n, -1, dtype=np.int64)
    via = np.full(n, -1, dtype=np.int64)
    dist[origin] = 0.0
    hops[origin] = 0
    first = network._entries(np.array([origin], dtype=np.int64))
    nb = network.indices[first]
    e1 = network.edge[first]
    dist[nb] = network.cost[e1]
    hops[nb] = 1
    prev[nb] = origin
    via[nb] = e1
    if len(nb):
        entries = network._entries(nb.astype(np.int64))
        lens = network.indptr[nb + 1] - network.indptr[nb]
        from_node = np.repeat(nb, lens)
        to = network.indices[entries]
        e2 = network.edge[entries]
        cand = dist[from_node] + network.cost[e2]
        order = np.lexsort((cand, to))
        to, cand, from_node, e2 = to[order], cand[order], from_node[order], e2[order]
        best = np.ones(len(to), dtype=bool)
        best[1:] = to[1:] != to[:-1]
        to, cand, from_node, e2 = to[best], cand[best], from_node[best], e2[best]
        better = cand < dist[to]
        to, cand, from_node, e2 = to[better], cand[better], from_node[better], e2[better]
        dist[to] = cand
        hops[to] = 2
        prev[to] = from_node
        via[to] = e2
    return dist, hops, prev, via


def _walk(origin_prev, origin_via, node) -> tuple[list[int], list[int]]:
    """The nodes and edges from the origin to `node`, origin first."""
    nodes, edges = [node], []
    while origin_prev[nodes[-1]] >= 0:
        edges.append(int(origin_via[nodes[-1]]))
        nodes.append(int(origin_prev[nodes[-1]]))
    return nodes[::-1], edges[::-1]


def warm_paths(network: Network, target: str, *, k: int = 3, max_hops: int = 4) -> list[WarmPath]:
    """The best short paths from us to `target`, each through a different first person (or
    partner) to ask; cheapest first. At most `max_hops` (≤ 4) steps."""
    t = network.node_index(target)
    if t == US:
        return []
    max_hops = max(1, min(int(max_hops), 4))
    with network._lock:
        if network._from_us is None:
            network._from_us = _two_steps(network, US)
    dw, hw, pw, vw = network._from_us
    dt, ht, pt, vt = _two_steps(network, t)
    total = dw + dt
    total[(hw.astype(np.int16) + ht) > max_hops] = np.inf
    reachable = np.nonzero(np.isfinite(total))[0]
    if not len(reachable):
        return []
    # Shorter paths first among equal costs: a tiny penalty per hop.
    score = total[reachable] + 1e-6 * (hw[reachable] + ht[reachable])
    candidates = reachable[np.argsort(score, kind="stable")][: 200 + 50 * k]
    found: list[WarmPath] = []
    asked: set[int] = set()
    for m in candidates.tolist():
        left, left_edges = _walk(pw, vw, m)
        right, right_edges = _walk(pt, vt, m)  # target … m
        path = left + right[::-1][1:]
        edges = left_edges + right_edges[::-1]
        if len(set(path)) != len(path) or path[0] != US or path[-1] != t:
            continue
        ask = path[1] if len(path) > 2 else t
        if ask in asked:
            continue
        asked.add(ask)
        found.append(WarmPath(network, path, edges, float(total[m])))
        if len(found) >= k:
            break
    return found
