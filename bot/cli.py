"""`forumbot run | migrate | invite "<organisation>" | export KIND | import-organisations FILE`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from bot import instance
from bot.app import build_application, open_services
from bot.app_http import CannotListen
from bot.clock import SystemClock
from bot.config import Settings, load_settings_or_exit
from bot.database import DatabaseUnavailable, connect_database, describe_error
from bot.exports import csvfile, xlsx
from bot.exports.sheet import Sheet
from bot.i18n import LANGUAGES, Translator, plain_text, translator
from bot.logs import configure_logging, token_secrets
from bot.parsing import parse_invitation_request
from bot.runner import (
    AnotherPoller,
    TelegramUnreachable,
    TokenRejected,
    run_polling,
    run_webhook,
)
from bot.services.actor import Actor, Profile
from bot.services.errors import ServiceError
from bot.services.exports import ExportRequest, parse_request
from bot.services.organisation_import import ImportReport
from handlers.formatting import invite_link
from storage.migrate import upgrade


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forumbot", description="Forum Assistant Telegram bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot; migrates the database first")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="take updates by webhook instead of long polling (as MODE=webhook)",
    )
    sub.add_parser("migrate", help="upgrade the database to the newest schema")
    invite = sub.add_parser("invite", help="print an invitation link for an organisation")
    invite.add_argument(
        "organisation",
        help='e.g. "Gemeinde Zöllnitz", "Gemeinde Zöllnitz | 16074093" or, for three links, '
        '"Gemeinde Zöllnitz | 3"',
    )
    export = sub.add_parser(
        "export", help="write a table as an .xlsx or .csv file, as /export sends it"
    )
    export.add_argument(
        "kind",
        nargs="+",
        metavar="KIND",
        help="mitglieder, organisationen, abstimmungen, abstimmung NR, aufgaben, termine "
        "(or members, organisations, votes, vote NR, tasks, meetings)",
    )
    export.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    export.add_argument(
        "--output",
        metavar="FILE",
        help="where to write it (default: the export's own name in the current folder; "
        "- for standard output)",
    )
    export.add_argument(
        "--language",
        choices=LANGUAGES,
        help="language of the headers and words (default: DEFAULT_LANGUAGE)",
    )
    imports = sub.add_parser(
        "import-organisations",
        help="create or update organisations from a CSV file (columns name, kind, AGS)",
    )
    imports.add_argument("file", metavar="FILE", help="UTF-8 CSV, ';' or ',' separated")
    return parser


def secrets_of(settings: Settings) -> list[str]:
    """What must never appear in a log line."""
    found = token_secrets(settings.bot_token.get_secret_value())
    for secret in (settings.webhook_path_secret, settings.webhook_secret_token):
        if secret is not None:
            found.append(secret.get_secret_value())
    return found


def main(argv: list[str] | None = None) -> int:
    # Opt in to PTB's coming default: RetryAfter.retry_after and friends as timedelta.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    args = _parser().parse_args(argv)
    overrides = {"mode": "webhook"} if getattr(args, "webhook", False) else {}
    settings = load_settings_or_exit(**overrides)
    configure_logging(settings.log_level, settings.log_format, secrets_of(settings))
    try:
        if args.command == "run":
            app = build_application(settings)
            # Held until the process ends: proves this instance's earlier runs dead.
            app.instance = instance.acquire(instance.state_directory(settings.state_directory))
            if settings.mode == "webhook":
                run_webhook(app)
            else:
                run_polling(app)
            return 0
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            print("database is up to date")
            return 0
        if args.command == "invite":
            try:
                return asyncio.run(_invite(settings, args.organisation))
            except NoBotUsername as error:
                print(error, file=sys.stderr)
                return 2
        if args.command == "export":
            return _export(settings, args)
        if args.command == "import-organisations":
            return _import(settings, Path(args.file))
    except DatabaseUnavailable as error:
        logging.getLogger("bot").error("%s", error, extra={"event": "database_unavailable"})
        return 1
    except TelegramUnreachable as error:
        logging.getLogger("bot").error("%s", error, extra={"event": "telegram_unreachable"})
        return 1
    except (TokenRejected, CannotListen, AnotherPoller) as error:
        print(error, file=sys.stderr)  # a setting to correct: one line, as for the others
        return 2
    return 2  # pragma: no cover - argparse refuses other commands


async def _migrate(settings: Settings) -> None:
    engine = await connect_database(
        settings.database_url, wait_seconds=settings.database_wait_seconds
    )
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


class NoBotUsername(Exception):
    """`forumbot invite` could not learn the bot's username (the message says what to do)."""


