"""The `command-center` command: migrate, create-user, serve, export-schema, worker, inbound,
inbound-log, revoke-token."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from pathlib import Path

from graphql import GraphQLError
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from config import logs
from config.database import database, run_migrations
from config.settings import get_settings, settings_or_exit
from models.base.errors import DomainError
from models.teams.tables import Role, Team, User

EXIT_USAGE = 2


def _info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _migrate() -> None:
    applied = await run_migrations()
    for name in applied:
        _info(f"Applied migration {name}")
    if not applied:
        _info("Database is up to date.")


def cmd_migrate(_args: argparse.Namespace) -> int:
    asyncio.run(_migrate())
    return 0


async def _create_user(team_name: str, email: str, name: str, role: Role, timezone: str) -> str:
    from models.teams import auth

    async with database(), in_transaction():  # no new team left behind when the user is refused
        team = await auth.get_or_create_team(team_name)
        user = await auth.create_user(team, email, name=name, role=role, timezone=timezone)
        token = await auth.issue_token(user, label="cli")
    _info(f"Created {user.role.value} {user.email} (id {user.id}) in team {team.name!r}.")
    return token


def cmd_create_user(args: argparse.Namespace) -> int:
    team_name = args.team.strip()
    if not team_name or len(team_name) > 200:
        _info("error: --team must be 1 to 200 characters.")
        return EXIT_USAGE
    try:
        token = asyncio.run(
            _create_user(team_name, args.email, args.name, Role(args.role), args.time_zone)
        )
    except DomainError as error:
        _info(f"error: {error.message}")
        return EXIT_USAGE
    except OperationalError as error:
        _info(f"error: {error} (has the database been set up with `command-center migrate`?)")
        return 1
    print(token)
    return 0


async def _prepare_serving(demo: bool) -> tuple[User | None, str | None]:
    """Migrate, seed the demo on an empty database, and issue a token for the first admin."""
    from command_center.demo import seed_demo
    from models.teams import auth

    await _migrate()
    async with database():
        if demo and not await Team.exists():
            _info("Empty database: seeding demo data…")
            return await seed_demo()
        admin = await User.filter(role=Role.ADMIN).order_by("id").first()
        if admin is None:
            return None, None
        return admin, await auth.issue_token(admin, label="serve")


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    # What is actually served becomes the settings of this process (and so the default
    # CC_PUBLIC_URL of the links its embedded worker puts in sent mail).
    os.environ["CC_HOST"], os.environ["CC_PORT"] = args.host, str(args.port)
    get_settings.cache_clear()
    settings = get_settings()
    admin, token = asyncio.run(_prepare_serving(settings.demo))
    print()
    if settings.smtp_url.startswith("file://"):
        mail_dir = Path(settings.smtp_url.removeprefix("file://")).resolve()
        print(f"Outgoing mail is captured as .eml files in {mail_dir} (CC_SMTP_URL to relay).")
    else:
        print(f"Outgoing mail is relayed through {settings.smtp_url.split('@')[-1]}.")
    base = f"http://{args.host}:{args.port}"
    if token is None:
        print(f"Command Center: {base}/")
        print(f"GraphiQL: {base}/graphql")
    else:
        # The fragment stays in the browser: the app's and GraphiQL's pages turn it into their
        # Authorization header, and a browser never sends a fragment to the server.
        print(f"Command Center (signed in): {base}/#token={token}")
        print(f"GraphiQL (signed in): {base}/graphql#token={token}")
    print(f"Links in sent mail (tracking, unsubscribe) start {settings.public_base_url()}.")
    if warning := settings.public_url_warning():
        logging.getLogger("command_center").warning(warning)
    if not settings.broker_url and settings.inbound_smtp_port:
        host, port = settings.inbound_smtp_host, settings.inbound_smtp_port
        print(f"Inbound mail (replies, bounces, complaints): SMTP on {host}:{port}.")
    if settings.inbound_token:
        print(f"Inbound mail over HTTP: POST http://{args.host}:{args.port}/inbound.")
    if admin is not None and token is not None:
        print(f"Signed in as {admin.email} ({admin.role.value}). HTTP header:")
        print(f"  Authorization: Bearer {token}")
        print("GraphiQL headers tab:")
        print(f"  {json.dumps({'Authorization': f'Bearer {token}'})}")
    else:
        print("No admin user yet; create one (prints a token):")
        print("  command-center create-user --team 'My team' --email you@example.com --role ADMIN")
    print(flush=True)
    uvicorn.run(
        "graph.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        # uvicorn's own lines go through our handler (config/logs.py: console or JSON), and our
        # one line per request (graph/request_log.py) replaces its access log.
        log_config=None,
        access_log=False,
    )
    return 0


def cmd_export_schema(args: argparse.Namespace) -> int:
    from graph.schema import schema

    sdl = str(schema) + "\n"
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl, encoding="utf-8")
        _info(f"Wrote {args.output}")
    return 0


def cmd_trusted_documents(args: argparse.Namespace) -> int:
    from graph.persisted.manifest import build_manifest

    try:
        manifest = build_manifest(Path(path) for path in args.paths)
    except (ValueError, OSError, GraphQLError) as error:
        _info(f"error: {error}")
        return 1
    text = json.dumps(manifest, indent=2) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        _info(f"Wrote {len(manifest)} trusted documents to {args.output}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from workers.process import run_worker_processes

    if warning := get_settings().public_url_warning():
        logging.getLogger("command_center").warning(warning)
    port = get_settings().worker_metrics_port if args.metrics_port is None else args.metrics_port
    return run_worker_processes(
        args.processes, args.threads, dispatch=not args.no_dispatch, metrics_port=port
    )


async def _run_inbound(host: str, port: int) -> None:
    from workers.inbound_smtp import InboundSmtpServer

    async with database(), InboundSmtpServer(host, port) as server:
        _info(f"Inbound SMTP listening on {server.host}:{server.port} (Ctrl-C stops).")
        await asyncio.Event().wait()


def cmd_inbound(args: argparse.Namespace) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run_inbound(args.host, args.port))
    return 0


async def _inbound_log(outcome: str | None, limit: int) -> list[str]:
    from models.inbound.tables import InboundMessage, InboundOutcome

    async with database():
        query = InboundMessage.all().order_by("-id").limit(limit)
        if outcome:
            query = query.filter(outcome=InboundOutcome(outcome))
        return [
            f"{m.id}\t{m.received_at:%Y-%m-%d %H:%M:%S}\t{m.via.value}\t{m.outcome.value}\t"
            f"team={m.team_id or '-'} email={m.email_id or '-'}\t{m.message_id}\t"
            f"{m.from_address}\t{' '.join(m.detail.split())[:200]}"
            for m in await query
        ]


def cmd_inbound_log(args: argparse.Namespace) -> int:
    for line in asyncio.run(_inbound_log(args.outcome, args.limit)):
        print(line)
    return 0


async def _revoke_token(token_id: str | None, secret: str | None) -> str | None:
    from events import running_bus
    from graph.relay import decode_id
    from models.teams import auth

    # Published on CC_EVENTS_URL: API processes on Redis close the token's sockets at once
    # (otherwise within CC_TOKEN_RECHECK_SECONDS).
    async with database(), running_bus(listen=False):
        if secret is not None:
            token = await auth.revoke_token(secret)
        else:
            raw = token_id or ""
            pk = int(raw) if raw.isdigit() else decode_id(raw, "ApiToken")
            token = await auth.revoke_any_token(pk) if pk is not None else None
        if token is None:
            return None
        owner = await User.get(id=token.user_id)
        return f"Revoked token {token.id} ({token.label or 'no label'}) of {owner.email}."


def cmd_revoke_token(args: argparse.Namespace) -> int:
    done = asyncio.run(_revoke_token(args.id, args.token))
    if done is None:
        _info("error: no such token.")
        return 1
    _info(done)
    return 0


def build_parser() -> argparse.ArgumentParser:
    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="command-center", description="Command Center: GraphQL backend for sales email."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    migrate = commands.add_parser("migrate", help="apply pending database migrations")
    migrate.set_defaults(func=cmd_migrate)

    create_user = commands.add_parser(
        "create-user", help="create a user (and its team if new); prints an API token"
    )
    create_user.add_argument("--team", required=True, help="team name (created if missing)")
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--name", default="")
    create_user.add_argument(
        "--time-zone", default="UTC", help="IANA time zone, e.g. Europe/Paris (default UTC)"
    )
    create_user.add_argument(
        "--role", choices=[role.value for role in Role], default=Role.MEMBER.value
    )
    create_user.set_defaults(func=cmd_create_user)

    serve = commands.add_parser(
        "serve", help="migrate, seed demo data into an empty database (CC_DEMO), serve the API"
    )
    serve.add_argument("--host", default=settings.host)
    serve.add_argument("--port", type=int, default=settings.port)
    serve.set_defaults(func=cmd_serve)

    export = commands.add_parser("export-schema", help="write the GraphQL schema (SDL)")
    export.add_argument("--output", default="schema.graphql", help="file, or - for stdout")
    export.set_defaults(func=cmd_export_schema)

    trusted = commands.add_parser(
        "trusted-documents",
        help="build the trusted documents manifest (CC_TRUSTED_DOCUMENTS) from clients' documents",
    )
    trusted.add_argument(
        "paths", nargs="+", help=".graphql files or folders, manifests (.json) to merge"
    )
    trusted.add_argument("--output", default="trusted-documents.json", help="file, or - for stdout")
    trusted.set_defaults(func=cmd_trusted_documents)

    worker = commands.add_parser(
        "worker", help="send email: consume CC_BROKER_URL (redis/amqp) and dispatch due emails"
    )
    worker.add_argument("--processes", type=int, default=1, help="worker processes to start")
    worker.add_argument("--threads", type=int, default=None, help="threads per process")
    worker.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve GET /metrics of each process on this port (process i of N on +i); "
        "default CC_WORKER_METRICS_PORT, 0 = off",
    )
    worker.add_argument(
        "--no-dispatch", action="store_true", help="consume only; another process dispatches"
    )
    worker.set_defaults(func=cmd_worker)

    inbound = commands.add_parser(
        "inbound", help="listen for replies, bounces and spam complaints by SMTP"
    )
    inbound.add_argument("--host", default=settings.inbound_smtp_host)
    inbound.add_argument("--port", type=int, default=settings.inbound_smtp_port or 2525)
    inbound.set_defaults(func=cmd_inbound)

    from models.inbound.tables import InboundOutcome

    inbound_log = commands.add_parser(
        "inbound-log", help="list received messages, newest first (e.g. --outcome UNMATCHED)"
    )
    inbound_log.add_argument("--outcome", choices=[o.value for o in InboundOutcome])
    inbound_log.add_argument("--limit", type=int, default=50)
    inbound_log.set_defaults(func=cmd_inbound_log)

    revoke = commands.add_parser(
        "revoke-token", help="revoke an API token (by id or by the token itself)"
    )
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", help="the token's id (a number, or its global ID from the API)")
    which.add_argument("--token", help="the secret itself (cc_…)")
    revoke.set_defaults(func=cmd_revoke_token)
    return parser


def configure_logging() -> None:
    """Every process logs through config/logs.py: readable lines, or JSON (CC_LOG_FORMAT=json)."""
    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)


def main(argv: list[str] | None = None) -> int:
    settings_or_exit()  # contradictory settings are refused before anything starts
    args = build_parser().parse_args(argv)
    configure_logging()
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
