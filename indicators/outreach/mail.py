"""Sending e-mail over SMTP: the configuration (secrets or environment) and one send call.

Configuration, environment first, then the ``[smtp]`` section of ``.streamlit/secrets.toml``
(the project's, then ``~/.streamlit/secrets.toml``)::

    RISK_SMTP_HOST      host       smtp.example.org            (required)
    RISK_SMTP_PORT      port       587                         (default 587; 465 = implicit TLS)
    RISK_SMTP_STARTTLS  starttls   true                        (default true; false for a local relay)
    RISK_SMTP_USER      user       alerts@example.org          (optional: no login when empty)
    RISK_SMTP_PASSWORD  password   ...                         (optional)
    RISK_SMTP_SENDER    sender     "Early warning <alerts@example.org>"   (required)

Every failure becomes a :class:`MailError` whose message says what happened, to which server,
and what to check; the message then counts as not sent.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from indicators.i18n import t

ENV_PREFIX = "RISK_SMTP_"
FIELDS = ("host", "port", "starttls", "user", "password", "sender")
PROJECT_SECRETS = Path(__file__).resolve().parents[2] / ".streamlit" / "secrets.toml"
TIMEOUT_S = 30.0


class MailError(RuntimeError):
    """A message could not be sent (or SMTP is not configured); the text says why."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send (see the module docstring)."""

    host: str
    sender: str
    port: int = 587
    starttls: bool = True
    user: str = ""
    password: str = ""
    timeout: float = TIMEOUT_S

    def describe(self) -> str:
        """'host:port (STARTTLS, user x)' without the password."""
        mode = "TLS" if self.port == 465 else ("STARTTLS" if self.starttls else "no TLS")
        who = f", user {self.user}" if self.user else ""
        return f"{self.host}:{self.port} ({mode}{who})"


def _secrets(paths: list[Path]) -> dict:
    for path in paths:
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise MailError(t("outreach.err_secrets", path=str(path), reason=str(exc))) from None
            section = data.get("smtp")
            if isinstance(section, dict):
                return section
    return {}


def _bool(value: object, name: str) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise MailError(t("outreach.err_smtp_value", name=name, value=value))


def smtp_config(env: Mapping[str, str] | None = None,
                secrets_paths: list[Path] | None = None) -> SmtpConfig:
    """Read the SMTP configuration; raises :class:`MailError` when host or sender is missing."""
    env = os.environ if env is None else env
    paths = secrets_paths if secrets_paths is not None else [
        PROJECT_SECRETS, Path.home() / ".streamlit" / "secrets.toml"]
    values = {k: v for k, v in _secrets(paths).items() if k in FIELDS}
    for name in FIELDS:
        if env.get(ENV_PREFIX + name.upper()):
            values[name] = env[ENV_PREFIX + name.upper()]
    if not values.get("host") or not values.get("sender"):
        raise MailError(t("outreach.err_smtp_missing"))
    try:
        port = int(values.get("port", 587))
    except (TypeError, ValueError):
        raise MailError(t("outreach.err_smtp_value", name="port", value=values.get("port"))) from None
    return SmtpConfig(
        host=str(values["host"]), sender=str(values["sender"]), port=port,
        starttls=_bool(values.get("starttls", True), "starttls"),
        user=str(values.get("user", "")), password=str(values.get("password", "")),
    )


def send_message(cfg: SmtpConfig, msg: EmailMessage) -> None:
    """Send one message on a fresh connection; raise :class:`MailError` on any failure."""
    where = cfg.describe()
    try:
        if cfg.port == 465:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        with smtp:
            if cfg.starttls and cfg.port != 465:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.user:
                smtp.login(cfg.user, cfg.password)
            refused = smtp.send_message(msg)
            if refused:
                raise MailError(t("outreach.err_smtp_refused", server=where,
                                  recipients=", ".join(refused)))
    except MailError:
        raise
    except ConnectionRefusedError:
        raise MailError(t("outreach.err_smtp_conn_refused", server=where)) from None
    except smtplib.SMTPServerDisconnected as exc:
        raise MailError(t("outreach.err_smtp_dropped", server=where, reason=str(exc) or "-")) from None
    except smtplib.SMTPNotSupportedError:
        raise MailError(t("outreach.err_smtp_starttls", server=where)) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(t("outreach.err_smtp_auth", server=where, reason=_smtp_text(exc))) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(t("outreach.err_smtp_refused", server=where,
                          recipients=", ".join(exc.recipients))) from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(t("outreach.err_smtp_response", server=where, code=exc.smtp_code,
                          reason=_smtp_text(exc))) from None
    except TimeoutError:
        raise MailError(t("outreach.err_smtp_timeout", server=where, seconds=int(cfg.timeout))) from None
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        raise MailError(t("outreach.err_smtp_other", server=where, reason=str(exc))) from None


def _smtp_text(exc: smtplib.SMTPResponseException) -> str:
    err = exc.smtp_error
    return err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)
