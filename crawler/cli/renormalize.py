"""``remotejobs renormalize``: re-run the normalisers over stored raw values, no re-crawl.

After a normaliser or reference-table change (new FX rates, a new title rule),
this recomputes every normalised column of ``postings`` from the raw columns
kept beside them, in batches of 1,000, and writes only the rows whose values changed,
one transaction per batch.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from crawler.cli.common import CliError, add_db_argument, add_json_argument
from crawler.cli.progress import ProgressReport
from crawler.items import NORMALIZED_FIELDS, PLATFORM_FIELDS, JobPosting
from db.postings import posting_row
from db.schema import BOOL_COLUMNS, JSON_COLUMNS, open_db
from pipelines.normalization import normalize_item

BATCH = 1000


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "renormalize",
        help="recompute normalised fields (salary, location, title, dates) from the stored raw values",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_db_argument(parser)
    parser.add_argument("--source", action="append", help="only postings of this platform (repeatable)")
    add_json_argument(parser, "the summary as one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:

    if not Path(args.db).is_file():
        raise CliError(f"no database at {args.db} (run a crawl first, or pass --db)")
    db = open_db(args.db)
    where, params = "", []
    if args.source:
        where = f"WHERE source IN ({','.join('?' * len(args.source))})"
        params = list(args.source)
    misses: Counter[str] = Counter()
    platform = [f for f in PLATFORM_FIELDS if f != "raw"]
    normalised = sorted(NORMALIZED_FIELDS.keys() | {"posted_at"})
    # one prepared statement per batch, for the rows whose values changed: sqlite-utils' per-row
    # update() asked the schema and re-read the row (about 10 statements a posting)
    update_sql = f"UPDATE postings SET {', '.join(f'[{c}] = ?' for c in normalised)} WHERE id = ?"
    select = ", ".join([*(f"[{f}]" for f in platform), *(f"[{c}] AS [stored_{c}]" for c in normalised)])
    processed = updated = 0
    last_id = 0
    total = db.execute(f"SELECT count(*) FROM postings {where}", params).fetchone()[0]
    with ProgressReport("renormalize") as report:
        while True:
            rows = list(
                db.query(
                    f"SELECT id, {select} FROM postings "
                    f"{where + ' AND' if where else 'WHERE'} id > ? ORDER BY id LIMIT {BATCH}",
                    [*params, last_id],
                )
            )
            if not rows:
                break
            changes = []
            for row in rows:
                fields = {k: row[k] for k in platform if row[k] is not None}
                for key in JSON_COLUMNS & fields.keys():
                    fields[key] = json.loads(fields[key])
                for key in BOOL_COLUMNS & fields.keys():
                    fields[key] = bool(fields[key])
                fields.pop("posted_at", None)  # recomputed from posted_at_raw
                item = JobPosting(**fields)
                normalize_item(item, lambda kind: misses.update([kind]))
                encoded = posting_row(item)  # the store's own column encoding
                values = [encoded[c] for c in normalised]
                if values != [row[f"stored_{c}"] for c in normalised]:
                    changes.append([*values, row["id"]])
            if changes:
                with db.atomic():
                    db.conn.executemany(update_sql, changes)
            processed += len(rows)
            updated += len(changes)
            last_id = rows[-1]["id"]
            report.update("renormalising", processed, total)
    db.close()
    lines = [f"renormalised {processed} postings in {report.seconds:.1f}s, {updated} changed"]
    lines += [f"  unparsed {kind}: {count}" for kind, count in sorted(misses.items())]
    report.summary(
        "\n".join(lines),
        {"postings": processed, "changed": updated, **{f"unparsed_{kind}": n for kind, n in sorted(misses.items())}},
        as_json=args.json,
    )
    return 0
