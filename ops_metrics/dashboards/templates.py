"""Page skeleton and stylesheet as Python strings: inlined into every page, so each HTML file is
self-contained (no server, no network, opens from file://)."""

from __future__ import annotations

from string import Template

STYLE = """
:root { --ink: #1F2937; --muted: #4B5563; --line: #E5E7EB; --card: #FFFFFF; --bg: #F3F4F6;
        --accent: #0B4F8A; --good: #1B7837; --warn: #B45309; --bad: #B2182B; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
header { background: #0B2540; color: #FFFFFF; padding: 14px 28px; display: flex;
         align-items: center; gap: 28px; flex-wrap: wrap; }
header .brand { font-weight: 700; font-size: 17px; letter-spacing: .02em; }
header nav a { color: #DBEAFE; text-decoration: none; margin-right: 18px; padding-bottom: 3px; }
header nav a[aria-current="page"] { color: #FFFFFF; border-bottom: 2px solid #60A5FA; }
header nav a:focus, header nav a:hover { color: #FFFFFF; text-decoration: underline; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 28px 40px; }
h1 { font-size: 26px; margin: 4px 0 2px; }
h2 { font-size: 17px; margin: 0 0 10px; }
.freshness { color: var(--muted); margin: 0 0 18px; font-size: 14px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 14px;
        margin-bottom: 18px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
       padding: 14px 16px; }
.kpi .label { color: var(--muted); font-size: 13px; }
.kpi .value { font-size: 28px; font-weight: 700; margin-top: 2px; }
.kpi .detail { color: var(--muted); font-size: 13px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
        padding: 16px 18px; margin-bottom: 16px; overflow-x: auto; }
.card p.note { color: var(--muted); font-size: 13px; margin: 8px 0 0; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart .grid { stroke: #E5E7EB; stroke-width: 1; }
svg.chart .axis { stroke: #6B7280; stroke-width: 1; }
svg.chart .tick { fill: #4B5563; font-size: 11px; }
svg.chart .axis-label { fill: #1F2937; font-size: 12px; font-weight: 600; }
svg.chart .legend { fill: #1F2937; font-size: 12px; }
svg.chart .reference { stroke: #1F2937; stroke-width: 1.5; stroke-dasharray: 4 4; }
svg.chart .reference-label { fill: #1F2937; font-size: 11px; }
svg.chart .empty { fill: #4B5563; font-size: 15px; }
svg.meter { width: 100px; height: 10px; vertical-align: middle; margin-right: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
caption { text-align: left; font-weight: 600; padding-bottom: 8px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: right;
         white-space: nowrap; }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
thead th { color: var(--muted); font-weight: 600; font-size: 13px; }
.badge { display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 12px;
         font-weight: 600; color: #FFFFFF; }
.badge.good { background: var(--good); } .badge.bad { background: var(--bad); }
.badge.none { background: #6B7280; }
.up-bad { color: var(--bad); } .down-good { color: var(--good); } .muted { color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 16px; }
.tile { display: block; background: var(--card); border: 1px solid var(--line);
        border-radius: 10px; padding: 18px; text-decoration: none; color: var(--ink); }
.tile:hover, .tile:focus { border-color: var(--accent); box-shadow: 0 0 0 2px #BFDBFE; }
.tile h2 { color: var(--accent); }
.coverage { margin: 0 0 16px; font-size: 14px; }
.coverage details summary { cursor: pointer; color: var(--muted); }
.coverage ul { margin: 6px 0 0; padding-left: 20px; }
.warning { background: #FEF3C7; border: 1px solid #D97706; border-radius: 8px; padding: 10px 14px;
           color: #78350F; margin: 0 0 10px; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 16px; }
"""

# Runs on load, offline: marks the page for the browser test (every chart has drawn marks).
CHECK_SCRIPT = """
document.addEventListener("DOMContentLoaded", function () {
  var charts = document.querySelectorAll("svg.chart");
  var empty = [];
  charts.forEach(function (svg) {
    var marks = svg.querySelectorAll("polyline, circle, rect.bar").length;
    var box = svg.getBoundingClientRect();
    if (!marks || box.width < 50 || box.height < 50) { empty.push(svg.id); }
  });
  document.body.setAttribute("data-charts", String(charts.length));
  document.body.setAttribute("data-check", empty.length ? "empty:" + empty.join(",") : "ok");
});
"""

PAGE = Template(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title · ops_metrics</title>
<style>$style</style>
</head>
<body>
<header>
  <span class="brand">ops_metrics</span>
  <nav aria-label="Dashboards">$nav</nav>
</header>
<main>
<h1>$title</h1>
<p class="freshness">$freshness</p>
$body
</main>
<footer>Generated $generated from the dbt marts by the Dagster asset <code>dashboards</code>.</footer>
<script>$script</script>
</body>
</html>
"""
)
