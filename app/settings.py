"""The only module that reads the environment (12-factor)."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from auth.passwords import HashCost
from resolvers.smtp import SmtpServer

log = logging.getLogger("alveole.settings")

DEFAULT_DATABASE_URL = "sqlite://alveole.sqlite3"
# Trusted documents (persisted operations): off, allowed beside free-form documents, or required.
TRUSTED_DOCUMENTS_MODES = ("off", "allowed", "required")
LOG_FORMATS = ("text", "json")
# prometheus-client's own variable (it reads it too, when imported): where worker processes share their metrics.
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def share_metrics_between_workers(directory: str) -> None:
    """`alveole serve --workers N`, before it starts them: they inherit the environment."""
    os.environ.setdefault(MULTIPROCESS_ENV, directory)


class Secret(str):
    """A string that never prints itself, so logs and tracebacks cannot leak it."""

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def reveal(self) -> str:
        return str.__str__(self)


class SettingsError(ValueError):
    pass


def _int(env: dict[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: Secret = field(default_factory=lambda: Secret(""))
    # Sessions: an absolute lifetime and an idle timeout (OWASP ASVS 7.3).
    token_lifetime_minutes: int = 12 * 60
    token_idle_minutes: int = 60
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_lockout_minutes: int = 15
    export_link_minutes: int = 10
    cors_origins: tuple[str, ...] = ()
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_directives: int = 50
    max_query_cost: int = 20000
    max_body_bytes: int = 1_000_000
    request_timeout_seconds: int = 30
    password_hash_cost: HashCost = field(default_factory=HashCost)
    trusted_documents: str = "allowed"
    # Webhooks go to https:// URLs; http:// to this machine's loopback only with this (tests, development).
    webhooks_allow_http: bool = False
    # schema.fastpath: compiled completion of plain fields; off runs Strawberry and graphql-core as they come.
    fast_execution: bool = True
    # Where every erasure and purge is journaled (ids and times only), outside the database, so that a
    # restored backup can be made to forget them again. None: beside the SQLite file; required otherwise.
    erasure_journal: Path | None = None
    # SIGTERM: how long in-flight requests and streams may take to finish before they are cut.
    shutdown_grace_seconds: int = 20
    # Above the idle timeout of the load balancers in front (60 s for most): see README, Operations.
    keep_alive_seconds: int = 75
    metrics_token: Secret | None = None
    # Set by `alveole serve --workers N` for its workers: prometheus-client's shared files, so that a scrape
    # answered by any worker counts for all of them.
    metrics_multiprocess_dir: Path | None = None
    log_format: str = "text"
    # The data subject's door (mails, verification and delivery links).
    public_url: str = ""  # empty: `alveole serve` uses the address it listens on; in-process, the request's
    smtp: SmtpServer | None = None  # None: mails wait as HELD
    mail_from: str = "no-reply@localhost"
    delivery_days: int = 7
    delivery_max_downloads: int = 5
    outbox_dispatcher: bool = True  # a dispatcher task in each server process

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        return Path(self.database_url.split("://", 1)[1].split("?", 1)[0])

    @property
    def erasure_journal_path(self) -> Path | None:
        if self.erasure_journal is not None:
            return self.erasure_journal
        sqlite = self.sqlite_path
        return None if sqlite is None else sqlite.with_name(sqlite.name + ".erasure-journal")

    def required_erasure_journal(self) -> Path:
        """For whatever erases or restores: there is no erasure without its journal."""
        path = self.erasure_journal_path
        if path is None:
            raise SettingsError(
                "ALVEOLE_ERASURE_JOURNAL must be set when the database is not SQLite: erasures and purges are "
                "journaled there, outside the database, so that restoring a backup cannot bring erased people back"
            )
        return path

    @property
    def tortoise_db_url(self) -> str:
        url = self.database_url
        if url.startswith("postgresql://"):
            url = "postgres://" + url[len("postgresql://") :]
        return url


def _secret_key(env: dict[str, str], database_url: str) -> Secret:
    configured = env.get("ALVEOLE_SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise SettingsError("ALVEOLE_SECRET_KEY must be at least 32 characters")
        return Secret(configured)
    if not database_url.startswith("sqlite"):
        raise SettingsError("ALVEOLE_SECRET_KEY must be set when the database is not SQLite")
    db_file = Path(database_url.split("://", 1)[1].split("?", 1)[0])
    key_file = db_file.with_name(db_file.name + ".secret")
    if key_file.exists():
        return Secret(key_file.read_text().strip())
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    log.warning(
        "ALVEOLE_SECRET_KEY is not set: generated one in %s. Production must set ALVEOLE_SECRET_KEY.",
        key_file,
    )
    return Secret(key_file.read_text().strip())


def load(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    database_url = env.get("ALVEOLE_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not database_url.startswith(("sqlite://", "postgres://", "postgresql://")):
        raise SettingsError("ALVEOLE_DATABASE_URL must start with sqlite://, postgres:// or postgresql://")
    cors = tuple(o.strip() for o in env.get("ALVEOLE_CORS_ORIGINS", "").split(",") if o.strip())
    return Settings(
        database_url=database_url,
        secret_key=_secret_key(env, database_url),
        token_lifetime_minutes=_int(env, "ALVEOLE_TOKEN_LIFETIME_MINUTES", 12 * 60),
        token_idle_minutes=_int(env, "ALVEOLE_TOKEN_IDLE_MINUTES", 60),
        login_max_failures_per_account=_int(env, "ALVEOLE_LOGIN_MAX_FAILURES", 5),
        login_max_failures_per_address=_int(env, "ALVEOLE_LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
        login_lockout_minutes=_int(env, "ALVEOLE_LOGIN_LOCKOUT_MINUTES", 15),
        export_link_minutes=_int(env, "ALVEOLE_EXPORT_LINK_MINUTES", 10),
        cors_origins=cors,
        max_query_depth=_int(env, "ALVEOLE_MAX_QUERY_DEPTH", 12),
        max_aliases=_int(env, "ALVEOLE_MAX_ALIASES", 30),
        max_tokens=_int(env, "ALVEOLE_MAX_TOKENS", 2000),
        max_directives=_int(env, "ALVEOLE_MAX_DIRECTIVES", 50),
        max_query_cost=_int(env, "ALVEOLE_MAX_QUERY_COST", 20000),
        max_body_bytes=_int(env, "ALVEOLE_MAX_BODY_BYTES", 1_000_000),
        request_timeout_seconds=_int(env, "ALVEOLE_REQUEST_TIMEOUT_SECONDS", 30),
        password_hash_cost=_hash_cost(env),
        trusted_documents=_choice(env, "ALVEOLE_TRUSTED_DOCUMENTS", TRUSTED_DOCUMENTS_MODES, "allowed"),
        webhooks_allow_http=_choice(env, "ALVEOLE_WEBHOOKS_ALLOW_HTTP", ("0", "1"), "0") == "1",
        fast_execution=fast_execution(env),
        erasure_journal=Path(env["ALVEOLE_ERASURE_JOURNAL"]) if env.get("ALVEOLE_ERASURE_JOURNAL") else None,
        shutdown_grace_seconds=_int(env, "ALVEOLE_SHUTDOWN_GRACE_SECONDS", 20, minimum=0),
        keep_alive_seconds=_int(env, "ALVEOLE_KEEP_ALIVE_SECONDS", 75),
        metrics_token=_metrics_token(env),
        metrics_multiprocess_dir=Path(env[MULTIPROCESS_ENV]) if env.get(MULTIPROCESS_ENV) else None,
        log_format=log_format(env),
        public_url=_public_url(env),
        smtp=_smtp(env),
        mail_from=_mail_from(env),
        delivery_days=_int(env, "ALVEOLE_DELIVERY_DAYS", 7),
        delivery_max_downloads=_int(env, "ALVEOLE_DELIVERY_MAX_DOWNLOADS", 5),
        outbox_dispatcher=env.get("ALVEOLE_OUTBOX_DISPATCHER", "1").strip().lower() not in ("0", "false", "no", "off"),
    )


def listening_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _every_interface(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return not host.strip()


def default_public_url(host: str, port: int) -> str | None:
    """`alveole serve`: links start with the address it listens on unless ALVEOLE_PUBLIC_URL says otherwise
    (set in the environment, so that the worker processes it starts read it too). Says what is wrong when
    that address is no link a person could open (every interface: 0.0.0.0, ::)."""
    if os.environ.get("ALVEOLE_PUBLIC_URL", "").strip():
        return None
    url = listening_url(host, port)
    os.environ["ALVEOLE_PUBLIC_URL"] = url
    if _every_interface(host):
        return f"links in mails would start with {url}, which nobody can open: set ALVEOLE_PUBLIC_URL"
    return None


def _public_url(env: dict[str, str]) -> str:
    url = env.get("ALVEOLE_PUBLIC_URL", "").strip().rstrip("/")
    if url and not url.startswith(("https://", "http://")):
        raise SettingsError("ALVEOLE_PUBLIC_URL must start with https:// or http://")
    return url


def _mail_from(env: dict[str, str]) -> str:
    sender = env.get("ALVEOLE_MAIL_FROM", "").strip() or Settings.mail_from
    if "@" not in sender or any(c in sender for c in "<>\r\n ,"):
        raise SettingsError("ALVEOLE_MAIL_FROM must be a bare address, e.g. dpo@agency.example")
    return sender


_YES, _NO = ("true", "1", "yes"), ("false", "0", "no")


def _smtp(env: dict[str, str]) -> SmtpServer | None:
    """smtp://user:pass@host:port, ?starttls=true to require STARTTLS, or smtps:// for implicit TLS."""
    raw = env.get("ALVEOLE_SMTP_URL", "").strip()
    if not raw:
        return None
    # Never quote the URL back: it may hold the password.
    problem = "ALVEOLE_SMTP_URL must look like smtp://user:pass@host:587?starttls=true or smtps://host:465"
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise SettingsError(problem) from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SettingsError(problem)
    options = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    # A misspelt option must not silently send in clear text: only starttls, with a yes or a no.
    unknown = sorted(set(options) - {"starttls"})
    if unknown:
        raise SettingsError(f"ALVEOLE_SMTP_URL: unknown option {unknown[0]!r} (the only one is starttls=true)")
    starttls_value = options.get("starttls", "false")
    if starttls_value not in _YES + _NO:
        raise SettingsError("ALVEOLE_SMTP_URL: starttls must be true or false")
    starttls = starttls_value in _YES
    implicit = parts.scheme == "smtps"
    if implicit and starttls:
        raise SettingsError("ALVEOLE_SMTP_URL: smtps:// is already TLS; starttls=true is for smtp://")
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if implicit else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        implicit_tls=implicit,
        starttls=starttls,
    )


