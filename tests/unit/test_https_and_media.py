"""HTTPS is required with DEBUG off unless ALLOW_INSECURE_HTTP says otherwise; the CSP lets
logos load from an http media origin when one is configured; SMTP is a mailer that passes
`check --deploy`."""

import os
import socketserver
import threading

import pytest
from django.core.checks import Error
from django.core.mail import send_mail
from django.test import override_settings

from tests.unit.test_settings_env import fresh_settings
from wizard.ops.checks import https as https_check

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ANYMAIL_WEBHOOK_SECRET": "user:password",
    "STRIPE_WEBHOOK_SECRET": "whsec_production",
}
S3 = {"AWS_STORAGE_BUCKET_NAME": "logos"}


@pytest.fixture
def production(monkeypatch):
    """The settings as a deployment with DEBUG off and `values` in its environment has them."""

    def load(**values):
        for name in [*os.environ]:
            if name in ("SITE_URL", "ALLOW_INSECURE_HTTP") or name.startswith(("AWS_", "MAIL_")):
                monkeypatch.delenv(name)
        for name, value in {**PRODUCTION, **values}.items():
            monkeypatch.setenv(name, value)
        return fresh_settings()

    return load


def test_check_deploy_refuses_an_http_site_with_debug_off(settings):
    settings.DEBUG = False
    settings.ALLOW_INSECURE_HTTP = False
    settings.SITE_URL = "http://jobs.example.com"
    (error,) = https_check(None)
    assert isinstance(error, Error) and error.id == "jobwizard.E041"
    settings.SITE_URL = "https://jobs.example.com"
    assert https_check(None) == []


def test_allow_insecure_http_accepts_an_http_site(settings):
    settings.DEBUG = False
    settings.SITE_URL = "http://10.0.0.5:8000"
    settings.ALLOW_INSECURE_HTTP = True
    assert https_check(None) == []


def test_cookies_are_secure_unless_insecure_http_is_allowed(production):
    secure = production(SITE_URL="https://jobs.example.com")
    assert secure.ALLOW_INSECURE_HTTP is False
    assert secure.SESSION_COOKIE_SECURE and secure.CSRF_COOKIE_SECURE
    private = production(SITE_URL="http://10.0.0.5:8000", ALLOW_INSECURE_HTTP="true")
    assert not private.SESSION_COOKIE_SECURE and not private.CSRF_COOKIE_SECURE


def test_img_src_allows_https_only_by_default(production):
    assert production().SECURE_CSP["img-src"][1:] == ["data:", "blob:", "https:"]
    on_s3 = production(**S3, AWS_S3_CUSTOM_DOMAIN="cdn.example.com")
    assert on_s3.SECURE_CSP["img-src"][1:] == ["data:", "blob:", "https:"]


def test_img_src_allows_an_http_custom_domain(production):
    minio = production(
        **S3, AWS_S3_CUSTOM_DOMAIN="localhost:9000/jobwizard", AWS_S3_URL_PROTOCOL="http:"
    )
    assert minio.SECURE_CSP["img-src"][1:] == ["data:", "blob:", "https:", "http://localhost:9000"]


def test_img_src_allows_an_http_endpoint_without_custom_domain(production):
    minio = production(**S3, AWS_S3_ENDPOINT_URL="http://minio.internal:9000")
    assert minio.SECURE_CSP["img-src"][1:] == [
        "data:",
        "blob:",
        "https:",
        "http://minio.internal:9000",
    ]
    behind_tls = production(**S3, AWS_S3_ENDPOINT_URL="https://s3.example.com")
    assert behind_tls.SECURE_CSP["img-src"][1:] == ["data:", "blob:", "https:"]


def test_smtp_mailer_is_configured_from_the_environment(production):
    smtp = production(MAIL_BACKEND="smtp", MAIL_HOST="mail", MAIL_PORT="1025")
    mailer = smtp.MAILERS["default"]
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (mailer["OPTIONS"]["host"], mailer["OPTIONS"]["port"]) == ("mail", 1025)
    assert smtp.EMAIL_DELIVERY_REPORTS is False


class SmtpSink(socketserver.StreamRequestHandler):
    """Just enough of an SMTP server (such as compose's Mailpit) to accept messages."""

    def handle(self):
        self.wfile.write(b"220 sink\r\n")
        message = None
        for line in self.rfile:
            if message is not None:
                if line == b".\r\n":
                    self.server.messages.append(b"".join(message))
                    message = None
                    self.wfile.write(b"250 queued\r\n")
                else:
                    message.append(line)
            elif line[:4].upper() == b"DATA":
                message = []
                self.wfile.write(b"354 go on\r\n")
            elif line[:4].upper() == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_the_smtp_mailer_sends(production):
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpSink) as server:
        server.messages = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = str(server.server_address[1])
        smtp = production(MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1", MAIL_PORT=port)
        with override_settings(MAILERS=smtp.MAILERS):
            assert send_mail("Hello", "Body", None, ["hiring@acme.example"]) == 1
        server.shutdown()
    (message,) = server.messages
    assert b"Subject: Hello" in message
