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
from typing import Any, NoReturn

from kiosk import __version__, logs, paths
from kiosk.errors import ContentError, KioskError, UsageError

log = logging.getLogger("kiosk")

#: Screens `kiosk screenshot` renders (kept here so --help needs no Qt import).
SCREENS = (
    "attract",
    "home",
    "reader",
    "faq",
    "teach-back",
    "take-home",
    "privacy",
    "idle-warning",
    "staff-login",
    "staff-menu",
    "staff-editor",
    "staff-insights",
)
#: The patient's text sizes, as `kiosk.ui.theme.TEXT_SIZES` has them (no Qt import for --help).
TEXT_SIZES = ("normal", "large", "largest")

Handler = Callable[[argparse.Namespace], int]


def _target(args: argparse.Namespace) -> Path | str:
    """The database a command works on: a kiosk's file, or a clinic group's hub (a PostgreSQL URL)."""
    if args.db:
        return str(args.db) if paths.is_hub_url(args.db) else Path(args.db)
    return paths.default_db()


def _db_path(args: argparse.Namespace) -> Path:
    """The kiosk's database file, for commands that only a kiosk's file allows."""
    target = _target(args)
    if isinstance(target, str):
        command = " ".join(part for part in (args.command, getattr(args, "action", None)) if part)
        raise UsageError(f"'kiosk {command}' works on a kiosk's database file, not on a hub")
    return target


@contextmanager
def _store(args: argparse.Namespace) -> Iterator[Any]:
    """The open store, for commands that hold it long. A missing or empty database is first rebuilt from the newest
    good backup (said on stderr), else filled from the bundled content. A hub is opened as it is: it must have
    been set up with `kiosk hub init`, and fills only when staff import content into it."""
    from kiosk.db.store import translated_errors
    from kiosk.services import library

    target = _target(args)
    if isinstance(target, str):
        from kiosk.db.store import open_hub

        hub = open_hub(target)
        try:
            with translated_errors():
                yield hub
        finally:
            hub.close()
        return
    notices: list[str] = []
    store = library.open_or_rebuild(target, notices)
    for notice in notices:
        print(f"kiosk: {notice}", file=sys.stderr)
    try:
        with translated_errors(), store.session() as session, session.begin():
            plan = library.sync_bundled(session)
            if plan is not None:
                log.info("bundled content loaded: %s", plan.summary())
        yield store
    finally:
        store.close()


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[Any]:
    """A session on the command's database, filled from the bundled content on first use."""
    with _store(args) as store, store.session() as session:
        yield session


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
    from kiosk.content.validate import picture_costs, validate

    root = _content_dir(args.dir)
    content = read_content(root)
    problems = sorted({*validate(content), *picture_costs(content)})
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
    with _store(args) as store:
        plan = library.import_folder_with_backup(store, root, dry_run=args.dry_run)
    _report(plan, f"import {root}", args.dry_run)
    return 0


def _report(plan: Any, what: str, dry_run: bool) -> None:
    summary = "no changes" if plan.is_empty else plan.summary()
    if dry_run:
        for line in plan.report():
            print(line)
        print(f"would {what}: {summary} (nothing was changed)")
    else:
        print(f"{what.replace('import', 'imported', 1)}: {summary}")


def cmd_content_fit(args: argparse.Namespace) -> int:
    import os
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.ui.data import ContentSource
    from kiosk.ui.probe import SIZES, fit_pages

    with tempfile.TemporaryDirectory(prefix="kiosk-fit-") as folder:
        if args.dir:  # a folder of content files: measured in a throwaway database, never the kiosk's own
            from kiosk.db.store import open_store
            from kiosk.services import library

            root = _content_dir(args.dir)
            store = open_store(Path(folder) / "fit.sqlite3")
            try:
                with store.session() as session, session.begin():
                    library.import_folder(session, root)
                db_path = store.path
            finally:
                store.close()
        else:
            _db_path(args)  # the patient screens read a kiosk's file
            with _store(args) as store:
                db_path = store.path
        source = ContentSource(db_path, readonly=True)
        try:
            fits = fit_pages(source, sizes=args.size or SIZES, dpi=args.dpi)
        finally:
            source.close()
    failing = [fit for fit in fits if fit.problems()]
    listed = fits if args.all else [fit for fit in fits if fit.scrolls or fit.problems()]
    if args.json:
        print(json.dumps([fit.as_json() for fit in listed], indent=2, ensure_ascii=False))
    else:
        for fit in sorted(listed, key=lambda f: (f.page, f.lang, f.size, f.text_size)):
            verdict = (
                "does not fit: " + "; ".join(fit.problems()) if fit.problems() else "scrolls, with the cue"
            )
            if not fit.scrolls and not fit.problems():
                verdict = "fits"
            print(
                f"{fit.page} [{fit.lang}] {fit.size} {fit.text_size}: shows {fit.visible_fraction:.0%}, {verdict}"
            )
    scrolling = sum(fit.scrolls for fit in fits)
    print(
        f"{len(fits)} renderings: {scrolling} need scrolling, {len(failing)} do not fit",
        file=sys.stderr,
    )
    return 1 if failing else 0


