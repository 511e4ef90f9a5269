"""Entry point of ``annotator`` and ``python -m annotator``: the window, or a CLI command.

Kept light on imports so that the window appears before heavy modules load.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from annotator.cli import build_parser, run

    args = build_parser().parse_args(argv)
    if args.command is not None:
        return run(args)
    from annotator.gui.app import run_app

    return run_app(db_url=args.db, user=args.user, schema_path=args.schema)


if __name__ == "__main__":
    sys.exit(main())
