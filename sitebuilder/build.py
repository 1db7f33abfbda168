"""Render the site: page models (plain dicts, also written as the ``data.json`` twins) -> Jinja2 templates.

Every salary figure on a page is a field of a :class:`sitebuilder.data.Cell` (the salary index of the same
database); the page's ``data.json`` carries the same figures. Templates autoescape everything (titles,
companies and locations are third-party text) and links to sources are http(s) only (see ``data.safe_link``).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import yaml

from db.places import region_members
from normalize import YAML_LOADER
from sitebuilder.data import Cell, HistoryPoint, Listing, SiteData
from sitebuilder.ppp import GuideCity, PPPSource, load_ppp, pick_cities

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR.parent / "data"
ROLE_PAGES_FILE = DATA_DIR / "site" / "roles.yaml"
ROLE_VOCABULARY_FILE = DATA_DIR / "titles" / "roles.yaml"
MARKER = ".remotejobs-site"  # marks a folder this builder owns (so a rebuild may empty it)

GATE_SENTENCE = "Per-role salary data will appear here once enough salary-disclosed listings accumulate."
NO_DATA = "No data yet"
FRESH_LISTINGS = 20
JOBS_PER_PAGE = 100
TOP_ROLES = 20
GUIDE_ROLES = 8
SCOPE_ORDER = ("category", "category-region", "role", "role-seniority", "role-seniority-region")
CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥", "INR": "₹"}


class SiteBuildError(Exception):
    """The site cannot be built where asked (e.g. the output folder holds files this builder did not write)."""


# ------------------------------------------------------------------ formatting


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower().replace("+", " plus ").replace("#", " sharp ")).strip("-")
    return slug or "other"


SPECIAL_WORDS = {w: w.upper() for w in ("ai", "hr", "qa", "ui", "ux", "it", "seo", "ml", "erp", "sre")} | {"ios": "iOS"}


def title_case(text: str | None) -> str:
    """``data-ai`` -> ``Data AI`` (slugs and lower-case roles as headings)."""
    if not text:
        return ""
    words = re.split(r"[\s-]+", text)
    return " ".join(SPECIAL_WORDS.get(w) or (w if w.isupper() else w[:1].upper() + w[1:]) for w in words)


def money(amount: float | None, currency: str) -> str:
    """``$140,000`` / ``€90,000`` / ``1,234,000 COP`` (whole units)."""
    if amount is None:
        return "—"
    sign = CURRENCY_SIGNS.get(currency)
    return f"{sign}{round(amount):,}" if sign else f"{round(amount):,} {currency}"


def band_text(low: float | None, high: float | None, currency: str) -> str:
    """``$140,000–$220,000 USD``."""
    text = f"{money(low, currency)}–\u200b{money(high, currency)}"  # zero-width space: may wrap on a phone
    return f"{text} {currency}" if currency in CURRENCY_SIGNS else text


def stated_salary(low: float | None, high: float | None) -> str:
    """A listing's own employer-stated USD range, or its one stated end."""
    if low is not None and high is not None and low != high:
        return band_text(low, high, "USD")
    one = low if low is not None else high
    return f"{money(one, 'USD')} USD" if one is not None else ""


def money_k(amount: float | None, currency: str) -> str:
    """``$197k``."""
    if amount is None:
        return "—"
    sign = CURRENCY_SIGNS.get(currency)
    whole = f"{round(amount / 1000):,}k"
    return f"{sign}{whole}" if sign else f"{whole} {currency}"


def day(stamp: str | None) -> str:
    return stamp[:10] if stamp else ""


# ------------------------------------------------------------------ configuration


@dataclass(frozen=True)
class RolePageSpec:
    slug: str
    title: str
    role: str
    seniority: str | None = None


def load_role_pages(path: Path = ROLE_PAGES_FILE) -> list[RolePageSpec]:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    return [
        RolePageSpec(str(p["slug"]), str(p["title"]), str(p["role"]), p.get("seniority") and str(p["seniority"]))
        for p in raw.get("pages", [])
    ]


