"""Small charts as inline SVG, built here so the pages need no chart library."""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT, PAD = 640, 200, 28
STYLE = (
    ".bar{fill:#1f6feb}.value,.axis{font:11px sans-serif;fill:#667085;text-anchor:middle}.end{text-anchor:end}"
    ".rule{stroke:#d8dee8}polyline{fill:none;stroke-width:2}polyline.presence{stroke:#1f6feb}"
    "circle.presence{fill:#1f6feb}polyline.lateness{stroke:#c62828;stroke-dasharray:4 3}"
)


def arrivals_chart(arrivals, *, bucket_minutes=15, span_minutes=180):
    """Bars: how many people arrived in each quarter hour (at least three hours shown).

    `arrivals`: local minute of the day -> how many arrived then (counted by the database)."""
    if not arrivals:
        return mark_safe(f'<p class="muted">{escape(_("No arrivals yet today."))}</p>')
    minutes = list(arrivals)
    first = min(minutes) // bucket_minutes * bucket_minutes
    last = max(minutes) // bucket_minutes * bucket_minutes
    widen = max(0, span_minutes - (last - first)) // 2 // bucket_minutes * bucket_minutes
    first, last = max(0, first - widen), min(24 * 60 - bucket_minutes, last + widen)
    buckets = list(range(first, last + bucket_minutes, bucket_minutes))
    counts = [sum(n for m, n in arrivals.items() if b <= m < b + bucket_minutes) for b in buckets]
    top = max(counts)
    step = (WIDTH - 2 * PAD) / len(buckets)
    parts = []
    for i, (start, count) in enumerate(zip(buckets, counts, strict=True)):
        h = (HEIGHT - 2 * PAD) * count / top
        x = PAD + i * step
        label = f"{start // 60:02d}:{start % 60:02d}"
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{step - 4:.1f}" height="{h:.1f}" '
            f'class="bar"><title>{label}: {count}</title></rect>'
        )
        if count:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{HEIGHT - PAD - h - 4:.1f}" class="value">{count}</text>')
        if start % 60 == 0 or len(buckets) <= 8:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{HEIGHT - 8}" class="axis">{label}</text>')
    return _svg(_("Arrivals by time"), parts)


def history_chart(history):
    """Two lines over the last days: presence rate (present of those scheduled) and
    lateness (late of those present). Days nobody was scheduled leave a gap."""
    if not history:
        return mark_safe("")
    left = PAD + 14  # room for the percent labels
    step = (WIDTH - left - PAD) / max(len(history) - 1, 1)

    def y(rate):
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * rate

    presence, lateness, parts = [[]], [[]], []
    for i, (day, scheduled, present, late) in enumerate(history):
        x = left + i * step
        if scheduled:
            p = min(present / scheduled, 1)
            presence[-1].append(f"{x:.1f},{y(p):.1f}")
            words = _("%(present)s of %(scheduled)s present, %(late)s late") % {
                "present": present,
                "scheduled": scheduled,
                "late": late,
            }
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y(p):.1f}" r="3" class="presence"><title>{day:%Y-%m-%d}: '
                f"{escape(words)}</title></circle>"
            )
        elif presence[-1]:
            presence.append([])
        if present:
            lateness[-1].append(f"{x:.1f},{y(late / present):.1f}")
        elif lateness[-1]:
            lateness.append([])
        if i % 5 == 0 or i == len(history) - 1:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" class="axis">{day:%m-%d}</text>')
    for rate in (0, 0.5, 1):
        parts.append(f'<line x1="{left}" x2="{WIDTH - PAD}" y1="{y(rate):.1f}" y2="{y(rate):.1f}" class="rule"/>')
        parts.append(f'<text x="{left - 4}" y="{y(rate) + 4:.1f}" class="axis end">{int(rate * 100)}%</text>')
    for kind, lines in (("presence", presence), ("lateness", lateness)):
        parts.extend(f'<polyline points="{" ".join(points)}" class="{kind}"/>' for points in lines if points)
    return _svg(_("Presence rate and lateness, last 30 days"), parts)


def _svg(title, parts):
    return mark_safe(
        f'<svg class="chart" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'style="max-width:100%;height:auto" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title><style>{STYLE}</style>{''.join(parts)}</svg>"
    )