def _choice(env: dict[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {env.get(name)!r}")
    return value


def fast_execution(env: Mapping[str, str]) -> bool:
    """ALVEOLE_FAST_EXECUTION: `on` (the default) or `off`."""
    raw = (env.get("ALVEOLE_FAST_EXECUTION") or "on").strip().lower()
    if raw not in ("on", "off"):
        raise SettingsError(f"ALVEOLE_FAST_EXECUTION must be on or off, got {raw!r}")
    return raw == "on"


def log_format(env: dict[str, str] | None = None) -> str:
    """Read alone too: the CLI sets its logging up before anything else is loaded (and may log)."""
    env = dict(os.environ if env is None else env)
    value = (env.get("ALVEOLE_LOG_FORMAT") or "text").strip().lower()
    if value not in LOG_FORMATS:
        raise SettingsError(f"ALVEOLE_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, got {value!r}")
    return value


def _metrics_token(env: dict[str, str]) -> Secret | None:
    token = env.get("ALVEOLE_METRICS_TOKEN")
    if not token:
        return None
    if len(token) < 32:
        raise SettingsError("ALVEOLE_METRICS_TOKEN must be at least 32 characters")
    return Secret(token)


def _hash_cost(env: dict[str, str]) -> HashCost:
    default = HashCost()
    cost = HashCost(
        time_cost=_int(env, "ALVEOLE_ARGON2_TIME_COST", default.time_cost),
        memory_kib=_int(env, "ALVEOLE_ARGON2_MEMORY_KIB", default.memory_kib, minimum=8),
        parallelism=_int(env, "ALVEOLE_ARGON2_PARALLELISM", default.parallelism),
    )
    if cost.memory_kib < 8 * cost.parallelism:
        raise SettingsError("ALVEOLE_ARGON2_MEMORY_KIB must be at least 8 times ALVEOLE_ARGON2_PARALLELISM")
    return cost