def cmd_content_export(args: argparse.Namespace) -> int:
    from kiosk.services import library

    destination = Path(args.dir)
    with _session(args) as session, session.begin():
        count = library.export_folder(session, destination)
    print(f"exported {count} files to {destination}")
    return 0


# --- insights ----------------------------------------------------------------------------------------------------


def cmd_insights_export(args: argparse.Namespace) -> int:
    from kiosk.services import insights

    if args.days is not None and args.days < 1:
        raise UsageError("--days must be at least 1")
    out = Path(args.file)
    with _session(args) as session, session.begin():
        rows = insights.write_csv(session, out, args.days)
    print(f"wrote {rows} rows to {out}")
    return 0


# --- search ------------------------------------------------------------------------------------------------------


def cmd_faq_search(args: argparse.Namespace) -> int:
    from kiosk.services.search import search_faq

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    with _session(args) as session, session.begin():
        results = search_faq(session, args.query, args.lang, limit=args.limit)
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


# --- packs and backups -------------------------------------------------------------------------------------------


def cmd_pack_export(args: argparse.Namespace) -> int:
    from kiosk.services import library

    destination = Path(args.file)
    if destination.suffix.lower() != ".zip":
        raise UsageError("a content pack is a .zip file: give a name ending in .zip")
    key = _private_key(Path(args.sign)) if args.sign else None  # before anything is written
    with _session(args) as session:
        count = library.export_pack(session, destination, key=key)
    signed = ""
    if key is not None:
        from kiosk.content import signing

        signed = f", signed by key {signing.fingerprint(signing.public_text(key.public_key()))}"
    print(f"wrote {destination} ({count} files{signed})")
    return 0


def cmd_pack_import(args: argparse.Namespace) -> int:
    from kiosk.services import library

    notes: list[str] = []
    with _store(args) as store:
        plan = library.import_pack(store, Path(args.file), dry_run=args.dry_run, notes=notes)
    for note in notes:
        print(note)
    _report(plan, f"import {args.file}", args.dry_run)
    return 0


# --- the clinic group's hub --------------------------------------------------------------------------------------


def _read_secret(prompt: str, *, confirm: bool = False) -> str:
    """A passphrase: asked for on a terminal (twice when it is new), else the first line of stdin."""
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("The same passphrase again: ") != first:
        raise UsageError("the two passphrases are different; nothing was written")
    return first


def _private_key(path: Path) -> Any:
    from kiosk.content import signing

    passphrase = _read_secret(f"Passphrase for {path}: ") if signing.is_encrypted(path) else ""
    return signing.load_private(path, passphrase)


def _hub_url(args: argparse.Namespace) -> str:
    target = _target(args)
    if not isinstance(target, str):
        raise UsageError(
            f"'kiosk hub {args.action}' works on a hub: give --db postgresql://... (or set KIOSK_DB)"
        )
    return target


@contextmanager
def _hub_session(args: argparse.Namespace, *, init: bool = False) -> Iterator[Any]:
    from kiosk.db import pg
    from kiosk.db.store import open_hub

    url = _hub_url(args)
    hub = open_hub(url, init=init)
    try:
        with pg.translated(pg.shown(url)), hub.session() as session, session.begin():
            yield session
    finally:
        hub.close()


def cmd_hub_init(args: argparse.Namespace) -> int:
    from kiosk.db import lite, pg
    from kiosk.services import hub

    with _hub_session(args, init=True) as session:
        role = hub.set_up(session)
    print(
        f"the hub at {pg.shown(_hub_url(args))} is ready (schema {lite.SCHEMA_HEAD}); "
        f"kiosks log in as members of {role}"
    )
    return 0


