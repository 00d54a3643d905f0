"""Charts drawn on the server as SVG geometry (no scripts, no inline styles): the template
turns these numbers into <rect>, <polyline> and <text> elements."""

from django.utils.formats import date_format

WIDTH = 600
HEIGHT = 180
LEFT = 36
BOTTOM = 22
TOP = 8


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4
    magnitude = 10 ** (len(str(int(value))) - 1)
    return ((int(value) // magnitude) + 1) * magnitude


def _axis(top: float) -> list[dict]:
    plot = HEIGHT - BOTTOM - TOP
    return [{"y": TOP + plot - plot * k / 4, "label": f"{top * k / 4:g}"} for k in range(5)]


def stacked_bars(weeks: list[dict], channels: list[str]) -> dict:
    """Bars per week, stacked by channel: {"bars": [{x, w, segments: [{y, h, channel, n}],
    label, total}], "axis": [...]}."""
    top = _nice_max(max((w["total"] for w in weeks), default=0))
    plot = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(1, len(weeks))
    bars = []
    for i, w in enumerate(weeks):
        x = LEFT + i * slot + slot * 0.15
        y = TOP + plot
        segments = []
        for channel in channels:
            n = w["counts"].get(channel, 0)
            if not n:
                continue
            h = plot * n / top
            y -= h
            segments.append({"y": round(y, 1), "h": round(h, 1), "channel": channel, "n": n})
        bars.append(
            {
                "x": round(x, 1),
                "w": round(slot * 0.7, 1),
                "segments": segments,
                "label": date_format(w["week"], "d.m"),
                "label_x": round(x + slot * 0.35, 1),
                "total": w["total"],
            }
        )
    return {
        "bars": bars,
        "axis": _axis(top),
        "width": WIDTH,
        "height": HEIGHT,
        "base": HEIGHT - BOTTOM,
        "left": LEFT,
    }


def trend_lines(weeks: list[dict]) -> dict:
    """Median reply hours per week, theirs and ours, as polylines with dots."""
    values = [v for w in weeks for v in (w["theirs"], w["ours"]) if v is not None]
    top = _nice_max(max(values, default=0))
    plot = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(1, len(weeks))
    lines: dict[str, list] = {"theirs": [], "ours": []}
    labels = []
    for i, w in enumerate(weeks):
        x = round(LEFT + i * slot + slot / 2, 1)
        labels.append({"x": x, "label": date_format(w["week"], "d.m")})
        for key in ("theirs", "ours"):
            if w[key] is not None:
                lines[key].append(
                    {
                        "x": x,
                        "y": round(TOP + plot - plot * w[key] / top, 1),
                        "hours": round(w[key], 1),
                    }
                )
    return {
        "theirs": lines["theirs"],
        "ours": lines["ours"],
        "theirs_points": " ".join(f"{p['x']},{p['y']}" for p in lines["theirs"]),
        "ours_points": " ".join(f"{p['x']},{p['y']}" for p in lines["ours"]),
        "labels": labels,
        "axis": _axis(top),
        "width": WIDTH,
        "height": HEIGHT,
        "base": HEIGHT - BOTTOM,
        "left": LEFT,
        "empty": not values,
    }