def load_role_vocabulary(path: Path = ROLE_VOCABULARY_FILE) -> frozenset[str]:
    """The canonical roles of the title normaliser (a listing's role outside it is a fallback, not a role)."""
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    return frozenset(str(rule["role"]) for rule in raw.get("rules", []) if rule.get("role"))


# ------------------------------------------------------------------ page models


def region_label(region: str | None, names: dict[str, str]) -> str:
    if not region:
        return "All regions"
    if region in names:
        return names[region]
    return region.upper() if len(region) <= 2 else title_case(region.replace("-", " "))


def cell_json(cell: Cell, names: dict[str, str]) -> dict[str, Any]:
    """A cell as the data.json twins carry it (figures only when published)."""
    shown = cell.published
    return {
        "scope": cell.scope,
        "key": cell.key,
        "category": cell.category,
        "role": cell.role,
        "seniority": cell.seniority,
        "region": cell.region,
        "region_name": region_label(cell.region, names) if cell.region else None,
        "currency": cell.currency,
        "n": cell.n,
        "employers": cell.employers,
        "p25": cell.p25 if shown else None,
        "median": cell.median if shown else None,
        "p75": cell.p75 if shown else None,
        "p25_usd": cell.p25_usd if shown else None,
        "median_usd": cell.median_usd if shown else None,
        "p75_usd": cell.p75_usd if shown else None,
        "published": cell.published,
        "min_n": cell.min_n,
        "min_employers": cell.min_employers,
        "period": cell.period,
    }


def benchmark_json(cell: Cell | None) -> dict[str, Any] | None:
    if cell is None:
        return None
    return {
        "category": cell.category or cell.key,
        "n": cell.n,
        "employers": cell.employers,
        "p25": cell.p25_usd if cell.published else None,
        "median": cell.median_usd if cell.published else None,
        "p75": cell.p75_usd if cell.published else None,
        "currency": "USD",
        "published": cell.published,
        "min_n": cell.min_n,
        "min_employers": cell.min_employers,
    }


def listing_json(listing: Listing) -> dict[str, Any]:
    return {
        "title": listing.title,
        "company": listing.company,
        "location": listing.location,
        "posted_at": listing.posted_at,
        "apply_urls": [{"source": a.source, "url": a.url} for a in listing.apply_links],
    }


@dataclass(frozen=True)
class ChartRow:
    label: str
    p25: float
    median: float | None
    p75: float
    x1: float
    xm: float | None
    x2: float
    y: float


@dataclass(frozen=True)
class Chart:
    rows: list[ChartRow]
    ticks: list[tuple[float, str]]
    width: int
    height: int
    alt: str