def cmd_hub_keygen(args: argparse.Namespace) -> int:
    from kiosk.content import signing

    path = Path(args.keyfile)
    if path.exists():
        raise UsageError(f"{path} already exists: a key is never overwritten (choose another name)")
    passphrase = _read_secret(
        "Passphrase to protect the key (empty for none; keep it with the key's owner): ", confirm=True
    )
    public = signing.generate(path, passphrase)
    print(f"private key: {path} (keep it at the group's content office; never copy it to the hub or a kiosk)")
    print(f"public key:  {path}.pub")
    print(f"fingerprint: {signing.fingerprint(public)}")
    return 0


def cmd_hub_publish(args: argparse.Namespace) -> int:
    import getpass

    from kiosk.services import hub

    _hub_url(args)  # a hub before a passphrase
    key = _private_key(Path(args.key))
    with _hub_session(args) as session:
        release = hub.publish(session, key, group=args.group, by=getpass.getuser())
    print(release.line())
    return 0


def cmd_hub_enroll(args: argparse.Namespace) -> int:
    from kiosk.content import signing
    from kiosk.services import hub

    url = _hub_url(args)
    with _hub_session(args) as session:
        enrolment = hub.enroll(
            session,
            args.name,
            group=args.group,
            hub_url=url,
            host=args.host,
            sslmode=args.sslmode,
            sslrootcert=args.sslrootcert,
        )
    print(f"kiosk {enrolment.name} enrolled in group {enrolment.group} (PostgreSQL role {enrolment.role})")
    print(f"group key fingerprint: {signing.fingerprint(enrolment.link.key)}")
    print("On the kiosk, run 'kiosk hub join LINE' (or 'sudo deploy/install.sh --join LINE') with this line,")
    print("which holds the kiosk's password: hand it over like a key, and only once.")
    print(enrolment.link.line())
    return 0


def cmd_hub_revoke(args: argparse.Namespace) -> int:
    from kiosk.services import hub

    with _hub_session(args) as session:
        role = hub.revoke(session, args.name)
    print(f"kiosk {args.name} revoked: its role {role} is gone, so it can no longer reach the hub")
    return 0


def cmd_hub_status(args: argparse.Namespace) -> int:
    from kiosk.services import hub

    with _hub_session(args) as session:
        kiosks = hub.status(session)
    if args.json:
        print(json.dumps([kiosk.as_json() for kiosk in kiosks], indent=2))
        return 0
    if not kiosks:
        print("no kiosks are enrolled (kiosk hub enroll NAME --group G)")
        return 0
    for kiosk in kiosks:
        seen = f"{kiosk.last_seen:%Y-%m-%d %H:%M} UTC" if kiosk.last_seen else "never"
        state = "revoked" if kiosk.revoked else ("BEHIND" if kiosk.behind else "current")
        print(
            f"{kiosk.name} [{kiosk.group}] release {kiosk.release} of {kiosk.latest} ({state}); last seen {seen}"
        )
    behind = sum(1 for kiosk in kiosks if kiosk.behind)
    print(f"{len(kiosks)} kiosk(s), {behind} behind", file=sys.stderr)
    return 0


