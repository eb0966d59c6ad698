"""python -m orchestration.report [WAREHOUSE]: render the report of a published snapshot
(default PAPERS_WAREHOUSE) without a run, and print its path."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import settings
from . import render_report


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    warehouse = Path(args[0]).resolve() if args else settings.warehouse_path()
    if not warehouse.is_file():
        print(f"no published warehouse at {warehouse}: run `make run` first", file=sys.stderr)
        return 2
    report = render_report(warehouse)
    print(f"{report.path} ({report.bytes / 1e6:.1f} MB in {report.seconds:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
