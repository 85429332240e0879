"""The ``connectability`` command line (click).

- ``serve``: all three services as separate processes, with embedded defaults;
- ``run-service NAME``: one service in this process (what ``serve`` and containers run);
- ``token``: a bearer token for local use, signed with the configured signing key;
- ``migrate NAME``: bring a service's database to the newest schema.
"""

# ruff: noqa: E402  (the imports after the signal set-up below wait for it on purpose)
from __future__ import annotations

import sys

from shared.runtime.stop_signals import StopSignals

# `serve` and `run-service` take over SIGINT/SIGTERM before the slow imports below (a second
# or so): a Ctrl-C that comes while they start is then noted and honoured once they are up,
# never a KeyboardInterrupt traceback from the middle of an import.
LONG_RUNNING_COMMANDS = ("serve", "run-service")
early_stop = (
    StopSignals.install() if sys.argv[1:2] and sys.argv[1] in LONG_RUNNING_COMMANDS else None
)

import importlib

import click

from shared.facts.identity import IntegratorMode, Principal, PrincipalKind
from shared.runtime.config import SERVICE_NAMES, Settings
from shared.runtime.service_process import ensure_default_keys, run_service
from shared.runtime.tokens import TokenIssuer


def _service_module(name: str) -> object:
    return importlib.import_module(f"services.{name}.app")


@click.group()
def main() -> None:
    """Drawing Connectability: connect projects so published drawings flow downstream."""


@main.command()
def serve() -> None:
    """Start the connection, drawing and notification services; Ctrl-C stops them."""
    from services.supervisor import serve_all

    settings = Settings()
    ensure_default_keys(settings)
    sys.exit(serve_all(settings, stop=early_stop or StopSignals.install()))


@main.command("run-service")
@click.argument("name", type=click.Choice(SERVICE_NAMES))
def run_service_command(name: str) -> None:
    """Run one service in this process until SIGTERM or Ctrl-C."""
    module = _service_module(name)
    run_service(name, module.build_definition, stop=early_stop)  # type: ignore[attr-defined]


@main.command()
@click.argument("name", type=click.Choice(SERVICE_NAMES))
def migrate(name: str) -> None:
    """Upgrade a service's database to the newest migration."""
    module = _service_module(name)
    settings = Settings()
    module.migrate_database(settings.database_url_of(name))  # type: ignore[attr-defined]
    click.echo(f"{name}: database at the newest schema")


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
def token(
    as_platform: bool,
    service_name: str | None,
    user_id: str,
    company_id: str,
    client_id: str,
    service_account: bool,
    ttl_seconds: int,
) -> None:
    """Print a bearer token for local use."""
    principal = _principal_from_options(
        as_platform, service_name, user_id, company_id, client_id, service_account
    )
    settings = Settings()
    if not 0 < ttl_seconds <= settings.jwt_max_token_lifetime_seconds:
        raise click.BadParameter(
            f"must be between 1 and {settings.jwt_max_token_lifetime_seconds} seconds "
            "(CONNECTABILITY_JWT_MAX_TOKEN_LIFETIME_SECONDS): the services refuse longer-lived "
            "tokens",
            param_hint="--ttl",
        )
    ensure_default_keys(settings)
    issuer = TokenIssuer(settings.signing_key_source, settings.jwt_audience, settings.jwt_issuer)
    click.echo(issuer.issue(principal, ttl_seconds))


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


if __name__ == "__main__":
    main()
