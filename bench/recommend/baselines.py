"""The two baselines the recommender must beat, computed from the history files alone (no
Svrazka code): popularity within the theme, and Adamic-Adar from the coordinator over the
co-participation graph."""

import math
from collections import Counter, defaultdict

LIMIT = 100


class History:
    def __init__(self):
        self.partners: dict[str, Counter] = defaultdict(Counter)
        self.theme_counts: dict[str, Counter] = defaultdict(Counter)
        self.known: set[str] = set()

    @classmethod
    def from_projects(cls, projects) -> "History":
        h = cls()
        for p in projects:
            pics = sorted({m[0] for m in p["members"]})
            h.known.update(pics)
            for pic in pics:
                h.theme_counts[p["part"]][pic] += 1
                for other in pics:
                    if other != pic:
                        h.partners[pic][other] += 1
        return h

    def popularity_in_theme(self, q) -> list[str]:
        counts = self.theme_counts.get(q["theme"], Counter())
        ranked = [pic for pic, _n in counts.most_common(LIMIT + 1) if pic != q["coordinator"]]
        return ranked[:LIMIT]

    def adamic_adar(self, q) -> list[str]:
        c = q["coordinator"]
        score: Counter = Counter()
        for n in self.partners.get(c, ()):
            degree = len(self.partners[n])
            if degree > 1:
                for o in self.partners[n]:
                    if o != c:
                        score[o] += 1.0 / math.log(degree)
        return [pic for pic, _s in score.most_common(LIMIT)]
