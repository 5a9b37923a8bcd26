"""Writes the static site: index.html and one self-contained page per dashboard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from ops_metrics import settings
from ops_metrics.dashboards.data import DashboardData
from ops_metrics.dashboards.headlines import Headlines
from ops_metrics.dashboards.pages.ai_adoption import ai_adoption
from ops_metrics.dashboards.pages.coverage import coverage_section
from ops_metrics.dashboards.pages.engineering_health import engineering_health
from ops_metrics.dashboards.pages.mttr import mttr
from ops_metrics.dashboards.pages.overview import overview_kpis
from ops_metrics.dashboards.templates import CHECK_SCRIPT, PAGE, STYLE


@dataclass(frozen=True)
class Page:
    file: str
    title: str
    summary: str
    domain: str  # whose freshness the page states: "ops" or "ai"
    body: Callable[[DashboardData, Headlines], str]


PAGES = (
    Page(
        "engineering-health.html",
        "Engineering Health",
        "Incidents by severity and workspace, SLO attainment and error budgets.",
        "ops",
        engineering_health,
    ),
    Page(
        "ai-adoption.html",
        "AI Adoption",
        "Active engineers, adoption cohorts and token percentiles per tool.",
        "ai",
        ai_adoption,
    ),
    Page(
        "mttr.html",
        "MTTR",
        "Weekly mean time to detect and resolve per workspace, week over week.",
        "ops",
        mttr,
    ),
)


def site_dir() -> Path:
    return settings.home() / "dashboards"


def _as_of(value: datetime | None) -> str:
    return "no data loaded yet" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"


CURRENT = ' aria-current="page"'


def _nav(current: str) -> str:
    links = [("index.html", "Overview"), *((p.file, p.title) for p in PAGES)]
    return "".join(
        f'<a href="{href}"{CURRENT if href == current else ""}>{escape(label)}</a>'
        for href, label in links
    )


def _page(file: str, title: str, freshness: str, body: str, generated: str) -> str:
    return PAGE.substitute(
        title=escape(title),
        style=STYLE,
        nav=_nav(file),
        freshness=freshness,
        body=body,
        generated=generated,
        script=CHECK_SCRIPT,
    )


def _index(data: DashboardData, headlines: Headlines) -> str:
    tiles = "".join(
        f'<a class="tile" href="{p.file}"><h2>{escape(p.title)}</h2><p>{escape(p.summary)}</p>'
        f'<p class="muted">Data as of {_as_of(data.as_of_ops if p.domain == "ops" else data.as_of_ai)}</p></a>'
        for p in PAGES
    )
    return (
        coverage_section(data, "ops", "Incident.io incidents")
        + coverage_section(data, "ai", "AI tool usage")
        + overview_kpis(headlines)
        + f'<div class="tiles">{tiles}</div>'
    )


def render_site(
    data: DashboardData, headlines: Headlines, out_dir: Path | None = None
) -> dict[str, Path]:
    """Write every page; returns {title: path}. Files are replaced whole, never half-written."""
    out = out_dir or site_dir()
    out.mkdir(parents=True, exist_ok=True)
    generated = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    freshness = (
        f"Incidents: data as of {_as_of(data.as_of_ops)} · "
        f"AI usage: data as of {_as_of(data.as_of_ai)}"
    )
    written = {
        "Overview": _write(
            out / "index.html",
            _page(
                "index.html", "Operational health", freshness, _index(data, headlines), generated
            ),
        )
    }
    for page in PAGES:
        as_of = data.as_of_ops if page.domain == "ops" else data.as_of_ai
        html = _page(
            page.file,
            page.title,
            f"Data as of {_as_of(as_of)}",
            page.body(data, headlines),
            generated,
        )
        written[page.title] = _write(out / page.file, html)
    return written


def _write(path: Path, text: str) -> Path:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
