"""``remotejobs boards``: the ATS boards found in postings (``boards`` table, db/boards.py).

``list`` shows them (``--ats``, ``--status``), ``add ATS BOARD`` adds or re-activates one by
hand, ``disable ATS BOARD`` stops crawling it (kept, with the reason), ``count`` gives the
boards per ATS and status, ``scan`` runs discovery over every stored posting (after a new
pattern in data/ats_patterns.csv; crawls scan their own postings on their own).
"""

from __future__ import annotations

import argparse
from typing import Any

from crawler.cli.common import CliError, add_db_argument
from db.boards import STATUSES, add_board, board_counts, discover_boards, load_patterns, set_status
from db.schema import open_db


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "boards",
        help="list, add, disable and count the ATS boards found in postings",
        description="ATS spiders crawl data/boards/<spider>.txt plus the active boards listed here.",
    )
    add_db_argument(parser)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="boards with status, first seen and the posting that linked them")
    listing.add_argument("--ats", help="only this ATS (spider name)")
    listing.add_argument("--status", choices=STATUSES, help="only boards with this status")
    add = actions.add_parser("add", help="add a board by hand (or re-activate it)")
    disable = actions.add_parser("disable", help="stop crawling a board (kept, with the reason)")
    for sub in (add, disable):
        sub.add_argument("ats", help="the ATS spider: " + ", ".join(sorted({p.ats for p in load_patterns()})))
        sub.add_argument("board", help="the spider's board argument (slug; Workday: host/site)")
        sub.add_argument("--reason", help="a note kept with the board")
    actions.add_parser("count", help="boards per ATS and status")
    actions.add_parser("scan", help="find boards in every stored posting (after a pattern change)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    db = open_db(args.db)
    try:
        if args.action in {"add", "disable"} and args.ats not in {p.ats for p in load_patterns()}:
            raise CliError(f"unknown ATS {args.ats!r}")
        if args.action == "list":
            where, params = _filters(args)
            rows = db.execute(
                f"SELECT ats, board, status, first_seen, found_in_posting, reason FROM boards {where} "
                "ORDER BY ats, board",
                params,
            ).fetchall()
            for ats, board, status, first_seen, posting, reason in rows:
                found = f"posting {posting}" if posting is not None else "by hand"
                print(f"{ats:<16}{board:<40}{status:<10}{first_seen}  {found}{'  ' + reason if reason else ''}")
            print(f"{len(rows)} boards")
        elif args.action == "add":
            new = add_board(db, args.ats, args.board, args.reason or "added by hand")
            print(f"{'added' if new else 're-activated'} {args.ats} {args.board}")
        elif args.action == "disable":
            if not set_status(db, args.ats, args.board, "disabled", args.reason or "disabled by hand"):
                raise CliError(f"no board {args.ats} {args.board}")
            print(f"disabled {args.ats} {args.board}")
        elif args.action == "count":
            print(f"{'ats':<16}{'active':>8}{'inactive':>10}{'disabled':>10}{'total':>8}")
            for row in board_counts(db):
                print(f"{row['ats']:<16}{row['active']:>8}{row['inactive']:>10}{row['disabled']:>10}{row['total']:>8}")
        else:
            print(f"{discover_boards(db)} new boards found in stored postings")
    finally:
        db.close()
    return 0


def _filters(args: argparse.Namespace) -> tuple[str, list[str]]:
    clauses, params = [], []
    for column in ("ats", "status"):
        if getattr(args, column):
            clauses.append(f"{column} = ?")
            params.append(getattr(args, column))
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params
