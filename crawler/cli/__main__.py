"""``python -m crawler.cli``: the ``remotejobs`` command."""

from crawler.cli.main import main

raise SystemExit(main())
