"""The `hjdesk` command (architecture.md §7).

Exit codes: 0 ok, 1 a user error (one line on stderr), 2 usage. A KnownError is a user error;
anything else is a bug and goes to the crash log without patient identifiers.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from hjdesk import __version__
from hjdesk.storage.errors import InvalidInput, KnownError
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault

PASSWORD_ENV = "HJDESK_PASSWORD"  # noqa: S105 - the name of a variable, not a secret
USER_ENV = "HJDESK_USER"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: {message}")


def password(prompt: str = "Password: ") -> str:
    """From HJDESK_PASSWORD (scripts, tests) or a prompt; never from the command line."""
    value = os.environ.get(PASSWORD_ENV)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise InvalidInput(f"No password: set {PASSWORD_ENV} or run in a terminal.")
    return getpass.getpass(prompt)


def open_vault(args: argparse.Namespace) -> OpenVault:
    user = args.user or os.environ.get(USER_ENV)
    vault = Vault(HomePaths.resolve(args.home))
    if not user:
        names = [u.username for u in vault.users() if not u.disabled]
        if len(names) != 1:
            raise InvalidInput(f"Say who you are with --user or {USER_ENV}.")
        user = names[0]
    return vault.unlock(user, password())


# -- commands -------------------------------------------------------------------------------


def cmd_launch(args: argparse.Namespace) -> int:
    from hjdesk.ui.app import run_app

    return run_app(home=args.home, user=args.user or os.environ.get(USER_ENV))


def cmd_init(args: argparse.Namespace) -> int:
    first = password("New admin password: ")
    if PASSWORD_ENV not in os.environ and getpass.getpass("Repeat it: ") != first:
        raise InvalidInput("The two passwords differ.")
    from hjdesk.services.first_run import create_vault

    home = HomePaths.resolve(args.home)
    opened = create_vault(home, admin=args.admin, password=first, full_name=args.name or "",
                          establishment=args.establishment or "")  # fmt: skip
    print(f"Created a vault in {opened.home.root} with administrator {opened.actor.username!r}.")
    opened.lock()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from hjdesk.demo import build_demo

    if args.patients < 1 or args.patients > 500_000:
        raise InvalidInput("--patients must be between 1 and 500000.")
    home = HomePaths.resolve(args.home)
    opened, result = build_demo(home, password=password("Password for the demo users: "),
                                patients=args.patients, seed=args.seed)  # fmt: skip
    opened.lock()
    print(
        f"Demo vault in {home.root}: {result.patients} synthetic patients on {result.wings} wings; "
        f"users {', '.join(result.users)} (all with the password given)."
    )
    return 0


def cmd_import_roll(args: argparse.Namespace) -> int:
    from hjdesk.services.roll import import_roll

    as_of = _as_of(args.as_of) if args.as_of else None
    opened = open_vault(args)
    try:
        summary = import_roll(opened, Path(args.file), full_roll=not args.partial, as_of=as_of)
    finally:
        opened.lock()
    for line in summary.lines():
        print(line)
    return 0


def _as_of(text: str) -> datetime:
    """An ISO date-time; without a zone it is London's wall clock, as every time the app shows
    (H-30), whatever zone this computer is set to."""
    from hjdesk.services.common import CLINIC_ZONE

    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"--as-of {text!r} is not a date and time (e.g. 2026-12-01T06:00+00:00)."
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=CLINIC_ZONE)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from hjdesk.services.settings import verify_chain

    opened = open_vault(args)
    try:
        report = verify_chain(opened)
    finally:
        opened.lock()
    if not report.ok:
        print(
            f"hjdesk: audit chain broken at event {report.first_bad_seq} "
            f"(id {report.first_bad_id}): {report.reason}.",
            file=sys.stderr,
        )
        return 1
    print(f"Audit chain intact: {report.checked} events.")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    opened = open_vault(args)
    try:
        if args.users_cmd == "list":
            for user in opened.vault.users():
                state = "disabled" if user.disabled else "active"
                print(f"{user.username}\t{user.role}\t{state}\t{user.display_name}")
        elif args.users_cmd == "add":
            new = _new_password(f"Password for {args.username}: ")
            opened.add_user(args.username, new, display_name=args.name or args.username,
                            role=args.role, team=args.team)  # fmt: skip
            print(f"Added {args.username}.")
        elif args.users_cmd == "reset-password":
            opened.reset_password(
                args.username, _new_password(f"New password for {args.username}: ")
            )
            print(f"Reset the password of {args.username}.")
        elif args.users_cmd == "disable":
            _print_stranded(opened.disable_user(args.username))
            print(f"Disabled {args.username}; the vault key was changed.")
        elif args.users_cmd == "rekey":
            _print_stranded(opened.rekey())
            print("The vault key was changed; every active user's key slot was re-wrapped.")
        elif args.users_cmd == "role":
            opened.set_role(args.username, args.role)
            print(f"{args.username} is now {args.role.upper()}.")
        elif args.users_cmd == "rename":
            opened.rename_user(args.username, args.name)
            print(f"{args.username} is now shown as {' '.join(args.name.split())}.")
        elif args.users_cmd == "passwd":
            new = _new_password("New password: ")
            opened.change_own_password(password("Current password: "), new)
            print("Password changed.")
    finally:
        opened.lock()
    return 0


def _print_stranded(users: list[str]) -> None:
    for name in users:
        print(f"{name} has not unlocked since the upgrade: reset their password to let them in.")


def _new_password(prompt: str) -> str:
    value = os.environ.get("HJDESK_NEW_PASSWORD")
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise InvalidInput("No new password: set HJDESK_NEW_PASSWORD or run in a terminal.")
    first = getpass.getpass(prompt)
    if getpass.getpass("Repeat it: ") != first:
        raise InvalidInput("The two passwords differ.")
    return first


# -- parser ---------------------------------------------------------------------------------


def _vault_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's unset option must not wipe the same option given before the
    # subcommand (`hjdesk --home X audit verify`); the top-level parser supplies the defaults.
    home_help = "the HJDesk folder (default: HJDESK_HOME or per-user data)"
    parser.add_argument("--home", default=argparse.SUPPRESS, help=home_help)
    user_help = "who you are (default: HJDESK_USER)"
    parser.add_argument("--user", default=argparse.SUPPRESS, help=user_help)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hjdesk", description="HJDesk: encrypted offline clinical desktop.")
    parser.add_argument("--version", action="version", version=f"hjdesk {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation works (a throwaway demo vault, offscreen), then exit",
    )
    _vault_options(parser)
    parser.set_defaults(func=cmd_launch, home=None, user=None)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("init", help="create a vault with its first (admin) user")
    p.add_argument("--home", default=argparse.SUPPRESS)
    p.add_argument("--admin", required=True, help="user name of the first administrator")
    p.add_argument("--name", help="the administrator's full name")
    p.add_argument("--establishment", help="this laptop's establishment code, e.g. MDI")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="create a vault filled with a synthetic establishment")
    p.add_argument("--home", default=argparse.SUPPRESS)
    p.add_argument("--patients", type=int, default=1200)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import-roll", help="load or refresh the prison roll from CSV")
    _vault_options(p)
    p.add_argument("file")
    p.add_argument("--partial", action="store_true", help="not a full roll: mark nobody as left")
    p.add_argument(
        "--as-of",
        metavar="DATETIME",
        help="when the roll was taken from the prison system, e.g. 2026-12-01T06:00+00:00; "
        "without a zone, London time (default: the file's modification time); the newest roll wins",
    )
    p.set_defaults(func=cmd_import_roll)

    _add_audit(sub)
    _add_users(sub)

    from hjdesk.cli.sync import register as register_sync

    register_sync(sub, _vault_options, open_vault)
    from hjdesk.cli.report import register as register_report

    register_report(sub, _vault_options, open_vault)
    from hjdesk.cli.export import register as register_export

    register_export(sub, _vault_options, open_vault)
    return parser


def _add_audit(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("audit", help="the audit chain")
    audit_sub = p.add_subparsers(dest="audit_cmd", required=True, parser_class=_Parser)
    v = audit_sub.add_parser("verify", help="check every link of the audit chain")
    _vault_options(v)
    v.set_defaults(func=cmd_audit_verify)


def _add_users(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("users", help="manage the users of this laptop (admin)")
    users_sub = p.add_subparsers(dest="users_cmd", required=True, parser_class=_Parser)
    u = users_sub.add_parser("list")
    _vault_options(u)
    u = users_sub.add_parser("add")
    _vault_options(u)
    u.add_argument("username")
    u.add_argument("--role", required=True)
    u.add_argument("--name")
    u.add_argument("--team")
    for name in ("reset-password", "disable"):
        u = users_sub.add_parser(name)
        _vault_options(u)
        u.add_argument("username")
    u = users_sub.add_parser("role", help="change a user's role (it lives in their key slot)")
    _vault_options(u)
    u.add_argument("username")
    u.add_argument("role")
    u = users_sub.add_parser("rename", help="change the name a user is shown by")
    _vault_options(u)
    u.add_argument("username")
    u.add_argument("name")
    u = users_sub.add_parser(
        "rekey", help="change the vault key and re-wrap every active user's key slot"
    )
    _vault_options(u)
    u = users_sub.add_parser("passwd", help="change your own password")
    _vault_options(u)
    p.set_defaults(func=cmd_users)


def main(argv: Sequence[str] | None = None, report: Callable[[str], None] | None = None) -> int:
    """Run one command. `report`, when given, also receives every error message (the
    `hjdesk-gui` program shows them in a window: it has no console)."""

    def fail(message: str, code: int) -> int:
        print(message, file=sys.stderr)
        if report is not None:
            report(message)
        return code

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.self_test:
            from hjdesk.selftest import run_self_test

            return run_self_test()
        func: Callable[[argparse.Namespace], int] = args.func
        return func(args)
    except UsageError as exc:
        return fail(str(exc), 2)
    except KnownError as exc:
        return fail(f"hjdesk: {exc.message}", 1)
    except KeyboardInterrupt:
        return fail("hjdesk: interrupted", 1)
    except OSError as exc:
        # Files the user named (permissions, missing folders): their fault, not ours.
        return fail(f"hjdesk: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), 1)
    except Exception:
        if report is None:
            raise  # the command line shows a bug's traceback
        where = _log_startup_fault(argv)
        return fail(
            "HJDesk could not start because of a fault inside it. Nothing in the vault was "
            f"changed. The details are in {where}, for IT support.",
            1,
        )


def _log_startup_fault(argv: Sequence[str] | None) -> str:
    """Append the current exception to the home folder's log (the app's log); say where.

    Written directly: logging may not be set up yet, or set up elsewhere."""
    import traceback
    from datetime import datetime

    try:
        known, _ = build_parser().parse_known_args(argv)
        home = HomePaths.resolve(known.home)
        home.ensure()
        with home.log.open("a", encoding="utf-8") as out:
            out.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} ERROR hjdesk.crash: start-up failed\n")
            out.write(traceback.format_exc())
        return str(home.log)
    except Exception:
        return "the HJDesk folder's hjdesk.log (it could not be written)"


def gui_main(argv: Sequence[str] | None = None) -> int:
    """`hjdesk-gui`, the desktop shortcut's program: the app without a console window, so
    every start-up error is shown in a window as well."""
    from hjdesk.ui.startup_error import show_startup_error

    return main(argv, report=show_startup_error)


if __name__ == "__main__":
    sys.exit(main())
