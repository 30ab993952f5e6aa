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


def send_report(settings: Settings, msg: EmailMessage, *, timeout: float = 30.0) -> None:
    """Send through the configured server: SMTPS on 465, else STARTTLS when offered, login when configured."""
    assert settings.smtp_host
    context = ssl.create_default_context()
    if settings.smtp_port == 465:
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
        )
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with server:
        server.ehlo()
        if settings.smtp_port != 465 and server.has_extn("starttls"):
            server.starttls(context=context)
            server.ehlo()
        if settings.smtp_user and settings.smtp_password:
            server.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        server.send_message(msg)
