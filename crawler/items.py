"""The item schema: one JobPosting per platform posting, plus RejectedRecord.

Field meanings follow schema.org JobPosting where one exists. Every value that a
pipeline cleans keeps its raw twin (``salary_raw`` beside ``salary_*``,
``posted_at_raw`` beside ``posted_at``, ``location_raw`` beside ``countries``...),
so stored data can be re-normalised without re-crawling.

Spiders fill the *platform* fields; the normalise pipeline fills the *normalised*
fields; the store pipeline adds bookkeeping columns (first/last seen, hashes).
"""

from __future__ import annotations

from typing import Any

import scrapy

#: Fields a spider fills, straight from the platform (``doc`` is the column description).
PLATFORM_FIELDS: dict[str, str] = {
    "source": "Spider/platform name, e.g. 'remotive'.",
    "source_id": "The platform's own id for the posting (unique within source).",
    "url": "Canonical URL of the posting on the platform (schema.org url).",
    "apply_url": "Where a candidate applies, if the platform gives a separate link.",
    "title": "Job title as published (HTML entities decoded, nothing else changed).",
    "company": "Hiring organisation name as published (schema.org hiringOrganization.name).",
    "company_url": "Hiring organisation website, if given.",
    "location_raw": "Location text as published (schema.org jobLocation / applicantLocationRequirements).",
    "remote": "True/False when the platform states remoteness explicitly, else None.",
    "employment_type": "Employment type as given (full_time, contract, ...), schema.org employmentType.",
    "tags": "List of tags/skills/categories given by the platform.",
    "description_html": "Description HTML, sanitised with nh3 (safe tags only).",
    "description_text": "Description as plain text.",
    "salary_raw": "Salary text as published, or a text rendering of the structured salary.",
    "salary_min": "Platform's structured minimum salary as given (stated unit, not annualised).",
    "salary_max": "Platform's structured maximum salary as given.",
    "salary_currency": "Platform's structured salary currency as given.",
    "salary_period": "Platform's structured salary period as given (hour/day/week/month/year).",
    "posted_at_raw": "Posting date exactly as given (string).",
    "posted_at": "Posting date, UTC ISO 8601 (filled by the normalise pipeline if the spider did not).",
    "board": "The board, page or sitemap URL of the crawl target the posting came from (ATS board slug, "
    "JSON-LD page); None for whole-platform feeds. Lifecycle closes a posting only when its board answered.",
    "scraped_at": "When this record was scraped, UTC ISO 8601.",
    "raw": "The platform's record as parsed JSON-compatible data (stored as JSON).",
}

#: Fields the normalise pipeline fills. ``None`` means "could not be read".
NORMALIZED_FIELDS: dict[str, str] = {
    "title_clean": "Display title: entities decoded, location/remote/gender markers removed.",
    "seniority": "intern/junior/mid/senior/lead/staff/principal/manager/director/vp/executive or None.",
    "category": "Job category (software-engineering, data-ai, ... other).",
    "role": "Function without seniority, lower case ('backend engineer').",
    "title_rule": "Which title rules fired (explanation).",
    "workplace": "remote / hybrid / onsite, or None when not stated.",
    "worldwide": "True when open to anywhere in the world.",
    "countries": "ISO 3166-1 alpha-2 codes the posting is open to/located in (list).",
    "regions": "Region words (eu, europe, emea, north-america, ...) (list).",
    "timezone_min": "Earliest UTC offset (hours) of the stated timezone window.",
    "timezone_max": "Latest UTC offset (hours) of the stated timezone window.",
    "location_source": "structured / text / description: where the location came from.",
    "salary_source": "structured / text / description: where the salary came from.",
    "salary_estimate": "True when the figure is a site's own estimate, not the employer's.",
    "salary_norm_min": "Parsed minimum in the stated unit and currency.",
    "salary_norm_max": "Parsed maximum in the stated unit and currency.",
    "salary_norm_currency": "ISO 4217 currency of the parsed salary.",
    "salary_norm_period": "hour/day/week/month/year of the parsed salary.",
    "salary_annual_min": "Annualised minimum in salary_norm_currency.",
    "salary_annual_max": "Annualised maximum in salary_norm_currency.",
    "salary_usd_min": "Annualised minimum in USD.",
    "salary_usd_max": "Annualised maximum in USD.",
    "salary_fx_rate": "USD per unit of salary_norm_currency used for the conversion.",
    "salary_fx_date": "Date of the ECB reference rate used for the conversion.",
    "salary_unparsed_reason": "Why a salary that was present could not be used (e.g. implausible).",
    "company_norm": "Company name normalised for matching (case, punctuation, legal suffix).",
}

