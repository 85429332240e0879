"""The ``connectability`` command line (click).

- ``serve``: all three services as separate processes, with embedded defaults;
- ``run-service NAME``: one service in this process (what ``serve`` and containers run);
- ``token``: a bearer token for local use, signed with the configured signing key;
- ``keys init``: the key pair and storage secret a deployment's services share;
- ``migrate NAME...``: bring services' databases to the newest schema;
- ``health NAME``: exit 0 when the service answers SERVING (a container's health check);
- ``connections``, ``sync``, ``deliveries``: what the services hold, as tables (with a token);
- ``demo``: the whole journey through the public API, step by step.
"""

# ruff: noqa: E402  (the imports after the signal set-up below wait for it on purpose)
from __future__ import annotations

import sys
from typing import Any

from shared.runtime.stop_signals import StopSignals

# `serve` and `run-service` take over SIGINT/SIGTERM before the slow imports below (a second
# or so, many on a loaded machine): a Ctrl-C while they import ends them at once and quietly
# (nothing is open yet), never with a KeyboardInterrupt traceback; once they start opening
# things (`starting_done`), it is noted and honoured at the next step.
LONG_RUNNING_COMMANDS = ("serve", "run-service")
early_stop = (
    StopSignals.install(exit_at_once=True)
    if sys.argv[1:2] and sys.argv[1] in LONG_RUNNING_COMMANDS
    else None
)

import importlib

import click

from services.operator.calling import find_signing_key
from shared.facts.identity import IntegratorMode, Principal, PrincipalKind
from shared.runtime.config import SERVICE_NAMES, WEB, Settings
from shared.runtime.service_process import ensure_default_keys, run_service
from shared.runtime.tokens import TokenIssuer, ensure_local_keys


def _service_module(name: str) -> object:
    return importlib.import_module(f"services.{name}.app")


@click.group()
def main() -> None:
    """Drawing Connectability: connect projects so published drawings flow downstream."""


@main.command()
def serve() -> None:
    """Start the connection, drawing and notification services and the web page; Ctrl-C
    stops them."""
    from services.supervisor import serve_all

    if early_stop is not None:
        early_stop.starting_done()  # keys may be written next
    settings = Settings()
    ensure_default_keys(settings)
    sys.exit(serve_all(settings, stop=early_stop or StopSignals.install()))


@main.command("run-service")
@click.argument("name", type=click.Choice((*SERVICE_NAMES, WEB)))
def run_service_command(name: str) -> None:
    """Run one service (or the web page) in this process until SIGTERM or Ctrl-C."""
    if name == WEB:
        from services.web.app import run

        run(Settings(), stop=early_stop)
        return
    module = _service_module(name)
    run_service(name, module.build_definition, stop=early_stop)  # type: ignore[attr-defined]


@main.command()
@click.argument("names", nargs=-1, required=True, type=click.Choice(SERVICE_NAMES))
def migrate(names: tuple[str, ...]) -> None:
    """Upgrade each named service's database to the newest migration."""
    settings = Settings()
    for name in names:
        module = _service_module(name)
        module.migrate_database(settings.database_url_of(name))  # type: ignore[attr-defined]
        click.echo(f"{name}: database at the newest schema")


