"""The network's metrics, computed in the background and kept as dated snapshots.

Per node: degree, weighted degree, betweenness (estimated from sampled sources with Brandes'
algorithm, vectorised over a batch of sources at a time), PageRank, community (weighted label
propagation) and brokerage (how evenly a node's ties spread over communities other than its
own: the suggested liaisons). Per network: density, active ties (people and organisations we
were in touch with in the last 90 days), partners gone isolated (partner organisations with no
touchpoint with them or their people in 90 days: the forum story), reach (whom we reach in two
steps), communities and components.

A snapshot is a new row each time; none is ever overwritten.
"""

from __future__ import annotations

import logging
import time
from datetime import date

import numpy as np
from django.db import transaction
from django.utils import timezone
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from svrazka.network import graph
from svrazka.network.models import NodeMetric, Snapshot

log = logging.getLogger(__name__)

ACTIVE_DAYS = 90
BETWEENNESS_SOURCES = 128
BATCH = 32
SEED = 20261205


def _adjacency(network: graph.Network, *, weighted: bool, without_us: bool = False):
    data = network.weight[network.edge].astype(np.float64) if weighted else None
    if data is None:
        data = np.ones(len(network.indices), dtype=np.float64)
    matrix = sparse.csr_matrix(
        (data, network.indices, network.indptr), shape=(network.n, network.n)
    )
    if without_us:
        keep = np.ones(network.n)
        keep[graph.US] = 0
        d = sparse.diags(keep)
        matrix = (d @ matrix @ d).tocsr()
        matrix.eliminate_zeros()
    return matrix


def pagerank(matrix, *, damping: float = 0.85, tol: float = 1e-9, iterations: int = 100):
    n = matrix.shape[0]
    if n == 0:
        return np.zeros(0)
    out = np.asarray(matrix.sum(axis=1)).ravel()
    dangling = out == 0
    inv = np.where(dangling, 0.0, 1.0 / np.where(dangling, 1.0, out))
    transition = (sparse.diags(inv) @ matrix).T.tocsr()
    rank = np.full(n, 1.0 / n)
    for _i in range(iterations):
        new = damping * (transition @ rank + rank[dangling].sum() / n) + (1 - damping) / n
        if np.abs(new - rank).sum() < tol:
            return new
        rank = new
    return rank


def communities(matrix, *, iterations: int = 30, seed: int = SEED) -> np.ndarray:
    """Weighted label propagation; labels renumbered from the biggest community (0)."""
    n = matrix.shape[0]
    labels = np.arange(n, dtype=np.int64)
    if n == 0 or matrix.nnz == 0:
        return labels
    rng = np.random.default_rng(seed)
    coo = matrix.tocoo()
    rows, cols, weights = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    for _i in range(iterations):
        key = rows * n + labels[cols]
        order = np.argsort(key, kind="stable")
        key_sorted = key[order]
        first = np.ones(len(key_sorted), dtype=bool)
        first[1:] = key_sorted[1:] != key_sorted[:-1]
        starts = np.nonzero(first)[0]
        sums = np.add.reduceat(weights[order], starts)
        # A little noise breaks ties differently in each round.
        sums = sums + rng.random(len(sums)) * 1e-6
        node = key_sorted[starts] // n
        label = key_sorted[starts] % n
        best = np.lexsort((-sums, node))
        node, label = node[best], label[best]
        top = np.ones(len(node), dtype=bool)
        top[1:] = node[1:] != node[:-1]
        proposal = labels.copy()
        proposal[node[top]] = label[top]
        if not (proposal != labels).any():
            break
        if _i == iterations - 1:  # the last round: only nodes left alone join their neighbours
            alone = np.bincount(labels, minlength=n)[labels] == 1
            labels = np.where(alone, proposal, labels)
            break
        update = rng.random(n) < 0.5  # asynchronous in spirit: half the nodes each round
        labels = np.where(update, proposal, labels)
    uniq, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(uniq))
    return rank[inverse]


def betweenness(matrix, *, sources: int = BETWEENNESS_SOURCES, seed: int = SEED) -> np.ndarray:
    """Brandes' betweenness on the unweighted graph from a sample of sources, normalised to
    0..1 like the exact measure."""
    n = matrix.shape[0]
    result = np.zeros(n)
    if n < 3 or matrix.nnz == 0:
        return result
    a = matrix.copy()
    a.data = np.ones_like(a.data)
    candidates = np.nonzero(np.diff(a.indptr) > 0)[0]
    rng = np.random.default_rng(seed)
    picked = candidates if len(candidates) <= sources else rng.choice(candidates, sources, False)
    for chunk in range(0, len(picked), BATCH):
        s = picked[chunk : chunk + BATCH]
        b = len(s)
        cols = np.arange(b)
        sigma = np.zeros((n, b))
        sigma[s, cols] = 1.0
        depth = np.full((n, b), -1, dtype=np.int16)
        depth[s, cols] = 0
        frontier = sigma.copy()
        d = 0
        while True:
            reached = a @ frontier
            new = (reached > 0) & (depth < 0)
            if not new.any():
                break
            d += 1
            depth[new] = d
            sigma[new] = reached[new]
            frontier = np.where(new, reached, 0.0)
        delta = np.zeros((n, b))
        for level in range(d, 0, -1):
            here = depth == level
            coeff = np.where(here, (1.0 + delta) / np.where(here, sigma, 1.0), 0.0)
            back = a @ coeff
            delta += np.where(depth == level - 1, sigma * back, 0.0)
        delta[s, cols] = 0.0
        result += delta.sum(axis=1)
    result *= len(candidates) / len(picked)
    result /= 2.0  # every path counted from both ends
    active = len(candidates)  # nodes without ties lie on no path and count for nothing
    norm = (active - 1) * (active - 2) / 2.0
    return result / norm if norm else result