def distribution_chart(series: Sequence[tuple[str, float, float | None, float]]) -> Chart | None:
    """Horizontal P25–P75 bars with a median tick, one per (label, p25, median, p75) in US dollars."""
    if not series:
        return None
    # Labels sit above their bars so the chart stays legible when scaled down to a phone's width.
    left, width, row_h = 30.0, 480, 44
    plot_w = width - left - 30
    low = min(s[1] for s in series)
    high = max(s[3] for s in series)
    step = 10_000 if high - low <= 100_000 else 25_000 if high - low <= 300_000 else 50_000
    lo_tick = (low // step) * step
    hi_tick = -(-high // step) * step
    span = max(hi_tick - lo_tick, step)

    def x(value: float) -> float:
        return round(left + (value - lo_tick) / span * plot_w, 1)

    rows = [
        ChartRow(label, p25, median, p75, x(p25), x(median) if median is not None else None, x(p75), 22 + i * row_h)
        for i, (label, p25, median, p75) in enumerate(series)
    ]
    ticks = [(x(lo_tick + k * step), money_k(lo_tick + k * step, "USD")) for k in range(int(span // step) + 1)]
    if len(ticks) > 5:
        ticks = ticks[:: -(-len(ticks) // 5)]
    parts = [
        f"{label}: {money_k(p25, 'USD')}–{money_k(p75, 'USD')}"
        + (f", median {money_k(median, 'USD')}" if median is not None else "")
        for label, p25, median, p75 in series
    ]
    alt = "Salary ranges, 25th to 75th percentile in US dollars. " + "; ".join(parts) + "."
    return Chart(rows, ticks, width, int(22 + len(rows) * row_h + 26), alt)


def chart_series(cells: Iterable[Cell], label_of: Any) -> list[tuple[str, float, float | None, float]]:
    return [
        (label_of(c), float(c.p25_usd), c.median_usd, float(c.p75_usd))
        for c in cells
        if c.published and c.p25_usd is not None and c.p75_usd is not None
    ]


def trend_text(points: list[HistoryPoint] | None) -> tuple[str, float | None]:
    """The median's change over the history of a cell: ("+3.2% since 2026-10-01", 3.2)."""
    if not points:
        return "no history yet", None
    first, last = points[0], points[-1]
    if len(points) < 2 or first.median in (None, 0) or last.median is None or first.currency != last.currency:
        return f"first published {first.date}", None
    change = (last.median - first.median) / first.median * 100
    return f"{change:+.1f}% since {first.date}", round(change, 1)


@dataclass
class Site:
    """Indexes over the data that several pages share (built once per run)."""

    data: SiteData
    role_specs: list[RolePageSpec]
    built_at: str
    listings_by_role: dict[str, list[Listing]] = field(default_factory=dict)
    listings_by_role_seniority: dict[tuple[str, str], list[Listing]] = field(default_factory=dict)
    listings_by_category: dict[str, list[Listing]] = field(default_factory=dict)
    role_slugs: dict[str, str] = field(default_factory=dict)
    category_slugs: dict[str, str] = field(default_factory=dict)
    role_category: dict[str, str] = field(default_factory=dict)

    @classmethod
    def index(cls, data: SiteData, role_specs: list[RolePageSpec], built_at: str, vocabulary: frozenset[str]) -> Site:
        site = cls(data, role_specs, built_at)
        by_role: dict[str, list[Listing]] = defaultdict(list)
        by_rs: dict[tuple[str, str], list[Listing]] = defaultdict(list)
        by_cat: dict[str, list[Listing]] = defaultdict(list)
        role_cats: dict[str, Counter[str]] = defaultdict(Counter)
        for listing in data.listings:  # freshest first, so every list below is too
            if listing.role:
                by_role[listing.role].append(listing)
                if listing.seniority:
                    by_rs[(listing.role, listing.seniority)].append(listing)
                if listing.category:
                    role_cats[listing.role][listing.category] += 1
            if listing.category:
                by_cat[listing.category].append(listing)
        site.listings_by_role, site.listings_by_role_seniority, site.listings_by_category = by_role, by_rs, by_cat
        for cell in data.cells:
            if cell.role and cell.category:
                role_cats[cell.role][cell.category] += 0  # known even without open listings
        site.role_category = {role: counts.most_common(1)[0][0] for role, counts in role_cats.items() if counts}
        taken = {spec.slug for spec in role_specs}
        for role in sorted(r for r in by_role if r in vocabulary):
            slug = slugify(role)
            while slug in taken:
                slug += "-role"
            taken.add(slug)
            site.role_slugs[role] = slug
        categories = set(by_cat) | {c.category for c in data.cells if c.scope == "category" and c.category}
        site.category_slugs = {cat: slugify(cat) for cat in sorted(categories)}
        return site

    @property
    def refreshed(self) -> str:
        """The day the data was last refreshed (not the build day: an empty database was never refreshed)."""
        return day(self.data.refreshed_at) or "never"

    def region_name(self, region: str | None) -> str:
        return region_label(region, self.data.region_names)


def role_page(site: Site, spec: RolePageSpec) -> dict[str, Any]:
    data = site.data
    role, seniority = spec.role, spec.seniority
    headline = data.cell("role-seniority", f"{role}|{seniority}") if seniority else data.cell("role", role)
    bands = [
        c
        for c in data.cells_of("role-seniority-region")
        if c.role == role and (seniority is None or c.seniority == seniority)
    ]
    bands.sort(key=lambda c: (not c.published, -c.n, c.seniority or "", c.region or ""))
    category = (headline.category if headline else None) or site.role_category.get(role)
    benchmark = data.cell("category", category) if category else None
    if seniority:
        pool = site.listings_by_role_seniority.get((role, seniority), [])
    else:
        pool = site.listings_by_role.get(role, [])
    published_bands = [c for c in bands if c.published]
    gated = not published_bands and not (headline and headline.published)

    def label(c: Cell) -> str:
        name = site.region_name(c.region)
        return name if seniority else f"{name} · {title_case(c.seniority)}"

    series = chart_series([headline] if headline else [], lambda c: "All regions") + chart_series(
        published_bands, label
    )
    if benchmark:
        series += chart_series([benchmark], lambda c: f"{title_case(category)} (category)")
    return {
        "slug": spec.slug,
        "title": spec.title,
        "role": role,
        "seniority": seniority,
        "category": category,
        "category_slug": site.category_slugs.get(category or ""),
        "headline": cell_json(headline, data.region_names) if headline else None,
        "bands": [cell_json(c, data.region_names) for c in bands],
        "gated": gated,
        "gate_sentence": GATE_SENTENCE if gated else None,
        "category_benchmark": benchmark_json(benchmark),
        "open_listings": len(pool),
        "listings": [listing_json(item) for item in pool[:FRESH_LISTINGS]],
        "refreshed_at": data.refreshed_at,
        "_chart": distribution_chart(series),
        "_listings": pool[:FRESH_LISTINGS],
    }


def category_page(site: Site, category: str) -> dict[str, Any]:
    data = site.data
    cell = data.cell("category", category)
    regions = [c for c in data.cells_of("category-region") if c.category == category]
    regions.sort(key=lambda c: (not c.published, -c.n, c.region or ""))
    roles = [c for c in data.cells_of("role") if c.category == category]
    roles.sort(key=lambda c: (not c.published, -c.n, c.key))
    listed_roles = {c.role for c in roles}
    unindexed = sorted(
        (
            r
            for r, cat in site.role_category.items()
            if cat == category and r not in listed_roles and r in site.role_slugs
        ),
        key=lambda r: -len(site.listings_by_role.get(r, [])),
    )
    series = chart_series([cell] if cell else [], lambda c: "All regions") + chart_series(
        [c for c in regions if c.published], lambda c: site.region_name(c.region)
    )
    pool = site.listings_by_category.get(category, [])
    return {
        "slug": site.category_slugs[category],
        "category": category,
        "title": title_case(category),
        "benchmark": benchmark_json(cell),
        "bands": [cell_json(c, data.region_names) for c in regions],
        "roles": [
            cell_json(c, data.region_names)
            | {"slug": site.role_slugs.get(c.role or ""), "name": c.role, "unindexed": False}
            for c in roles
        ]
        + [
            {"role": r, "name": r, "slug": site.role_slugs[r], "published": False, "n": 0, "unindexed": True}
            for r in unindexed
        ],
        "open_listings": len(pool),
        "listings": [listing_json(item) for item in pool[:FRESH_LISTINGS]],
        "refreshed_at": data.refreshed_at,
        "_chart": distribution_chart(series),
        "_listings": pool[:FRESH_LISTINGS],
    }


def salaries_page(site: Site) -> dict[str, Any]:
    data = site.data
    published = [c for c in data.cells if c.published]
    published.sort(key=lambda c: (SCOPE_ORDER.index(c.scope) if c.scope in SCOPE_ORDER else 99, -c.n, c.key))
    rows = []
    for c in published:
        text, change = trend_text(data.history.get((c.scope, c.key)))
        rows.append(cell_json(c, data.region_names) | {"trend": text, "trend_pct": change})
    return {
        "cells": rows,
        "unpublished": sum(1 for c in data.cells if not c.published),
        "refreshed_at": data.refreshed_at,
    }


def job_record(listing: Listing) -> dict[str, Any]:
    return {
        "id": listing.id,
        "title": listing.title,
        "company": listing.company,
        "category": listing.category,
        "role": listing.role,
        "seniority": listing.seniority,
        "location": listing.location,
        "countries": list(listing.countries),
        "regions": list(listing.regions) + (["worldwide"] if listing.worldwide else []),
        "salary_usd_min": listing.salary_usd_min,
        "salary_usd_max": listing.salary_usd_max,
        "posted": day(listing.posted_at),
        "apply": [[a.source, a.url] for a in listing.apply_links],
    }


def country_counts(listings: Iterable[Listing]) -> Counter[str]:
    """How many open listings each country is open to (named countries and members of named regions)."""
    members = region_members()
    counts: Counter[str] = Counter()
    for listing in listings:
        countries = {c.upper() for c in listing.countries}
        for region in listing.regions:
            countries |= members.get(region, frozenset())
        counts.update(countries)
    return counts


def guide_page(site: Site, cities: list[GuideCity], source: PPPSource) -> dict[str, Any]:
    data = site.data
    us = next((c for c in cities if c.country == "US"), None)
    roles = sorted((c for c in data.cells_of("role") if c.published), key=lambda c: (-c.n, c.key))[:GUIDE_ROLES]
    usd_factor = us.ppp if us else None
    city_rows = []
    for city in cities:
        equivalents = []
        for cell in roles if usd_factor else []:
            ratio = city.ppp / usd_factor  # type: ignore[operator]
            equivalents.append(
                {
                    "role": cell.role,
                    "p25": cell.p25_usd * ratio if cell.p25_usd is not None else None,
                    "median": cell.median_usd * ratio if cell.median_usd is not None else None,
                    "p75": cell.p75_usd * ratio if cell.p75_usd is not None else None,
                }
            )
        city_rows.append(city.as_json() | {"role_bands": equivalents})
    return {
        "cities": city_rows,
        "roles": [cell_json(c, data.region_names) for c in roles],
        "source": source.as_json(),
        "factor_scope": "national",
        "refreshed_at": data.refreshed_at,
    }


# ------------------------------------------------------------------ writing


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sitebuilder", "templates"),
        autoescape=True,  # every page is HTML and carries third-party text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(money=money, money_k=money_k, band=band_text, day=day, title_case=title_case)
    env.globals.update(GATE_SENTENCE=GATE_SENTENCE, NO_DATA=NO_DATA, band=band_text, stated_salary=stated_salary)
    return env


def public(model: dict[str, Any]) -> dict[str, Any]:
    """The data.json twin: the page model without render-only entries (leading underscore)."""
    return {k: v for k, v in model.items() if not k.startswith("_")}


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def prepare_out(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise SiteBuildError(f"{out} is not empty and was not built by `remotejobs site`; choose another --out")
        for child in out.iterdir():  # a rebuild drops pages of roles that no longer have listings
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("built by `remotejobs site`; the next build empties this folder\n", encoding="utf-8")


@dataclass
class BuildReport:
    out: Path
    pages: Counter[str] = field(default_factory=Counter)
    empty: bool = False


def build_site(data: SiteData, out: Path, *, now: datetime | None = None) -> BuildReport:
    """Write the whole site into ``out`` (emptied first when a previous build left it)."""
    built_at = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    site = Site.index(data, load_role_pages(), built_at, load_role_vocabulary())
    env = environment()
    report = BuildReport(out, empty=data.empty)
    prepare_out(out)
    shutil.copytree(PACKAGE_DIR / "static", out / "assets")
    base = {"refreshed": site.refreshed, "built_at": built_at, "empty": data.empty}

    def render(template: str, rel: str, root: str, **context: Any) -> None:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        html = env.get_template(template).render(**base, root=root, site=site, **context)
        path.write_text(html, encoding="utf-8")
        report.pages[template.removesuffix(".html")] += 1

    specs = list(site.role_specs) + [
        RolePageSpec(slug, title_case(role), role) for role, slug in sorted(site.role_slugs.items())
    ]
    role_links = {spec.slug for spec in specs}
    for spec in specs:
        model = role_page(site, spec)
        render("role.html", f"roles/{spec.slug}/index.html", "../../", page=model, role_links=role_links)
        write_json(out / "roles" / spec.slug / "data.json", public(model))
    for category in site.category_slugs:
        model = category_page(site, category)
        render("category.html", f"categories/{model['slug']}/index.html", "../../", page=model)
        write_json(out / "categories" / model["slug"] / "data.json", public(model))

    salaries = salaries_page(site)
    render("salaries.html", "salaries/index.html", "../", page=salaries)
    write_json(out / "salaries" / "data.json", salaries)

    write_jobs(site, out, render)

    table, source = load_ppp()
    cities = pick_cities(table, country_counts(data.listings))
    guide = guide_page(site, cities, source)
    render("guide.html", "salary-guide/index.html", "../", page=guide)
    write_json(out / "salary-guide" / "data.json", guide)

    ordered = sorted(
        site.category_slugs.items(), key=lambda kv: (-len(site.listings_by_category.get(kv[0], [])), kv[0])
    )
    categories = [
        {
            "category": cat,
            "slug": slug,
            "open_listings": len(site.listings_by_category.get(cat, [])),
            "benchmark": benchmark_json(data.cell("category", cat)),
        }
        for cat, slug in ordered
    ]
    top_roles = sorted(site.role_slugs.items(), key=lambda kv: (-len(site.listings_by_role[kv[0]]), kv[0]))
    index = {
        "open_listings": len(data.listings),
        "companies": len({item.company for item in data.listings if item.company}),
        "published_cells": sum(1 for c in data.cells if c.published),
        "categories": categories,
        "top_roles": [
            {"role": r, "slug": s, "open_listings": len(site.listings_by_role[r])} for r, s in top_roles[:TOP_ROLES]
        ],
        "role_pages": [{"slug": s.slug, "title": s.title} for s in site.role_specs],
        "refreshed_at": data.refreshed_at,
    }
    render("index.html", "index.html", "", page=index)
    write_json(out / "data.json", index)
    return report


def write_jobs(site: Site, out: Path, render: Any) -> None:
    listings = site.data.listings
    records = [job_record(item) for item in listings]
    (out / "jobs").mkdir(parents=True, exist_ok=True)
    (out / "jobs" / "jobs.json").write_text(
        json.dumps(records, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    pages = max(1, -(-len(listings) // JOBS_PER_PAGE))
    filters = {
        "categories": sorted({r["category"] for r in records if r["category"]}),
        "roles": sorted({r["role"] for r in records if r["role"]}),
        "seniorities": sorted({r["seniority"] for r in records if r["seniority"]}),
        "regions": sorted({g for r in records for g in r["regions"]}),
        "countries": sorted({c for r in records for c in r["countries"]}),
    }
    for number in range(1, pages + 1):
        chunk = listings[(number - 1) * JOBS_PER_PAGE : number * JOBS_PER_PAGE]
        rel = "jobs/index.html" if number == 1 else f"jobs/page/{number}/index.html"
        root = "../" if number == 1 else "../../../"
        render(
            "jobs.html",
            rel,
            root,
            page={"number": number, "pages": pages, "total": len(listings), "filters": filters},
            listings=chunk,
            first_index=(number - 1) * JOBS_PER_PAGE,
        )
