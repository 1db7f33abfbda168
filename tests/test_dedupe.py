"""Dedupe: matching keys and rules one by one, overrides, reposts, rebuild."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from db.postings import PostingStore
from db.schema import MIGRATIONS, migrate, open_db
from listings.build import dedupe_postings, rebuild
from listings.keys import (
    apply_key,
    ats_keys_in_text,
    ats_keys_in_url,
    compatible_places,
    own_ats_key,
    place_of,
    similar_titles,
    title_key,
    within_window,
)
from normalize.company import normalize_company
from pipelines.after_crawl import platform_facts

FACTS = platform_facts()
T0 = "2026-03-01T00:00:00+00:00"


# -- keys ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "keys"),
    [
        pytest.param("https://boards.greenhouse.io/acme/jobs/4012345", ["greenhouse:4012345"], id="greenhouse-board"),
        pytest.param(
            "https://job-boards.eu.greenhouse.io/acme/jobs/4012345?gh_src=x",
            ["greenhouse:4012345"],
            id="greenhouse-eu-tracking",
        ),
        pytest.param("https://acme.com/careers/positions/55501?gh_jid=55501", ["greenhouse:55501"], id="gh_jid-param"),
        pytest.param(
            "https://boards.greenhouse.io/embed/job_app?for=acme&token=7700123",
            ["greenhouse:7700123"],
            id="greenhouse-embed",
        ),
        pytest.param(
            "https://jobs.lever.co/acme/0a1b2c3d-1111-2222-3333-444455556666/apply",
            ["lever:0a1b2c3d-1111-2222-3333-444455556666"],
            id="lever-apply",
        ),
        pytest.param(
            "https://jobs.ashbyhq.com/Acme/9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff",
            ["ashby:9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff"],
            id="ashby",
        ),
        pytest.param("https://apply.workable.com/acme/j/AB12CD34EF/", ["workable:ab12cd34ef"], id="workable"),
        pytest.param(
            "https://jobs.smartrecruiters.com/AcmeCorp/743999912345678-data-engineer",
            ["smartrecruiters:743999912345678"],
            id="smartrecruiters",
        ),
        pytest.param("https://acme.com/careers", [], id="no-ats"),
        pytest.param(None, [], id="none"),
    ],
)
def test_ats_keys_in_url(url, keys):
    assert ats_keys_in_url(url, FACTS) == keys


def test_ats_keys_in_text_keeps_order_and_unescapes():
    text = (
        'Roles: <a href="https:&#x2F;&#x2F;job-boards.greenhouse.io&#x2F;acme&#x2F;jobs&#x2F;111222">one</a>'
        " and https://jobs.lever.co/acme/0a1b2c3d-1111-2222-3333-444455556666 and again "
        "https://job-boards.greenhouse.io/acme/jobs/111222"
    )
    assert ats_keys_in_text(text, FACTS) == ["greenhouse:111222", "lever:0a1b2c3d-1111-2222-3333-444455556666"]


@pytest.mark.parametrize(
    ("source", "source_id", "url", "key"),
    [
        pytest.param("greenhouse", "123456", "https://acme.com/jobs/123456", "greenhouse:123456", id="own-id-on-ats"),
        pytest.param("remotive", "99", "https://remotive.com/x", None, id="board-without-ats-link"),
        pytest.param(
            "remotive",
            "99",
            "https://jobs.lever.co/acme/0a1b2c3d-1111-2222-3333-444455556666",
            "lever:0a1b2c3d-1111-2222-3333-444455556666",
            id="board-linking-ats",
        ),
    ],
)
def test_own_ats_key(source, source_id, url, key):
    assert own_ats_key(source, source_id, url, None, FACTS) == key


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        pytest.param(
            "https://acme.com/jobs/42?utm_source=remotive&utm_medium=feed",
            "http://www.acme.com/jobs/42/",
            True,
            id="utm-www-scheme-slash",
        ),
        pytest.param("https://acme.com/jobs/42?ref=hn#apply", "https://acme.com/jobs/42", True, id="ref-fragment"),
        pytest.param("https://acme.com/apply?job=42&gclid=zz", "https://acme.com/apply?job=42", True, id="gclid"),
        pytest.param("https://acme.com/apply?job=42", "https://acme.com/apply?job=43", False, id="job-param-kept"),
        pytest.param("https://acme.com/jobs/42", "https://acme.com/jobs/43", False, id="different-path"),
    ],
)
def test_apply_key_strips_tracking(a, b, same):
    assert (apply_key(a) == apply_key(b)) is same


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://acme.com/careers", id="careers-page"),
        pytest.param("https://acme.com/", id="home"),
        pytest.param("mailto:jobs@acme.com", id="mailto"),
    ],
)
def test_generic_apply_urls_identify_nothing(url):
    assert apply_key(url) is None


@pytest.mark.parametrize(
    ("name", "key"),
    [
        pytest.param("Acme, Inc.", "acme", id="inc"),
        pytest.param("ACME Incorporated", "acme", id="incorporated"),
        pytest.param("acme.com", "acme", id="domain"),
        pytest.param("https://www.acme.co.uk/", "acme", id="url-second-level-tld"),
        pytest.param("Acme GmbH & Co. KG", "acme", id="gmbh-co-kg"),
        pytest.param("Acme Sp. z o.o.", "acme", id="polish-spzoo"),
        pytest.param("Acme B.V.", "acme", id="dutch-bv"),
        pytest.param("Acme Pty Ltd", "acme", id="pty-ltd"),
        pytest.param("Müller Logistik AG", "mullerlogistik", id="accents-ag"),
        pytest.param("The Widget Company", "widget", id="leading-the-and-company"),
        pytest.param("Northwind Software", "northwind", id="descriptor-software"),
        pytest.param("Northwind Labs (YC W22)", "northwind", id="parenthesised-aside"),
        pytest.param("Work Bench", "workbench", id="spaces-dropped"),
        pytest.param("Salt & Pepper", "saltandpepper", id="ampersand"),
        pytest.param("Facebook", "meta", id="alias-table"),
        pytest.param("Group", "group", id="descriptor-alone-kept"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="none"),
    ],
)
def test_company_normalization(name, key):
    assert normalize_company(name) == key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("Backend Engineer (m/w/d)", "Backend Engineer", id="gender-mwd"),
        pytest.param("Data Analyst (f/m/x) - Remote", "data analyst", id="gender-fmx-remote"),
        pytest.param("Senior Designer (Remote)", "Senior Designer", id="remote-parens"),
        pytest.param("R&amp;D Engineer", "R & D Engineer", id="entities"),
        pytest.param("Développeur Backend", "Developpeur backend", id="accents"),
    ],
)
def test_title_key_equal(a, b):
    assert title_key(a) == title_key(b)


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        pytest.param("sr software engineer", "sr software engineer ai team", True, id="contained"),
        pytest.param("backend engineer python", "backend engineer python django", True, id="one-more-word"),
        pytest.param(
            "private equity conference volunteer", "private equity event volunteer", False, id="one-word-swapped"
        ),
        pytest.param("data engineer", "data analyst", False, id="different-role"),
    ],
)
def test_similar_titles(a, b, near):
    assert similar_titles(a, b) is near


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        pytest.param(("Berlin, Germany", None), ("Berlin, Berlin, Germany", None), True, id="same-city"),
        pytest.param(
            ("Munich, Bavaria, Germany", None),
            ("Frankfurt, Hesse, Germany", None),
            False,
            id="different-city-same-country",
        ),
        pytest.param(("Sofia, Bulgaria", None), ("Berlin, Germany", None), False, id="different-country"),
        pytest.param(("Remote Germany", None), ("Germany", None), True, id="country-level"),
        pytest.param(("Remote Canada", None), ("Remote UK", None), False, id="remote-different-countries"),
        pytest.param(("Hamburg", ["DE"]), ("Remote", None), True, id="unstated-side"),
        pytest.param(("Anywhere", None), ("Lisbon, Portugal", None), True, id="worldwide"),
        pytest.param(
            ("Munich, Bavaria, Germany", ["DE"]), ("Remote - Germany", ["DE"]), True, id="city-vs-country-normalised"
        ),
        pytest.param((None, ["US"]), (None, ["CA"]), False, id="normalised-countries-disjoint"),
    ],
)
def test_location_compatibility(a, b, ok):
    assert compatible_places(place_of(a[0], a[1]), place_of(b[0], b[1])) is ok


@pytest.mark.parametrize(
    ("gap_days", "ok"),
    [pytest.param(0, True, id="same-day"), pytest.param(59, True, id="inside"), pytest.param(61, False, id="outside")],
)
def test_time_window(gap_days, ok):
    t = datetime(2026, 1, 1, tzinfo=UTC)
    later = t + timedelta(days=10 + gap_days)
    assert within_window((t, t + timedelta(days=10)), (later, later), timedelta(days=60)) is ok


# -- rules on a database ----------------------------------------------------------------
def posting(source: str, source_id: str, **fields):
    base = {
        "source": source,
        "source_id": source_id,
        "url": f"https://{source}.example/jobs/{source_id}",
        "title": "Backend Engineer",
        "company": "Acme",
        "location_raw": "Berlin, Germany",
        "description_text": "Build things.",
        "raw": {"id": source_id},
    }
    base.update(fields)
    base["company_norm"] = normalize_company(base.get("company"))
    return base


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "jobs.db")
    yield database
    database.close()


def store_run(db, source, postings, seen_at=T0):
    store = PostingStore(db)
    run_id = store.start_run(source, seen_at)
    store.write_batch(run_id, postings, [], seen_at=seen_at)
    return run_id


def listing_of(db, source, source_id):
    return db.execute(
        "SELECT listing_id FROM postings WHERE source = ? AND source_id = ?", [source, source_id]
    ).fetchone()[0]


def rule_of(db, source, source_id):
    return db.execute(
        "SELECT m.rule FROM listing_matches m JOIN postings p ON p.id = m.posting_id "
        "WHERE p.source = ? AND p.source_id = ?",
        [source, source_id],
    ).fetchone()[0]


def place_all(db, **kwargs):
    return dedupe_postings(db, "WHERE listing_id IS NULL", facts=FACTS, now=T0, **kwargs)


def test_rule_ats_id_in_apply_url(db):
    store_run(
        db, "greenhouse", [posting("greenhouse", "4012345", url="https://boards.greenhouse.io/acme/jobs/4012345")]
    )
    store_run(
        db,
        "remotive",
        [
            posting(
                "remotive",
                "9",
                title="Platform Person",
                apply_url="https://boards.greenhouse.io/acme/jobs/4012345?gh_src=remotive",
            )
        ],
    )
    place_all(db)
    assert listing_of(db, "remotive", "9") == listing_of(db, "greenhouse", "4012345")
    assert rule_of(db, "remotive", "9") == "ats_id"


def test_rule_ats_requisition_joins_locations_of_one_job(db):
    store_run(
        db,
        "greenhouse",
        [
            posting("greenhouse", "1001", location_raw="Remote Spain", raw={"internal_job_id": 77}),
            posting("greenhouse", "1002", location_raw="Remote Italy", raw={"internal_job_id": 77}),
            posting(
                "greenhouse",
                "1003",
                location_raw="Remote Italy",
                title="Frontend Engineer",
                raw={"internal_job_id": 77},
            ),
        ],
    )
    place_all(db)
    assert listing_of(db, "greenhouse", "1001") == listing_of(db, "greenhouse", "1002")
    assert listing_of(db, "greenhouse", "1003") != listing_of(db, "greenhouse", "1002")  # same req, other title
    row = db.execute(
        "SELECT countries, postings_count FROM listings WHERE id = ?", [listing_of(db, "greenhouse", "1001")]
    ).fetchone()
    assert row[1] == 2


def test_rule_mentioned_ats_ids_join_one_job_only(db):
    store_run(
        db,
        "greenhouse",
        [
            posting("greenhouse", "5001", title="Systems Engineer"),
            posting("greenhouse", "5002", title="Product Engineer"),
        ],
    )
    text = (
        "We hire: https://job-boards.greenhouse.io/acme/jobs/5001 and https://job-boards.greenhouse.io/acme/jobs/5002"
    )
    store_run(db, "hackernews", [posting("hackernews", "777", title="Multiple roles", description_html=text)])
    place_all(db)
    hn = listing_of(db, "hackernews", "777")
    assert hn == listing_of(db, "greenhouse", "5001")
    assert listing_of(db, "greenhouse", "5002") != hn
    assert rule_of(db, "hackernews", "777") == "ats_id_mentioned"


def test_mention_before_the_ats_postings_still_keeps_jobs_apart(db):
    text = "Apply: https://job-boards.greenhouse.io/acme/jobs/5001 or https://job-boards.greenhouse.io/acme/jobs/5002"
    store_run(db, "hackernews", [posting("hackernews", "777", title="Multiple roles", description_html=text)])
    place_all(db)
    store_run(
        db,
        "greenhouse",
        [
            posting("greenhouse", "5001", title="Systems Engineer"),
            posting("greenhouse", "5002", title="Product Engineer"),
        ],
    )
    place_all(db)
    assert listing_of(db, "greenhouse", "5001") == listing_of(db, "hackernews", "777")
    assert listing_of(db, "greenhouse", "5002") != listing_of(db, "greenhouse", "5001")


def test_rule_apply_url(db):
    store_run(
        db, "remotive", [posting("remotive", "1", apply_url="https://acme.com/jobs/backend-42?utm_source=remotive")]
    )
    store_run(
        db,
        "remoteok",
        [
            posting(
                "remoteok",
                "2",
                title="Backend Dev",
                company="ACME Corp",
                apply_url="https://www.acme.com/jobs/backend-42/?ref=remoteok",
            )
        ],
    )
    place_all(db)
    assert listing_of(db, "remoteok", "2") == listing_of(db, "remotive", "1")
    assert rule_of(db, "remoteok", "2") == "apply_url"


@pytest.mark.parametrize(
    ("other", "same"),
    [
        pytest.param({"company": "Acme GmbH", "title": "Backend Engineer (m/w/d)"}, True, id="same-job"),
        pytest.param({"company": "acme.com", "location_raw": "Berlin"}, True, id="domain-company-city"),
        pytest.param({"title": "Frontend Engineer"}, False, id="different-title"),
        pytest.param({"location_raw": "Munich, Germany"}, False, id="different-city"),
        pytest.param({"company": "Acme Bank"}, False, id="different-company"),
    ],
)
def test_rule_company_title_location(db, other, same):
    store_run(db, "arbeitnow", [posting("arbeitnow", "a1")])
    store_run(db, "jobicy", [posting("jobicy", "j1", **other)])
    place_all(db)
    assert (listing_of(db, "jobicy", "j1") == listing_of(db, "arbeitnow", "a1")) is same


@pytest.mark.parametrize(
    ("days", "window", "same"),
    [
        pytest.param(30, 60, True, id="inside-default-window"),
        pytest.param(90, 60, False, id="outside-default-window"),
        pytest.param(90, 120, True, id="wider-window-setting"),
    ],
)
def test_time_window_setting(db, days, window, same):
    later = (datetime.fromisoformat(T0) + timedelta(days=days)).isoformat()
    store_run(db, "arbeitnow", [posting("arbeitnow", "a1")])
    store_run(db, "jobicy", [posting("jobicy", "j1")], seen_at=later)
    place_all(db, window_days=window)
    assert (listing_of(db, "jobicy", "j1") == listing_of(db, "arbeitnow", "a1")) is same


def test_employer_board_jobs_never_merge_by_content(db):
    store_run(db, "greenhouse", [posting("greenhouse", "1"), posting("greenhouse", "2")])
    place_all(db)
    assert listing_of(db, "greenhouse", "1") != listing_of(db, "greenhouse", "2")


DESCRIPTION = " ".join(f"we build payment rails for small merchants and need word{i}" for i in range(40))


@pytest.mark.parametrize(
    ("title", "description", "same"),
    [
        pytest.param("Senior Backend Engineer, Payments Team", DESCRIPTION, True, id="near-title-same-text"),
        pytest.param(
            "Senior Backend Engineer, Payments Team",
            "Completely different words here.",
            False,
            id="near-title-other-text",
        ),
        pytest.param("Senior Data Analyst", DESCRIPTION, False, id="same-text-other-title"),
    ],
)
def test_description_similarity_supports_near_titles_only(db, title, description, same):
    store_run(db, "remotive", [posting("remotive", "1", title="Senior Backend Engineer", description_text=DESCRIPTION)])
    store_run(db, "remoteok", [posting("remoteok", "2", title=title, description_text=description)])
    place_all(db)
    assert (listing_of(db, "remoteok", "2") == listing_of(db, "remotive", "1")) is same


def test_repost_on_same_platform_counts(db):
    store_run(db, "hackernews", [posting("hackernews", "100", title="Staff Engineer")])
    later = (datetime.fromisoformat(T0) + timedelta(days=31)).isoformat()
    store_run(db, "hackernews", [posting("hackernews", "200", title="Staff Engineer")], seen_at=later)
    place_all(db)
    listing = listing_of(db, "hackernews", "100")
    assert listing_of(db, "hackernews", "200") == listing
    row = db.execute("SELECT times_reposted, postings_count FROM listings WHERE id = ?", [listing]).fetchone()
    assert tuple(row) == (1, 2)


def test_overrides_split_and_merge_survive_rebuild(db):
    store_run(db, "arbeitnow", [posting("arbeitnow", "a1")])
    store_run(db, "jobicy", [posting("jobicy", "j1"), posting("jobicy", "j2", title="Office Wizard")])
    place_all(db)
    a1, j1, j2 = (
        db.execute("SELECT id FROM postings WHERE source_id = ?", [s]).fetchone()[0] for s in ("a1", "j1", "j2")
    )
    db.table("listing_overrides").insert_all(
        [
            {"posting_id": j1, "listing_id": None, "action": "split", "reason": "different team", "created_at": T0},
            {
                "posting_id": j2,
                "listing_id": listing_of(db, "arbeitnow", "a1"),
                "action": "merge",
                "reason": "same req",
                "created_at": T0,
            },
        ]
    )
    rebuild(db, facts=FACTS, now=T0)
    assert listing_of(db, "jobicy", "j1") != listing_of(db, "arbeitnow", "a1")
    assert listing_of(db, "jobicy", "j2") == listing_of(db, "arbeitnow", "a1")
    rules = dict(db.execute("SELECT posting_id, rule FROM listing_matches").fetchall())
    assert rules[j1] == "override_split" and rules[j2] == "override_merge" and rules[a1] == "new"


def test_canonical_fields_prefer_employer_ats_then_completeness(db):
    store_run(
        db,
        "remotive",
        [
            posting(
                "remotive",
                "1",
                title="Backend Engineer",
                salary_usd_min=90000.0,
                apply_url="https://boards.greenhouse.io/acme/jobs/4012345",
            )
        ],
    )
    store_run(
        db,
        "greenhouse",
        [
            posting(
                "greenhouse", "4012345", title="Backend Engineer", url="https://boards.greenhouse.io/acme/jobs/4012345"
            )
        ],
    )
    place_all(db)
    listing = db.execute("SELECT * FROM listings").fetchall()
    assert len(listing) == 1
    row = dict(zip([d[0] for d in db.execute("SELECT * FROM listings").description], listing[0], strict=True))
    gh_id = db.execute("SELECT id FROM postings WHERE source = 'greenhouse'").fetchone()[0]
    assert row["canonical_posting_id"] == gh_id
    assert row["salary_usd_min"] == 90000.0  # taken from the posting that has one
    assert {u["source"] for u in json.loads(row["apply_urls"])} == {"greenhouse", "remotive"}
    assert row["closed_at"] is None and row["postings_count"] == 2


def test_rebuild_is_idempotent_and_keeps_listing_ids(db):
    store_run(db, "arbeitnow", [posting("arbeitnow", "a1"), posting("arbeitnow", "a2", title="Designer")])
    store_run(db, "jobicy", [posting("jobicy", "j1")])
    place_all(db)
    before = dict(db.execute("SELECT id, listing_id FROM postings").fetchall())
    rebuild(db, facts=FACTS, now=T0)
    rebuild(db, facts=FACTS, now=T0)
    assert dict(db.execute("SELECT id, listing_id FROM postings").fetchall()) == before
    assert db.execute("SELECT COUNT(*) FROM listings").fetchone()[0] == 2


# -- stored keys (posting_keys) ---------------------------------------------------------
def keys_of(db, source, source_id):
    row = db.execute(
        "SELECT k.version, k.title_key, k.last_seen_at, k.listing_id FROM posting_keys k "
        "JOIN postings p ON p.id = k.posting_id WHERE p.source = ? AND p.source_id = ?",
        [source, source_id],
    ).fetchone()
    return None if row is None else dict(zip(("version", "title_key", "last_seen_at", "listing_id"), row, strict=True))


@pytest.mark.parametrize(
    ("update", "expect"),
    [
        pytest.param("title = 'Frontend Engineer'", {"version": None}, id="key-source-edit-marks-stale"),
        pytest.param("title_clean = 'Data Engineer'", {"version": None}, id="renormalised-field-marks-stale"),
        pytest.param(
            "last_seen_at = '2026-04-01T00:00:00+00:00'",
            {"last_seen_at": "2026-04-01T00:00:00+00:00"},
            id="lifecycle-time-copied",
        ),
        pytest.param("listing_id = 4242", {"listing_id": 4242}, id="listing-id-copied"),
    ],
)
def test_posting_keys_follow_postings(db, update, expect):
    store_run(db, "arbeitnow", [posting("arbeitnow", "a1")])
    place_all(db)
    assert keys_of(db, "arbeitnow", "a1")["version"] is not None
    db.execute(f"UPDATE postings SET {update} WHERE source = 'arbeitnow'")
    keys = keys_of(db, "arbeitnow", "a1")
    assert {k: keys[k] for k in expect} == expect


def test_deleting_a_posting_drops_its_keys(db):
    text = "See https://job-boards.greenhouse.io/acme/jobs/5001"
    store_run(db, "hackernews", [posting("hackernews", "1", description_html=text)])
    place_all(db)
    db.execute("DELETE FROM postings")
    assert db.execute("SELECT COUNT(*) FROM posting_keys").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM posting_refs").fetchone()[0] == 0


def test_rebuild_recomputes_edited_postings(db):
    store_run(db, "arbeitnow", [posting("arbeitnow", "a1")])
    store_run(db, "jobicy", [posting("jobicy", "j1", title="Office Wizard")])
    place_all(db)
    assert listing_of(db, "jobicy", "j1") != listing_of(db, "arbeitnow", "a1")
    # an edit outside the store (e.g. re-normalisation): the stored keys are stale, rebuild sees the new title
    db.execute("UPDATE postings SET title_clean = 'Backend Engineer' WHERE source = 'jobicy'")
    rebuild(db, facts=FACTS, now=T0)
    assert listing_of(db, "jobicy", "j1") == listing_of(db, "arbeitnow", "a1")
    assert keys_of(db, "jobicy", "j1")["title_key"] == "backend engineer"


def test_rebuild_repairs_listings_that_drifted(db):
    store_run(db, "arbeitnow", [posting("arbeitnow", "a1"), posting("arbeitnow", "a2", title="Designer")])
    store_run(db, "jobicy", [posting("jobicy", "j1")])
    place_all(db)
    before = db.execute("SELECT * FROM listings ORDER BY id").fetchall()
    db.execute("UPDATE listings SET last_seen_at = '1999-01-01', postings_count = 7 WHERE id = ?",
               [listing_of(db, "jobicy", "j1")])  # fmt: skip
    db.execute("DELETE FROM listings WHERE id = ?", [listing_of(db, "arbeitnow", "a2")])
    db.execute("INSERT INTO listings (id, title) VALUES (999, 'orphan')")
    rebuild(db, facts=FACTS, now=T0)
    assert db.execute("SELECT * FROM listings ORDER BY id").fetchall() == before


def test_incremental_placement_equals_rebuild(db):
    store_run(
        db, "greenhouse", [posting("greenhouse", "4012345", url="https://boards.greenhouse.io/acme/jobs/4012345")]
    )
    place_all(db)
    store_run(db, "remotive", [posting("remotive", "9", apply_url="https://boards.greenhouse.io/acme/jobs/4012345"),
                               posting("remotive", "10", title="Designer")])  # fmt: skip
    place_all(db)
    store_run(db, "jobicy", [posting("jobicy", "j1", company="Acme GmbH"), posting("jobicy", "j2", title="Designer")])
    place_all(db)
    incremental = dict(db.execute("SELECT id, listing_id FROM postings").fetchall())
    listings = db.execute("SELECT * FROM listings ORDER BY id").fetchall()
    rebuild(db, facts=FACTS, now=T0)
    assert dict(db.execute("SELECT id, listing_id FROM postings").fetchall()) == incremental
    assert db.execute("SELECT * FROM listings ORDER BY id").fetchall() == listings


def test_keys_of_postings_placed_before_v4_are_filled_by_the_next_dedupe(tmp_path):
    """The v4 migration (db layer) leaves placeholder key rows; the next dedupe fills them, so a
    new posting still finds the old listing through its keys."""
    db = open_db(tmp_path / "old.db", migrate_schema=False)
    for version, _description, apply in MIGRATIONS:
        if version < 4:
            with db.atomic():
                apply(db)
                db.execute(f"PRAGMA user_version = {version}")
    store_run(
        db, "greenhouse", [posting("greenhouse", "4012345", url="https://boards.greenhouse.io/acme/jobs/4012345")]
    )
    # placed by a v3 release: a listing id but no posting_keys table yet
    db.execute("UPDATE postings SET listing_id = 7")
    migrate(db)
    placeholder = db.execute("SELECT listing_id, source, version FROM posting_keys").fetchall()
    assert placeholder == [(7, None, None)]

    store_run(
        db,
        "remotive",
        [posting("remotive", "r1", apply_url="https://boards.greenhouse.io/acme/jobs/4012345", company="ACME Inc")],
    )
    dedupe_postings(db, "WHERE source = 'remotive'", now=T0, facts=FACTS)
    assert listing_of(db, "remotive", "r1") == 7
    assert db.execute("SELECT COUNT(*) FROM posting_keys WHERE source IS NULL").fetchone()[0] == 0
    db.close()