def brokerage(matrix, community: np.ndarray) -> np.ndarray:
    """Participation across communities × how many other communities a node reaches."""
    n = matrix.shape[0]
    if matrix.nnz == 0:
        return np.zeros(n)
    coo = matrix.tocoo()
    rows, cols, w = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    k = np.bincount(rows, weights=w, minlength=n)
    key = rows * (int(community.max()) + 1) + community[cols]
    uniq, inverse = np.unique(key, return_inverse=True)
    per = np.bincount(inverse, weights=w)
    node = uniq // (int(community.max()) + 1)
    comm = uniq % (int(community.max()) + 1)
    share = per / np.where(k[node] > 0, k[node], 1)
    participation = 1.0 - np.bincount(node, weights=share**2, minlength=n)
    participation[k == 0] = 0.0
    other = comm != community[node]
    reached = np.bincount(node[other], minlength=n)
    return participation * reached


def _network_figures(network: graph.Network, t: int) -> dict:
    h = network.history
    recent = network.last_touch >= t - ACTIVE_DAYS
    recent[graph.US] = False
    active = int(recent.sum())
    # Partner organisations: our current partnership ties to organisations.
    partner_edges = (network.kind == graph.PARTNERSHIP) & (
        (network.src == graph.US) | (network.dst == graph.US)
    )
    others = np.where(
        network.src[partner_edges] == graph.US,
        network.dst[partner_edges],
        network.src[partner_edges],
    )
    partners = np.unique(others[h.node_kind[others] == 2])
    touched = recent.copy()
    aff = network.kind == graph.AFFILIATION
    touched[network.dst[aff & recent[network.src]]] = True
    touched[network.src[aff & recent[network.dst]]] = True
    isolated = int((~touched[partners]).sum()) if len(partners) else 0
    near = graph._within(network, graph.US, 2)
    near[graph.US] = False
    return {"active_ties": active, "isolated_partners": isolated, "reach": int(near.sum())}


def take_snapshot(
    workspace, *, as_of: date | None = None, actor=None, snapshot: Snapshot | None = None
) -> Snapshot:
    """Compute the metrics of the workspace's network on `as_of` (default today) into a new
    snapshot (or into `snapshot`, a RUNNING one made by tasks.enqueue_snapshot)."""
    day = as_of or (snapshot.as_of if snapshot else None) or timezone.localdate()
    if snapshot is None:
        snapshot = Snapshot.objects.create(workspace=workspace, as_of=day, requested_by=actor)
    began = time.monotonic()
    try:
        graph.changed(workspace.pk)  # read what is in the database now
        network = graph.network_for(workspace, as_of=day)
        weighted = _adjacency(network, weighted=True)
        outside = _adjacency(network, weighted=True, without_us=True)
        community = communities(outside)
        community[graph.US] = -1
        pr = pagerank(weighted)
        bc = betweenness(weighted)
        brk = brokerage(outside, np.where(community < 0, 0, community))
        weighted_degree = np.asarray(weighted.sum(axis=1)).ravel()
        has_ties = network.degree > 0
        has_ties[graph.US] = False
        n_nodes = int(has_ties.sum())
        m_outside = int(outside.nnz // 2)
        _n, labels = connected_components(outside, directed=False)
        components = len(np.unique(labels[has_ties])) if n_nodes else 0
        figures = _network_figures(network, day.toordinal())
        rows = [
            NodeMetric(
                workspace=workspace,
                snapshot=snapshot,
                node=network.history.node_ids[i],
                degree=int(network.degree[i]),
                weighted_degree=float(weighted_degree[i]),
                betweenness=float(bc[i]),
                pagerank=float(pr[i]),
                brokerage=float(brk[i]),
                community=int(community[i]),
            )
            for i in np.nonzero(has_ties)[0].tolist()
        ]
        with transaction.atomic():
            NodeMetric.objects.bulk_create(rows, batch_size=5000)
            snapshot.nodes = n_nodes
            snapshot.edges = m_outside
            snapshot.density = 2.0 * m_outside / (n_nodes * (n_nodes - 1)) if n_nodes > 1 else 0.0
            snapshot.communities = len(np.unique(community[has_ties])) if n_nodes else 0
            snapshot.components = components
            snapshot.active_ties = figures["active_ties"]
            snapshot.isolated_partners = figures["isolated_partners"]
            snapshot.reach = figures["reach"]
            snapshot.seconds = round(time.monotonic() - began, 2)
            snapshot.computed_at = timezone.now()
            snapshot.status = Snapshot.Status.DONE
            snapshot.save()
    except Exception as exc:
        log.exception("network snapshot %s failed", snapshot.pk)
        snapshot.status = Snapshot.Status.FAILED
        snapshot.error = str(exc)[:2000]
        snapshot.seconds = round(time.monotonic() - began, 2)
        snapshot.save(update_fields=["status", "error", "seconds"])
        raise
    return snapshot
