"""The study efficacy summary as one self-contained HTML page (figures embedded as PNG)."""

from __future__ import annotations

import base64

from jinja2 import Environment, select_autoescape

from cartrial.response.figures import (
    plot_kaplan_meier,
    plot_spider,
    plot_swimmer,
    plot_waterfall,
)
from cartrial.response.summary import StudySummary

__all__ = ["render_summary_html"]

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Efficacy summary</title>
<style>
body { font-family: sans-serif; margin: 2em; } table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; font-size: 0.9em; }
img { max-width: 100%; display: block; margin: 1em 0; }
</style></head><body>
<h1>Efficacy summary</h1>
<h2>Best overall response (RECIST 1.1)</h2>
<table><tr><th>subject</th><th>dose level</th><th>tumour type</th><th>criteria</th>
<th>BOR</th><th>BOR within {{ s.window_days }} days</th><th>iBOR</th><th>best % change</th>
<th>PFS days</th><th>OS days</th><th>DOR days</th></tr>
{% for r in s.subjects %}<tr><td>{{ r.subject_id }}</td><td>{{ r.dose_level or "" }}</td>
<td>{{ r.tumour_type or "" }}</td><td>{{ r.criteria }}</td><td>{{ r.best_overall_response }}</td>
<td>{{ r.best_overall_response_in_window }}</td><td>{{ r.i_best_overall_response or "" }}</td>
<td>{{ r.best_change_pct if r.best_change_pct is not none else "" }}</td>
<td>{{ r.pfs.days }}{{ "" if r.pfs.event else "+" }} ({{ r.pfs.rule }})</td>
<td>{{ r.os.days }}{{ "" if r.os.event else "+" }}</td>
<td>{% if r.dor %}{{ r.dor.days }}{{ "" if r.dor.event else "+" }}{% endif %}</td></tr>
{% endfor %}</table>
{% for title, rates in [("whole follow-up", s.rates),
                        ("within " ~ s.window_days ~ " days", s.rates_in_window)] %}
<h2>ORR and DCR, {{ title }} (exact Clopper-Pearson 95% CI)</h2>
<table><tr><th>by</th><th>group</th><th>endpoint</th><th>n/N</th><th>rate</th><th>95% CI</th></tr>
{% for e in rates %}<tr><td>{{ e.group_by }}</td><td>{{ e.group }}</td><td>{{ e.endpoint }}</td>
<td>{{ e.responders }}/{{ e.n }}</td><td>{{ "%.1f"|format(100 * e.rate) }}%</td>
<td>{{ "%.1f"|format(100 * e.ci_low) }}-{{ "%.1f"|format(100 * e.ci_high) }}%</td></tr>
{% endfor %}</table>{% endfor %}
<h2>Time to event (Kaplan-Meier, {{ "log-log" }} 95% CI, days)</h2>
<table><tr><th>endpoint</th><th>group</th><th>n</th><th>events</th><th>median</th><th>95% CI</th>
<th>landmark</th><th>rate</th><th>95% CI</th></tr>
{% for endpoint, curves in s.kaplan_meier.items() %}{% for k in curves %}
<tr><td>{{ endpoint }}</td><td>{{ k.label }}</td><td>{{ k.n }}</td><td>{{ k.events }}</td>
<td>{{ k.median if k.median is not none else "NR" }}</td>
<td>{{ k.median_ci_low if k.median_ci_low is not none else "NE" }}-{{
  k.median_ci_high if k.median_ci_high is not none else "NE" }}</td>
{% set l = k.landmarks[0] %}<td>{{ l.time }}</td>
<td>{{ "%.3f"|format(l.survival) if l.survival is not none else "NE" }}</td>
<td>{% if l.ci_low is not none %}{{ "%.3f"|format(l.ci_low) }}-{{
  "%.3f"|format(l.ci_high) }}{% endif %}</td></tr>
{% endfor %}{% endfor %}</table>
<h2>Figures</h2>
{% for name, png in figures %}
<img alt="{{ name }}" src="data:image/png;base64,{{ png }}">{% endfor %}
</body></html>
"""


def render_summary_html(summary: StudySummary) -> str:
    """HTML page: BOR table, ORR/DCR tables, KM table and the four figure kinds."""
    figures: list[tuple[str, bytes]] = [
        ("waterfall", plot_waterfall(summary)),
        ("spider", plot_spider(summary)),
        ("swimmer", plot_swimmer(summary)),
    ]
    for endpoint, curves in summary.kaplan_meier.items():
        if curves:
            figures.append(
                (f"Kaplan-Meier {endpoint}", plot_kaplan_meier(curves, title=f"{endpoint}"))
            )
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return env.from_string(_TEMPLATE).render(
        s=summary,
        figures=[(name, base64.b64encode(png).decode("ascii")) for name, png in figures],
    )