async def _bot_username(settings: Settings) -> str:
    """BOT_USERNAME, or else asked from Telegram."""
    if settings.bot_username:
        return settings.bot_username.removeprefix("@")
    bot = Bot(
        settings.bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_api_base_file_url,
    )
    try:
        async with bot:
            return bot.username
    except InvalidToken:
        raise TokenRejected("BOT_TOKEN was rejected by Telegram") from None
    except (NetworkError, OSError) as error:
        raise NoBotUsername(
            f"could not ask Telegram for the bot's username ({describe_error(error)}); "
            "set BOT_USERNAME (e.g. BOT_USERNAME=jena_forum_bot) and try again"
        ) from None


def _system(settings: Settings) -> Actor:
    """Who acts from the server's command line: a coordinator."""
    return Actor(
        profile=Profile(telegram_id=0, first_name="forumbot"),
        member=None,
        organisation=None,
        is_coordinator=True,
        language=settings.default_language,
    )


async def _invite(settings: Settings, text: str) -> int:
    t = translator(settings.default_language)
    username = await _bot_username(settings)
    engine, services = await open_services(settings, SystemClock())
    try:
        try:
            spec, count = parse_invitation_request(text)
            made = await services.membership.create_invitations(_system(settings), spec, count)
        except ServiceError as error:
            print(plain_text(t(error.message_key, **error.params)), file=sys.stderr)
            return 1
    finally:
        await engine.dispose()
    for created in made:
        print(
            f"{created.organisation.name}: {invite_link(username, created.code)}\n"
            f"(#{created.invitation.id}, {t.datetime(created.invitation.expires_at, settings.tz)})"
        )
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    request = parse_request(" ".join(args.kind))
    if request is None:
        print(
            f"forumbot export: unknown table {' '.join(args.kind)!r}; one of mitglieder, "
            "organisationen, abstimmungen, abstimmung NR, aufgaben, termine "
            "(or members, organisations, votes, vote NR, tasks, meetings)",
            file=sys.stderr,
        )
        return 2
    language = args.language or settings.default_language
    sheet = asyncio.run(_export_sheet(settings, request, language))
    if sheet is None:
        return 1
    writer = xlsx if args.format == "xlsx" else csvfile
    payload = writer.render(sheet)
    if args.output == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
        return 0
    path = Path(args.output or f"{sheet.filename}.{args.format}")
    path.write_bytes(payload)
    print(f"{path}: {sheet.title}, {len(sheet.rows)} rows")
    return 0


async def _export_sheet(settings: Settings, request: ExportRequest, language: str) -> Sheet | None:
    engine, services = await open_services(settings, SystemClock())
    try:
        return await services.exports.export(_system(settings), request, language)
    except ServiceError as error:
        t = translator(language)
        print(plain_text(t(error.message_key, **error.params)), file=sys.stderr)
        return None
    finally:
        await engine.dispose()


def _import(settings: Settings, path: Path) -> int:
    """Exit status 0: imported; 1: bad rows, nothing imported; 2: the file cannot be read."""
    t = translator(settings.default_language)
    try:
        data = path.read_bytes()
    except OSError as error:
        print(f"forumbot import-organisations: {path}: {error.strerror}", file=sys.stderr)
        return 2
    report = asyncio.run(_import_rows(settings, data))
    print(import_report(t, report), file=sys.stderr if report.bad else sys.stdout)
    return 1 if report.bad else 0


async def _import_rows(settings: Settings, data: bytes) -> ImportReport:
    engine, services = await open_services(settings, SystemClock())
    try:
        return await services.organisations.import_table(data)
    finally:
        await engine.dispose()


def import_report(t: Translator, report: ImportReport) -> str:
    if report.bad:
        lines = [t("import.failed", count=len(report.bad))]
        for bad in report.bad:
            reason = t(bad.reason, value=bad.value)
            lines.append(t("import.line", line=bad.line, reason=reason) if bad.line else reason)
        return plain_text("\n".join(lines))
    lines = [
        t(
            "import.done",
            created=len(report.created),
            updated=len(report.updated),
            unchanged=len(report.unchanged),
        ),
        *(t("import.created_line", name=name) for name in report.created),
        *(t("import.updated_line", name=name) for name in report.updated),
    ]
    return plain_text("\n".join(lines))