ALL_FIELDS = {**PLATFORM_FIELDS, **NORMALIZED_FIELDS}

#: Fields without which a posting is not a posting.
REQUIRED_FIELDS = ("source", "source_id", "url", "title")


class _Item(scrapy.Item):
    """``scrapy.Item`` with ``get`` and ``in`` read straight from its values: the Mapping mixin's
    ask ``self[key]`` and catch the KeyError of a field not set (a posting is read ~100 times on
    its way through the pipelines, many of them for fields a platform does not fill)."""

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._values


#: Attribute of a posting (not a field): ``(raw, text)``, its raw record and ``json.dumps(raw)`` as
#: the spider wrote it when it checked that the record is JSON (:func:`keep_raw_text`). The spider
#: hash and the stored ``raw_json`` start from that text instead of serialising the record again
#: (a real record is ~6-12 KB of JSON: two of the three passes over it saved, on every posting).
RAW_TEXT = "_raw_text"


def keep_raw_text(item: scrapy.Item, raw: Any, text: str) -> None:
    """Keep ``text`` (``json.dumps(raw)``) on the posting whose ``raw`` is ``raw``."""
    setattr(item, RAW_TEXT, (raw, text))


def raw_text_of(item: Any) -> str | None:
    """``json.dumps(item["raw"])`` as the spider kept it, or None: none kept, or ``raw`` replaced
    since (a raw record is never changed in place once the spider has yielded it)."""
    kept = getattr(item, RAW_TEXT, None)
    if kept is None or item.get("raw") is not kept[0]:
        return None
    return str(kept[1])


def drop_raw_text(item: Any) -> None:
    """Forget the kept text (before the posting travels without its raw record)."""
    if getattr(item, RAW_TEXT, None) is not None:
        delattr(item, RAW_TEXT)


class JobPosting(_Item):
    """One posting on one platform. See ``PLATFORM_FIELDS``/``NORMALIZED_FIELDS``."""

    locals().update({name: scrapy.Field(doc=doc) for name, doc in ALL_FIELDS.items()})
    #: bookkeeping, not a posting field: digest of the spider's output before validation
    #: (``db.postings.spider_hash``), stored so that a re-run can skip an unchanged posting
    spider_hash = scrapy.Field(doc="Digest of the spider's output before validation.")


class SeenPosting(_Item):
    """A posting the spider yielded exactly as last time (same spider hash): the store only marks
    it seen (last seen, run, board); validating and normalising it again would change nothing."""

    source = scrapy.Field(doc="Spider name.")
    source_id = scrapy.Field(doc="The platform's id of the posting.")
    board = scrapy.Field(doc="The board the crawl found it on.")
    spider_hash = scrapy.Field(doc="Digest of the spider's output before validation.")


class SeenBody(_Item):
    """The postings of a listing body that came back byte for byte as stored last time: the store
    marks each of them seen, as for a ``SeenPosting``. One item for the whole body, not one per
    posting: a re-run's unchanged board then costs Scrapy one item, not hundreds."""

    source = scrapy.Field(doc="Spider name.")
    source_ids = scrapy.Field(doc="The platform's ids of the body's postings.")
    board = scrapy.Field(doc="The board the crawl found them on.")


class RejectedRecord(_Item):
    """A record that could not become a posting; stored in ``rejects``, never lost."""

    source = scrapy.Field(doc="Spider name.")
    source_id = scrapy.Field(doc="The platform id when known.")
    url = scrapy.Field(doc="Response or record URL.")
    reason = scrapy.Field(doc="Why it was rejected.")
    raw = scrapy.Field(doc="The raw record (JSON-compatible) or text snippet.")