def cmd_hub_insights(args: argparse.Namespace) -> int:
    from kiosk.services import hub

    if args.days < 1:
        raise UsageError("--days must be at least 1")
    with _hub_session(args) as session:
        found = hub.insights(session, days=args.days, group=args.group)
    if args.json:
        print(
            json.dumps(
                {
                    "days": found.days,
                    "kiosks": found.kiosks,
                    "minimum_shown": hub.MIN_SHOWN_COUNT,
                    "suppressed": found.suppressed,
                    "counts": [{"event": e, "target": t, "count": c} for e, t, c in found.rows],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    for event, target, count in found.rows:
        print(f"{event}\t{target}\t{count}")
    print(
        f"{found.kiosks} kiosk(s), last {found.days} day(s); {found.suppressed} count(s) under "
        f"{hub.MIN_SHOWN_COUNT} not shown",
        file=sys.stderr,
    )
    return 0


def cmd_hub_join(args: argparse.Namespace) -> int:
    from kiosk.content import signing
    from kiosk.services import fleet

    db_path = _db_path(args)
    with _store(args):  # the kiosk's database exists and is current before the line is stored in it
        pass
    joined = fleet.join(db_path, args.line, replace=args.replace, hostaddr=args.hostaddr)
    print(
        f"joined group {joined.link.group} as kiosk {joined.link.kiosk}; "
        f"trusting key {signing.fingerprint(joined.link.key)}"
    )
    print(
        f"the kiosk service must be allowed to reach {joined.address} port {joined.port} (install.sh --join does it)"
    )
    return 0


def cmd_hub_leave(args: argparse.Namespace) -> int:
    from kiosk.services import fleet

    old = fleet.leave(_db_path(args))
    print(
        f"left group {old.group}; packs are no longer checked against its key"
        if old
        else "this kiosk had not joined a hub"
    )
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from kiosk.services import fleet

    db_path = _db_path(args)
    with _store(args):
        pass
    print(fleet.sync_once(db_path).line())
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from kiosk.db import backup

    _db_path(args)  # a hub is backed up with PostgreSQL's own tools
    with _store(args) as store:
        destination = Path(args.dest) if args.dest else paths.backup_dir(store.path)
        path = backup.backup(store.path, destination)
    print(f"backed up to {path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from kiosk.errors import StoreError
    from kiosk.services import library

    try:
        restored = library.restore_backup(_db_path(args), Path(args.file), keep_pins=not args.with_pins)
    except StoreError as error:
        raise StoreError(f"{error}; nothing was restored") from error
    saved = (
        f"the previous state was saved as {restored.safety}"
        if restored.safety
        else "there was no state to save"
    )
    print(f"restored {args.file} ({saved})")
    print(restored.pin_line())
    return 0


# --- the kiosk ---------------------------------------------------------------------------------------------------


def _size(value: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in value.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("give the size as WIDTHxHEIGHT, for example 1920x1080") from None
    if not (320 <= width <= 8000 and 320 <= height <= 8000):
        raise argparse.ArgumentTypeError("the size must be between 320 and 8000 pixels each way")
    return width, height


def cmd_run(args: argparse.Namespace) -> int:
    import os

    from kiosk.services import startup

    if not any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        raise KioskError("no display: start the kiosk from a desktop or kiosk session (see docs/DEPLOY.md)")
    target = _target(args)
    if isinstance(target, str):
        return _run_office(args, target)
    # A missing, damaged or read-only database never stops the kiosk, nor does a missing PIN (a staff notice).
    start = startup.prepare(target)
    from PySide6.QtCore import QSize

    from kiosk.ui import app

    size = QSize(*args.size) if args.size else None
    return app.run(
        start,
        kiosk_mode=args.kiosk,
        lang=args.lang,
        size=size,
        exit_after_first_frame=args.exit_after_first_frame,
        probe=args.probe,
    )


def _run_office(args: argparse.Namespace, url: str) -> int:
    """`kiosk --db postgresql://... run`: the staff console at a clinic group's office, on the hub, in a window
    that opens on the staff login (there are no patients at the office to lock a screen for)."""
    if args.kiosk or args.probe:
        raise UsageError(
            "on a hub, 'kiosk run' opens the office's staff console in a window: --kiosk and --probe are for a kiosk"
        )
    from kiosk.db.store import open_hub

    hub = open_hub(url)  # one line, and no window, if the hub cannot be reached or is not set up
    from PySide6.QtCore import QSize

    from kiosk.ui import app

    return app.run_office(
        hub,
        lang=args.lang,
        size=QSize(*args.size) if args.size else None,
        exit_after_first_frame=args.exit_after_first_frame,
    )


def _read_pin(prompt: str = "New staff PIN (4 to 8 digits): ", twice: bool = True) -> str:
    """A PIN from stdin when piped (one line), else typed twice without echo. Never printed or logged."""
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    first = getpass.getpass(prompt)
    if twice and getpass.getpass("The same PIN again: ") != first:
        raise UsageError("the two PINs are different; nothing was changed")
    return first


def cmd_pin_set(args: argparse.Namespace) -> int:
    _db_path(args)  # a kiosk's own
    from kiosk.services import auth

    pin = _read_pin()
    auth.check_pin_format(pin)  # a bad PIN is refused before the database is even opened
    with _session(args) as session, session.begin():
        account = auth.set_pin(session, pin)
    print(f"staff PIN set for {account.name} (admin)")
    return 0


def cmd_pin_status(args: argparse.Namespace) -> int:
    _db_path(args)  # a kiosk's own
    from kiosk.services import auth

    with _session(args) as session:
        has_pin = auth.has_accounts(session)
    print(
        "a staff account is set" if has_pin else "no staff account is set: kiosk staff add NAME --role admin"
    )
    return 0 if has_pin else 1


# --- staff accounts ------------------------------------------------------------------------------------------------


def cmd_staff_add(args: argparse.Namespace) -> int:
    from kiosk.services import auth, staff

    name, roles = auth.check_name(args.name), auth.check_roles(args.role)
    pin = _read_pin(f"PIN for {name} (4 to 8 digits): ")
    auth.check_pin_format(pin)
    with _session(args) as session, session.begin():
        account = staff.add_account(session, name, list(roles), pin, by=auth.COMMAND_LINE)
    print(f"added {account.name} ({', '.join(account.roles)})")
    return 0


def cmd_staff_list(args: argparse.Namespace) -> int:
    from kiosk.services import auth

    with _session(args) as session:
        accounts = auth.list_accounts(session)
    if args.json:
        print(
            json.dumps(
                [{"name": a.name, "roles": list(a.roles)} for a in accounts], ensure_ascii=False, indent=2
            )
        )
    elif not accounts:
        print("no staff accounts: kiosk staff add NAME --role admin")
    for account in [] if args.json else accounts:
        print(f"{account.name}  ({', '.join(account.roles)})")
    return 0


def cmd_staff_remove(args: argparse.Namespace) -> int:
    from kiosk.services import auth, staff

    with _session(args) as session, session.begin():
        account = staff.remove_account(session, args.name, by=auth.COMMAND_LINE)
    print(f"removed {account.name}")
    return 0


def cmd_staff_set_pin(args: argparse.Namespace) -> int:
    from kiosk.services import auth, staff

    pin = _read_pin(f"New PIN for {args.name} (4 to 8 digits): ")
    auth.check_pin_format(pin)
    with _session(args) as session, session.begin():
        staff.reset_pin(session, args.name, pin, by=auth.COMMAND_LINE)
    print(f"PIN set for {' '.join(args.name.split())}")
    return 0


# --- clinical review -----------------------------------------------------------------------------------------------


def cmd_content_review(args: argparse.Namespace) -> int:
    from kiosk.content.state import Key
    from kiosk.errors import AuthError
    from kiosk.services import auth, staff

    pin = _read_pin(f"PIN for {args.by}: ", twice=False)
    with _session(args) as session, session.begin():
        items = (
            staff.load_item(session, Key("chapter", args.id)),
            staff.load_item(session, Key("faq_entry", args.id)),
        )
        if items[0] is None and items[1] is None:
            raise UsageError(f"there is no chapter or question with the id {args.id!r}")
        key = Key("chapter", args.id) if items[0] is not None else Key("faq_entry", args.id)
        account = auth.verify(session, args.by, pin)
    if account is None:  # the wrong try is counted (its own transaction committed) before refusing
        raise AuthError(f"the PIN for {' '.join(args.by.split())} is not right; nothing was recorded")
    with _session(args) as session, session.begin():
        staff.mark_reviewed(session, key, by=account)
    print(f"{key.describe()} reviewed by {account.name} today")
    return 0


def cmd_content_due(args: argparse.Namespace) -> int:
    from kiosk.services import staff

    with _session(args) as session:
        found = staff.due(session, args.lang)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "kind": d.key.kind,
                        "id": d.key.id,
                        "title": d.title,
                        "reason": d.reason,
                        "reviewed_on": d.reviewed_on.isoformat() if d.reviewed_on else None,
                        "reviewed_by": d.reviewed_by or None,
                    }
                    for d in found
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for item in found:
        last = f" (last {item.reviewed_on} by {item.reviewed_by})" if item.reviewed_on else ""
        print(f"{item.key.describe()}: {item.reason}{last}  {item.title}")
    print(f"{len(found)} item(s) due for clinical review", file=sys.stderr)
    return 0


# --- history -------------------------------------------------------------------------------------------------------


def cmd_history_list(args: argparse.Namespace) -> int:
    from kiosk.services import staff

    with _session(args) as session:
        changes = staff.recent_changes(session, args.limit)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": c.id,
                        "when": c.when.isoformat(timespec="seconds"),
                        "kind": c.kind,
                        "summary": c.summary,
                        "author": c.author,
                        "rows": c.rows,
                    }
                    for c in changes
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for change in changes:
        print(f"{change.id:>5}  {change.line()}")
    return 0


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError("nothing was changed: add --yes to do it without being asked")
    if input(f"{question} [y/N] ").strip().lower() not in ("y", "yes"):
        raise UsageError("nothing was changed")


def cmd_history_undo(args: argparse.Namespace) -> int:
    from kiosk.services import auth, library, staff

    with _store(args) as store:
        with store.session() as session:
            change = next((c for c in staff.recent_changes(session, 10_000) if c.id == args.id), None)
            if change is None:
                raise UsageError(f"there is no change {args.id} (see 'kiosk history list')")
            if change.kind == library.RESTORE_KIND:
                safety = library.restore_to_undo(session, args.id)
                plan = None
            else:
                plan = staff.plan_undo(session, args.id)
        if plan is None:
            print(f"Undoing '{change.summary}' restores the backup taken just before it: {safety.name}.")
            _confirm("Restore it?", args.yes)
            store.close()
            restored = library.restore_backup(store.path, safety)
            print(f"restored {safety.name} (the state before was saved as {restored.safety})")
            return 0
        if plan.is_empty:
            print("nothing to undo: that change was already undone")
            return 0
        print(f"Undo '{plan.summary}'? {plan.words}")
        _confirm("Undo it?", args.yes)
        with store.session() as session, session.begin():
            staff.undo(session, args.id, by=auth.COMMAND_LINE, with_later=True)
    print(f"undone: {plan.summary}")
    return 0


def cmd_screenshot(args: argparse.Namespace) -> int:
    import os

    from kiosk.services import startup

    start = startup.prepare(_db_path(args))  # a kiosk's own, made ready as `kiosk run` makes it
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.ui.screenshot import Shot, render

    width, height = args.size or (1920, 1080)
    shot = Shot(
        args.screen,
        width,
        height,
        args.lang,
        args.page,
        TEXT_SIZES.index(args.text_size),
        args.high_contrast,
        args.query or "",
        args.question or "",
        args.dpi,
        args.answer,
    )
    path = render(start.db_path, shot, Path(args.out))
    print(f"wrote {path}")
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


class _Parser(argparse.ArgumentParser):
    """Reports a mistake on the command line as one line (and `--help` for the rest), like every other error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    _global_options(common, defaults=False)
    parser = _Parser(prog="kiosk", description="Ketamine patient-education kiosk.")
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
    p = content_commands.add_parser(
        "fit",
        parents=[common],
        help="show every page at every screen and text size; list what scrolls or does not fit (exit 1)",
    )
    p.add_argument("dir", nargs="?", metavar="DIR", help="a content folder (default: the kiosk's database)")
    p.add_argument("--json", action="store_true", help="a JSON list of {page, lang, size, text_size, ...}")
    p.add_argument("--all", action="store_true", help="list every rendering, not only those that scroll")
    p.add_argument(
        "--size", type=_size, action="append", metavar="WxH", help="a screen size (repeat; default: all four)"
    )
    p.add_argument("--dpi", type=float, default=None, help="the screen's dots per inch, if known")
    p.set_defaults(handler=cmd_content_fit)

    p = content_commands.add_parser(
        "review", parents=[common], help="record a clinical review of a chapter or answer (PIN on stdin)"
    )
    p.add_argument("id", metavar="ID", help="a chapter id or a question id")
    p.add_argument("--by", required=True, metavar="NAME", help="the reviewer's staff account")
    p.set_defaults(handler=cmd_content_review)
    p = content_commands.add_parser("due", parents=[common], help="what is due for clinical review")
    p.add_argument("--lang", type=_language, default="en", help="the language of the titles shown")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(handler=cmd_content_due)

    faq = commands.add_parser("faq", help="questions and answers")
    faq_commands = faq.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = faq_commands.add_parser("search", parents=[common], help="find the questions that answer a query")
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--lang", type=_language, default="en")
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--json", action="store_true", help="print a JSON list of {id, question, category, score}")
    p.set_defaults(handler=cmd_faq_search)

    insights_parser = commands.add_parser("insights", help="anonymous daily usage counts")
    insights_commands = insights_parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = insights_commands.add_parser(
        "export", parents=[common], help="write the counts as CSV: day, event, target, count"
    )
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument("--days", type=int, default=None, help="only the last N days (default: all)")
    p.set_defaults(handler=cmd_insights_export)

    pack = commands.add_parser("pack", help="content packs: move content between kiosks")
    pack_commands = pack.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = pack_commands.add_parser("export", parents=[common], help="write the content as a pack (.zip)")
    p.add_argument("file", metavar="FILE.zip")
    p.add_argument(
        "--sign", metavar="KEYFILE", help="sign it with the group's private key (kiosk hub keygen)"
    )
    p.set_defaults(handler=cmd_pack_export)
    p = pack_commands.add_parser("import", parents=[common], help="check a pack, back up, then import it")
    p.add_argument("file", metavar="FILE.zip")
    p.add_argument("--dry-run", action="store_true", help="show what would change and change nothing")
    p.set_defaults(handler=cmd_pack_import)

    hub = commands.add_parser(
        "hub", help="a clinic group's hub: signed releases, enrolled kiosks, fleet health"
    )
    hub_commands = hub.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = hub_commands.add_parser(
        "init", parents=[common], help="create or upgrade the hub (--db postgresql://...)"
    )
    p.set_defaults(handler=cmd_hub_init)
    p = hub_commands.add_parser(
        "keygen", parents=[common], help="make the group's signing key pair (Ed25519)"
    )
    p.add_argument(
        "keyfile", metavar="KEYFILE", help="the private key's file; the public key goes to KEYFILE.pub"
    )
    p.set_defaults(handler=cmd_hub_keygen)
    p = hub_commands.add_parser(
        "publish", parents=[common], help="sign the hub's content as the next release"
    )
    p.add_argument("--key", required=True, metavar="KEYFILE", help="the group's private key")
    p.add_argument("--group", default=None, help=f"the clinic group (default: the only one, or '{'main'}')")
    p.set_defaults(handler=cmd_hub_publish)
    p = hub_commands.add_parser(
        "enroll", parents=[common], help="give a kiosk its own account; prints its line"
    )
    p.add_argument("name", metavar="NAME", help="the kiosk's name: lower-case letters, digits and '-'")
    p.add_argument("--group", required=True, help="the clinic group it belongs to")
    p.add_argument("--host", default=None, help="the hub's address as kiosks reach it (default: as in --db)")
    p.add_argument(
        "--sslmode",
        default=None,
        choices=("disable", "prefer", "require", "verify-ca", "verify-full"),
        help="how the kiosk checks the hub's TLS (default: verify-full; outside this machine at least require)",
    )
    p.add_argument(
        "--sslrootcert",
        default=None,
        metavar="FILE|system",
        help="the authority that signed the hub's certificate, as the kiosk finds it ('system': the usual ones)",
    )
    p.set_defaults(handler=cmd_hub_enroll)
    p = hub_commands.add_parser(
        "revoke", parents=[common], help="drop a kiosk's account: it can reach nothing"
    )
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=cmd_hub_revoke)
    p = hub_commands.add_parser("status", parents=[common], help="every kiosk: release, last seen, behind")
    p.add_argument(
        "--json", action="store_true", help="one object per kiosk: name, group, release, last_seen, behind"
    )
    p.set_defaults(handler=cmd_hub_status)
    p = hub_commands.add_parser(
        "insights", parents=[common], help="the group's counts (under 11 never shown)"
    )
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--group", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_hub_insights)
    p = hub_commands.add_parser("join", parents=[common], help="on a kiosk: store its enrolment line")
    p.add_argument("line", metavar="LINE", help="the last line 'kiosk hub enroll' printed")
    p.add_argument("--replace", action="store_true", help="join another group (trust another key)")
    p.add_argument(
        "--hostaddr", default=None, help="the hub's IP address to use (default: looked up now, once)"
    )
    p.set_defaults(handler=cmd_hub_join)
    p = hub_commands.add_parser("leave", parents=[common], help="on a kiosk: forget its hub and group key")
    p.set_defaults(handler=cmd_hub_leave)
    p = commands.add_parser(
        "sync", parents=[common], help="visit the kiosk's hub once: push counts, pull a release"
    )
    p.set_defaults(handler=cmd_sync)

    p = commands.add_parser(
        "backup", parents=[common], help="copy the whole kiosk database (safe while running)"
    )
    p.add_argument("dest", nargs="?", metavar="DEST", help="a file or folder (default: the backups folder)")
    p.set_defaults(handler=cmd_backup)
    p = commands.add_parser(
        "restore",
        parents=[common],
        help="restore a backup after checking it (the current state is backed up; staff accounts are kept)",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--with-pins",
        action="store_true",
        help="take the staff accounts and PINs from the backup too, instead of keeping this kiosk's",
    )
    p.set_defaults(handler=cmd_restore)

    p = commands.add_parser(
        "run",
        parents=[common],
        help="start the kiosk (a window; --kiosk: locked full screen); on a hub (--db postgresql://...), "
        "the office's staff console",
    )
    p.add_argument(
        "--kiosk",
        action="store_true",
        help="frameless, full screen and locked down (staff leave with the PIN)",
    )
    p.add_argument("--lang", type=_language, default=None, help="the language patients see first")
    p.add_argument("--size", type=_size, default=None, metavar="WxH", help="window size, e.g. 1080x1920")
    p.add_argument(
        "--exit-after-first-frame", action="store_true", help=argparse.SUPPRESS
    )  # for `make bench`
    p.add_argument(
        "--probe", action="store_true", help=argparse.SUPPRESS
    )  # for tests under X: kiosk/ui/probe.py
    p.set_defaults(handler=cmd_run)

    staff_parser = commands.add_parser("staff", help="staff accounts: named people with roles and PINs")
    staff_commands = staff_parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = staff_commands.add_parser("add", parents=[common], help="add an account (PIN on stdin if piped)")
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--role",
        action="append",
        required=True,
        choices=("editor", "reviewer", "admin"),
        help="editor, reviewer or admin (repeat for more than one)",
    )
    p.set_defaults(handler=cmd_staff_add)
    p = staff_commands.add_parser("list", parents=[common], help="the accounts and their roles")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_staff_list)
    p = staff_commands.add_parser("remove", parents=[common], help="remove an account")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=cmd_staff_remove)
    p = staff_commands.add_parser(
        "set-pin", parents=[common], help="a new PIN for an account (stdin if piped)"
    )
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=cmd_staff_set_pin)

    history = commands.add_parser("history", help="every change, who made it, and undo")
    history_commands = history.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = history_commands.add_parser("list", parents=[common], help="the latest changes, newest first")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(handler=cmd_history_list)
    p = history_commands.add_parser(
        "undo", parents=[common], help="undo a change (says what it will do, and asks first)"
    )
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p.set_defaults(handler=cmd_history_undo)

    pin = commands.add_parser("pin", help="the first admin's PIN (kept from before named accounts)")
    pin_commands = pin.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = pin_commands.add_parser(
        "set",
        parents=[common],
        help="set the first admin's PIN, making an 'Administrator' account if there is none (stdin if piped)",
    )
    p.set_defaults(handler=cmd_pin_set)
    p = pin_commands.add_parser("status", parents=[common], help="exit 0 if a staff account is set, 1 if not")
    p.set_defaults(handler=cmd_pin_status)

    p = commands.add_parser("screenshot", parents=[common], help="render a screen to a PNG, offscreen")
    p.add_argument("screen", metavar="SCREEN", choices=SCREENS, help=", ".join(SCREENS))
    p.add_argument("out", metavar="OUT.png")
    p.add_argument("--size", type=_size, default=None, metavar="WxH", help="default 1920x1080")
    p.add_argument("--lang", type=_language, default=None)
    p.add_argument(
        "--page",
        metavar="CHAPTER/PAGE",
        help="for the reader: which chapter and page; for teach-back and take-home: which chapter (or page)",
    )
    p.add_argument("--text-size", choices=TEXT_SIZES, default="normal", help="the patient's text size")
    p.add_argument(
        "--large-text",
        action="store_const",
        const="large",
        dest="text_size",
        help="the same as --text-size large",
    )
    p.add_argument("--high-contrast", action="store_true")
    p.add_argument(
        "--dpi",
        type=float,
        default=None,
        help="the screen's dots per inch (default: text scales with the size)",
    )
    p.add_argument("--query", metavar="TEXT", help="for the questions screen: text typed in the search field")
    p.add_argument(
        "--question",
        metavar="ID",
        help="for the questions screen and take-home: the answer; for teach-back: the question's id or number",
    )
    p.add_argument(
        "--answer",
        type=int,
        default=None,
        metavar="N",
        help="for teach-back: the choice (1, 2 or 3) the patient tapped, to show the explanation",
    )
    p.set_defaults(handler=cmd_screenshot)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return error.exit_code
    logs.setup(verbose=getattr(args, "verbose", False))
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
        from kiosk.db.lite import describe_error

        known = describe_error(error)
        if known is None and "psycopg" in sys.modules:  # only a hub can have raised one
            from kiosk.db import pg

            known = pg.describe_error(error)
        if known is None:
            raise
        print(f"kiosk: {known}", file=sys.stderr)
        return known.exit_code
