"""The command line: the contract that staff, installers, tests and scripts rely on (see README.md).

Every command takes `--db PATH` (default `$KIOSK_DB`, else `kiosk.sqlite3` in the data folder). The first
command that opens an empty database fills it from the bundled content. A mistake made by the user or the
machine (missing folder, bad file, locked database) is one clear line on stderr and a non-zero exit; only a bug
prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from kiosk import __version__, paths
from kiosk.errors import ContentError, KioskError, UsageError

log = logging.getLogger("kiosk")

Handler = Callable[[argparse.Namespace], int]


def _db_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else paths.default_db_path()


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[object]:
    """A session on the command's database, filled from the bundled content on first use."""
    from kiosk.db import open_store, translated_errors
    from kiosk.services import library

    store = open_store(_db_path(args))
    try:
        with translated_errors():
            with store.session() as session, session.begin():
                plan = library.sync_bundled(session)
                if plan is not None:
                    log.info("bundled content loaded: %s", plan.summary())
            with store.session() as session:
                yield session
    finally:
        store.close()


# --- content -----------------------------------------------------------------------------------------------------


def _content_dir(value: str | None) -> Path:
    root = Path(value) if value else paths.bundled_content_dir()
    if not root.exists():
        raise UsageError(f"{root}: no such folder")
    if not root.is_dir():
        raise UsageError(f"{root} is a file; give the content folder that holds site.yaml, en/ and es/")
    return root


def cmd_content_validate(args: argparse.Namespace) -> int:
    from kiosk.content.parse import read_content
    from kiosk.content.validate import validate

    root = _content_dir(args.dir)
    problems = validate(read_content(root))
    errors = [p for p in problems if p.severity == "error"]
    if args.json:
        print(
            json.dumps(
                [
                    {"file": p.path, "line": p.line, "severity": p.severity, "message": p.message}
                    for p in problems
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for problem in problems:
            print(problem)
    warnings = len(problems) - len(errors)
    print(f"{root}: {len(errors)} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors else 0


def cmd_content_import(args: argparse.Namespace) -> int:
    from kiosk.services import library

    root = _content_dir(args.dir)
    with _session(args) as session, session.begin():  # type: ignore[attr-defined]
        plan = library.import_folder(session, root, dry_run=args.dry_run)  # type: ignore[arg-type]
    if args.dry_run:
        for line in plan.report():
            print(line)
        print(
            f"would import {root}: {plan.summary() if not plan.is_empty else 'no changes'} (nothing was changed)"
        )
    else:
        print(f"imported {root}: {plan.summary() if not plan.is_empty else 'no changes'}")
    return 0


def cmd_content_export(args: argparse.Namespace) -> int:
    from kiosk.services import library

    destination = Path(args.dir)
    with _session(args) as session, session.begin():  # type: ignore[attr-defined]
        count = library.export_folder(session, destination)  # type: ignore[arg-type]
    print(f"exported {count} files to {destination}")
    return 0


# --- search ------------------------------------------------------------------------------------------------------


def cmd_faq_search(args: argparse.Namespace) -> int:
    from kiosk.services.search import search_faq

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    with _session(args) as session, session.begin():  # type: ignore[attr-defined]
        results = search_faq(session, args.query, args.lang, limit=args.limit)  # type: ignore[arg-type]
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "question": r.question,
                        "category": r.category,
                        "category_title": r.category_title,
                        "score": r.score,
                    }
                    for r in results
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not results:
        print("no matching questions")
        return 0
    for number, result in enumerate(results, start=1):
        print(
            f"{number}. {result.question}  [{result.category_title}; {result.id}; score {result.score:.2f}]"
        )
    return 0


# --- parser ------------------------------------------------------------------------------------------------------


def _language(value: str) -> str:
    from kiosk.config import SUPPORTED_LANGUAGES

    if value not in SUPPORTED_LANGUAGES:
        raise argparse.ArgumentTypeError(f"choose one of: {', '.join(SUPPORTED_LANGUAGES)}")
    return value


def _global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """--db and -v, accepted before or after the command. Only the top level sets defaults, so a value given
    before the command is not overwritten by a sub-command's default."""
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=None if defaults else argparse.SUPPRESS,
        help="database file (default: $KIOSK_DB, else kiosk.sqlite3 in the data folder)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if defaults else argparse.SUPPRESS,
        help="log more detail to stderr",
    )


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, defaults=False)
    parser = argparse.ArgumentParser(prog="kiosk", description="Ketamine patient-education kiosk.")
    _global_options(parser, defaults=True)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    content = commands.add_parser("content", help="import, export or validate content folders")
    content_commands = content.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = content_commands.add_parser("import", parents=[common], help="import a content folder (atomic)")
    p.add_argument("dir", nargs="?", metavar="DIR", help="content folder (default: the bundled content)")
    p.add_argument("--dry-run", action="store_true", help="show what would change and change nothing")
    p.set_defaults(handler=cmd_content_import)
    p = content_commands.add_parser(
        "export", parents=[common], help="write the database's content to a folder"
    )
    p.add_argument("dir", metavar="DIR")
    p.set_defaults(handler=cmd_content_export)
    p = content_commands.add_parser(
        "validate", parents=[common], help="check a content folder; exit 1 on errors"
    )
    p.add_argument("dir", nargs="?", metavar="DIR", help="content folder (default: the bundled content)")
    p.add_argument("--json", action="store_true", help="print the problems as JSON")
    p.set_defaults(handler=cmd_content_validate)

    faq = commands.add_parser("faq", help="questions and answers")
    faq_commands = faq.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = faq_commands.add_parser("search", parents=[common], help="find the questions that answer a query")
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--lang", type=_language, default="en")
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--json", action="store_true", help="print a JSON list of {id, question, category, score}")
    p.set_defaults(handler=cmd_faq_search)
    return parser


def _setup_logging(verbose: bool) -> None:
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(getattr(args, "verbose", False))
    handler: Handler = args.handler
    try:
        return handler(args)
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"kiosk: {error}", file=sys.stderr)
        return error.exit_code
    except KioskError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("kiosk: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        from kiosk.db import describe_error

        known = describe_error(error)
        if known is None:
            raise
        print(f"kiosk: {known}", file=sys.stderr)
        return known.exit_code