@main.command()
@click.argument("name", type=click.Choice(SERVICE_NAMES))
@click.option(
    "--address",
    default="",
    help="host:port to ask; default 127.0.0.1 and the service's port. With TLS, a host "
    "name its certificate names.",
)
def health(name: str, address: str) -> None:
    """Exit 0 when the service answers SERVING over grpc.health.v1, over TLS when configured."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from shared.runtime.tls import channel_credentials, grpc_channel

    settings = Settings()
    target = address or f"127.0.0.1:{settings.port_of(name)}"
    with grpc_channel(target, channel_credentials(settings)) as channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
        except grpc.RpcError as error:
            raise click.ClickException(f"{name} at {target}: {error.code().name}") from None
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
    if answer.status != health_pb2.HealthCheckResponse.SERVING:
        raise click.ClickException(f"{name} at {target}: {status}")
    click.echo(f"{name} at {target}: {status}")


@main.command()
@click.option("--platform", "as_platform", is_flag=True, help="The platform (accounts) identity.")
@click.option("--service", "service_name", type=click.Choice(SERVICE_NAMES), help="A service.")
@click.option("--user", "user_id", default="", help="A user id (with --company).")
@click.option("--company", "company_id", default="", help="The user's company id.")
@click.option(
    "--integrator", "client_id", default="", help="An integrator client id (with --user)."
)
@click.option(
    "--service-account", is_flag=True, help="With --integrator: acts as a service account user."
)
@click.option("--ttl", "ttl_seconds", default=3600, show_default=True, help="Lifetime in seconds.")
@click.option(
    "--create-keys",
    is_flag=True,
    help="With no key pair in the data dir: make one (only services using it accept the token).",
)
def token(ttl_seconds: int, create_keys: bool, **who: Any) -> None:
    """Print a bearer token for local use."""
    principal = _principal_from_options(**who)  # the options that say who the token names
    settings = Settings()
    if not 0 < ttl_seconds <= settings.jwt_max_token_lifetime_seconds:
        raise click.BadParameter(
            f"must be between 1 and {settings.jwt_max_token_lifetime_seconds} seconds "
            "(CONNECTABILITY_JWT_MAX_TOKEN_LIFETIME_SECONDS): the services refuse longer-lived "
            "tokens",
            param_hint="--ttl",
        )
    find_signing_key(settings, create_keys)
    issuer = TokenIssuer(settings.signing_key_source, settings.jwt_audience, settings.jwt_issuer)
    click.echo(issuer.issue(principal, ttl_seconds))


@main.command("demo-directory")
def demo_directory() -> None:
    """Seed 001's companies, projects and people, to try the web page (run beside `serve`)."""
    from services.web.demo import make_demo_directory
    from services.web.signin import sign_in_mode

    settings = Settings()
    if sign_in_mode(settings) != "development":
        raise click.ClickException(
            "only with the development sign-in (the embedded default keys): a deployment's "
            "directory comes from its accounts system"
        )
    for person in make_demo_directory(settings):
        click.echo(f"  {person.user_id:<4} {person.name:<14} {person.role}")
    click.echo(
        f"Open http://{settings.address_of('web')}/ and sign in as one of them "
        "(a second browser window, or a private one, for the other)."
    )


@main.group()
def keys() -> None:
    """The keys and secrets the services sign with."""


@keys.command("init")
def keys_init() -> None:
    """Create the key pair and the storage signing secret in the keys dir, unless there.

    What a deployment runs once before the services (docker-compose.yml's keys-init):
    files already there are kept, so running it again changes nothing.
    """
    from services.drawing.store.files.signing import SECRET_FILE_NAME, load_signing_secret

    settings = Settings()
    signing_path, jwks_path = ensure_local_keys(settings.keys_dir)
    made = [signing_path, jwks_path]
    if not settings.storage_signing_secret:
        load_signing_secret(settings)  # creates the local secret file if there is none
        made.append(settings.keys_dir / SECRET_FILE_NAME)
    for path in made:
        click.echo(f"{path.resolve()}")


def _principal_from_options(
    as_platform: bool,
    service_name: str | None,
    user_id: str,
    company_id: str,
    client_id: str,
    service_account: bool,
) -> Principal:
    chosen = sum([as_platform, bool(service_name), bool(user_id)])
    if chosen != 1:
        raise click.UsageError("choose exactly one of --platform, --service or --user")
    if as_platform:
        return Principal(PrincipalKind.PLATFORM, "accounts")
    if service_name:
        return Principal(PrincipalKind.SERVICE, service_name)
    if not company_id:
        raise click.UsageError("--user needs --company")
    if client_id:
        mode = IntegratorMode.ON_BEHALF_OF_USER
        if service_account:
            mode = IntegratorMode.SERVICE_ACCOUNT
        return Principal(PrincipalKind.INTEGRATOR, user_id, company_id, client_id, mode)
    return Principal(PrincipalKind.USER, user_id, company_id)


def _add_operator_commands() -> None:
    """The client commands; the services' own processes need none of their imports."""
    from services.operator.commands import connections, deliveries, sync
    from services.operator.demo import demo

    for command in (connections, sync, deliveries, demo):
        main.add_command(command)


if early_stop is None:
    _add_operator_commands()

if __name__ == "__main__":
    main()
