"""Attack: strip STARTTLS from the mail server's answer and read the password and the report.

``send_report`` used STARTTLS only when the server offered it, and logged in either way.
An attacker on the network path removes ``STARTTLS`` from the EHLO answer (the connection
is still plain text at that point) and receives ``AUTH PLAIN`` with the password in
base64, then the report. The local server here offers AUTH but no STARTTLS, as such a
man in the middle would.
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from flows.report.mail import MailSecurityError, build_message, send_report
from tests.flows.smtp_sink import smtp_sink
from tinradar.settings import Settings


def _settings(port: int, **extra: object) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="tinradar@bantuyengiao.vn",
        report_recipients=["lanh.dao@bantuyengiao.vn"],
        **extra,
    )


def test_credentials_never_go_out_without_tls():
    with smtp_sink(offer_auth=True) as sink:
        settings = _settings(sink.port, smtp_user="tinradar", smtp_password=SecretStr("mat-khau-thu-dien-tu"))
        msg = build_message(settings, "TinRadar — báo cáo", "# Báo cáo\nnội dung mật", "<p>nội dung mật</p>", None)
        with pytest.raises(MailSecurityError, match="STARTTLS") as refused:
            send_report(settings, msg, timeout=10)
    assert sink.auth == [] and sink.messages == []
    assert "mat-khau-thu-dien-tu" not in str(refused.value)


def test_without_credentials_a_plain_relay_still_works():
    """A local relay without login (the usual setup inside an office) is not refused."""
    with smtp_sink() as sink:
        settings = _settings(sink.port)
        send_report(settings, build_message(settings, "Báo cáo", "nội dung", "<p>nội dung</p>", None), timeout=10)
    assert len(sink.messages) == 1
