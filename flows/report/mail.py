"""E-mail delivery of the daily report over SMTP (optional: only when ``smtp_host`` is set)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from tinradar.settings import Settings


def build_message(settings: Settings, subject: str, markdown: str, html: str, pdf: Path | None) -> EmailMessage:
    """Plain-text (Markdown) and HTML alternatives, plus the PDF when there is one."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings.smtp_from or settings.smtp_user or "tinradar@localhost"
    msg["To"] = ", ".join(settings.report_recipients)
    msg.set_content(markdown)
    msg.add_alternative(html, subtype="html")
    if pdf is not None and pdf.exists():
        msg.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name)
    return msg


class MailSecurityError(RuntimeError):
    """Mail was not sent because it would have gone out unencrypted with the account's password."""


def send_report(settings: Settings, msg: EmailMessage, *, timeout: float = 30.0) -> None:
    """Send through the configured server: SMTPS on 465, else STARTTLS when offered, login when configured.

    With credentials, TLS is required: a server that does not offer STARTTLS may be one
    whose offer a network attacker removed from the (still plain-text) EHLO answer, to
    receive the password and the report. Nothing is sent then (``MailSecurityError``).
    Without credentials a plain relay is used as it is (the usual setup inside an office).
    """
    assert settings.smtp_host
    context = ssl.create_default_context()
    user, password = settings.smtp_user, settings.smtp_password
    login = bool(user and password)
    if settings.smtp_port == 465:
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
        )
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with server:
        server.ehlo()
        if settings.smtp_port != 465:
            if server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
            elif login:
                raise MailSecurityError(
                    f"Máy chủ thư {settings.smtp_host}:{settings.smtp_port} không đề nghị STARTTLS: không gửi mật khẩu "
                    "và báo cáo qua kết nối không mã hóa. Dùng cổng 465 (SMTPS) hoặc máy chủ có STARTTLS "
                    "(no STARTTLS offered: refusing to send credentials in clear)."
                )
        if user and password:
            server.login(user, password.get_secret_value())
        server.send_message(msg)
