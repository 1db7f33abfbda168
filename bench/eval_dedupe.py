"""Dedupe quality on real cross-posts: precision and recall of "same job, same listing".

    python bench/eval_dedupe.py --replay            # replay the cassettes into a temp db, score
    python bench/eval_dedupe.py --replay --twice    # ... replaying everything twice
    python bench/eval_dedupe.py --db data/jobs.db   # score an existing database

Labels:
- ``../shared/eval/dedupe.jsonl``: an Arbeitnow / Jobicy / Hacker News posting and the
  Greenhouse ids of the same job. A hit when the posting's listing holds one of them; every
  other Greenhouse posting of that board in the listing is a false merge.
- ``PAIRS`` below (our own, from the same cassettes): pairs that must share a listing
  (reposts) or must stay apart (same company, different role or location).

Precision = correct merges / all merges judged; recall = correct merges / labelled merges.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REMOTEJOBS_SHARED", ROOT.parent / "shared"))
REALDATA = SHARED / "realdata"
EVAL = SHARED / "eval" / "dedupe.jsonl"

#: (spider, cassette, extra args) in replay order: the employer boards, then the job boards by date.
REPLAYS: list[tuple[str, str, tuple[str, ...]]] = [
    ("greenhouse", "greenhouse-boards", ()),
    ("arbeitnow", "arbeitnow-2026-02-12a", ()),
    ("arbeitnow", "arbeitnow-2026-02-12b", ()),
    ("arbeitnow", "arbeitnow-2026-02-13", ()),
    ("jobicy", "jobicy", ()),
    ("hackernews", "hn-2026-01", ("-a", "thread=46466074")),
    ("hackernews", "hn-2026-02", ("-a", "thread=46857488")),
    ("hackernews", "hn-2026-03", ("-a", "thread=47219668")),
]

#: Our own labelled pairs: (label, (source, source_id), (source, source_id), why).
#: "same": must share a listing; "apart": must not.
PAIRS: list[tuple[str, tuple[str, str], tuple[str, str], str]] = [
    # reposts: the same job posted again on the same platform
    ("same", ("arbeitnow", "remote-technical-account-manager-dach-munich-61695"),
     ("arbeitnow", "remote-technical-account-manager-dach-munich-256258"), "Arbeitnow repost, new slug"),
    ("same", ("hackernews", "46466822"), ("hackernews", "46859154"), "HN repost, Jan -> Feb thread"),
    ("same", ("hackernews", "46466743"), ("hackernews", "46858667"), "HN repost, Jan -> Feb thread"),
    ("same", ("hackernews", "46858667"), ("hackernews", "47219920"), "HN repost, Feb -> Mar thread"),
    # one requisition on the employer's board, several locations
    ("same", ("greenhouse", "7789090"), ("greenhouse", "7838280"), "Mozilla R3099 Germany / UK"),
    # same company, same title, different city
    ("apart", ("arbeitnow", "conference-coordinator-volunteer-munich-325934"),
     ("arbeitnow", "conference-coordinator-volunteer-frankfurt-468634"), "Munich vs Frankfurt"),
    ("apart", ("arbeitnow", "senior-backend-full-stack-software-engineer-typescript-nestjs-munich-244989"),
     ("arbeitnow", "senior-backend-full-stack-software-engineer-typescript-nestjs-berlin-119441"),
     "Munich vs Berlin"),
    ("apart", ("arbeitnow", "backend-developer-php-symfony-perl-wiesbaden-59983"),
     ("arbeitnow", "backend-developer-php-symfony-perl-mainz-382152"), "Wiesbaden vs Mainz"),
    ("apart", ("arbeitnow", "projektleiter-fe-rd-technical-product-owner-mainz-162276"),
     ("arbeitnow", "projektleiter-fe-rd-technical-product-owner-weilheim-in-oberbayern-175150"),
     "Mainz vs Weilheim"),
    ("apart", ("greenhouse", "8016824"), ("greenhouse", "8016848"), "Firefox Security: Canada (R3156) vs Germany"),
    # same company, same place, different role
    ("apart", ("arbeitnow", "private-equity-conference-volunteer-munich-351738"),
     ("arbeitnow", "private-equity-event-volunteer-munich-230324"), "conference vs event volunteer"),
    ("apart", ("greenhouse", "8022444"), ("greenhouse", "8035891"), "Cloud Development vs Cloud Engineering"),
    ("apart", ("jobicy", "145880"), ("greenhouse", "7789090"), "contract SWE vs Workflow and CI SWE, Germany"),
    ("apart", ("greenhouse", "8403666002"), ("greenhouse", "8387224002"), "SumUp: sales vs analyst"),
]  # fmt: skip


def replay(db_path: Path, times: int = 1) -> None:
    for _ in range(times):
        for spider, cassette, args in REPLAYS:
            cmd = [sys.executable, "-m", "scrapy", "crawl", spider, *args, "-s", f"JOBS_DB={db_path}",
                   "-s", f"REPLAY_DIR={REALDATA / cassette}", "-s", "LOG_LEVEL=WARNING"]  # fmt: skip
            env = {k: v for k, v in os.environ.items() if k not in {"REPLAY_DIR", "RECORD_DIR", "JOBS_DB"}}
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
            if proc.returncode != 0:
                raise SystemExit(f"replay of {spider}/{cassette} failed:\n{proc.stderr[-3000:]}")
            if "Traceback" in proc.stderr:  # another pipeline logged an error; the crawl went on
                print(
                    f"warning: {spider}/{cassette} logged {proc.stderr.count('Traceback')} tracebacks", file=sys.stderr
                )


def score(db_path: Path, verbose: bool = False) -> dict[str, float]:
    conn = sqlite3.connect(db_path)
    listing = {(s, i): lid for s, i, lid in conn.execute("SELECT source, source_id, listing_id FROM postings")}
    members: dict[int, list[tuple[str, str]]] = {}
    for key, lid in listing.items():
        members.setdefault(lid, []).append(key)
    tp = fp = fn = 0
    problems: list[str] = []
    rows = [json.loads(line) for line in EVAL.read_text().splitlines() if line.strip()]
    for row in rows:
        key = (row["source"], str(row["source_id"]))
        twins = {("greenhouse", str(g)) for g in row["same_job"]}
        lid = listing.get(key)
        if lid is None:
            fn += 1
            problems.append(f"missing posting {key}")
            continue
        together = set(members[lid])
        if together & twins:
            tp += 1
        else:
            fn += 1
            problems.append(f"FN {key} not with {sorted(twins)}")
        wrong = sorted(k for k in together if k[0] == "greenhouse" and k not in twins)
        fp += len(wrong)
        if wrong:
            problems.append(f"FP {key} merged with {wrong[:5]}")
    for label, a, b, why in PAIRS:
        la, lb = listing.get(a), listing.get(b)
        if la is None or lb is None:
            problems.append(f"pair not in db ({why}): {a if la is None else b}")
            if label == "same":
                fn += 1
            continue
        if label == "same":
            if la == lb:
                tp += 1
            else:
                fn += 1
                problems.append(f"FN pair {why}")
        elif la == lb:
            fp += 1
            problems.append(f"FP pair {why}")
    listings = conn.execute("SELECT COUNT(*) FROM listings").fetchone()[0]
    postings = conn.execute("SELECT COUNT(*) FROM postings").fetchone()[0]
    conn.close()
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    if verbose:
        for line in problems:
            print("  " + line)
    return {"precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn,
            "postings": postings, "listings": listings}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="score this database instead of replaying")
    parser.add_argument("--replay", action="store_true", help="replay the cassettes into a temporary database")
    parser.add_argument("--twice", action="store_true", help="replay everything twice")
    parser.add_argument("--rebuild", action="store_true", help="run `dedupe --rebuild` before scoring")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "jobs.db"
        if args.replay:
            replay(db_path, 2 if args.twice else 1)
        if args.rebuild:
            sys.path.insert(0, str(ROOT))
            from db.schema import open_db
            from listings.build import rebuild
            from pipelines.after_crawl import platform_facts

            db = open_db(db_path)
            rebuild(db, facts=platform_facts())
            db.close()
        result = score(db_path, args.verbose)
    print(
        f"dedupe: precision {result['precision']:.3f} recall {result['recall']:.3f} "
        f"(tp {result['tp']}, fp {result['fp']}, fn {result['fn']}; "
        f"{result['postings']} postings -> {result['listings']} listings)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
