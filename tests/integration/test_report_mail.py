"""The board report by email, against a real SMTP server on loopback (aiosmtpd): it arrives once, with the PDF."""

from __future__ import annotations

import email
import socket
from datetime import date, datetime
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bench.sandbox_db import build_from_sandbox
from cc_data import audit, cli
from cc_data.report.mail import send_day

NOW = datetime(2025, 12, 15, 12, 0)   # a Monday
PASSWORD = "s3cret-pa55word"


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []
        self.logins: list[str] = []
        self.refuse: set[str] = set()   # recipients the server answers 550

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: ANN001, N802
        if address.lower() in self.refuse:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd's hook
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)

    def messages(self) -> list[Message]:
        return [email.message_from_bytes(e.original_content) for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def sandbox_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_from_sandbox(tmp_path_factory.mktemp("mail") / "cc.duckdb", "small", 7, NOW)


@pytest.fixture
def inbox() -> Inbox:
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port(), authenticator=box.authenticate,
                            auth_require_tls=False)   # loopback only: no certificate to offer
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture
def mail_env(sandbox_db: Path, inbox: Inbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name, value in {"CC_DB_PATH": str(sandbox_db), "CC_TOKEN_FILE": str(tmp_path / "tokens.json"),
                        "CC_REPORT_DIR": str(tmp_path / "reports"), "CC_REPORT_SEND_ON": "monday, 1",
                        "CC_SMTP_HOST": "127.0.0.1", "CC_SMTP_PORT": str(inbox.port), "CC_SMTP_STARTTLS": "0",
                        "CC_SMTP_USER": "reports@riverbend.example", "CC_SMTP_PASSWORD": PASSWORD,
                        "CC_REPORT_FROM": "Riverbend Reports <reports@riverbend.example>",
                        "CC_REPORT_TO": "chair@board.example, Treasurer@Board.example"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    monkeypatch.setattr("cc_data.cli.report.utc_now", lambda: NOW)
    return tmp_path / "reports"


def run(*args: str) -> int:
    return cli.main(["report", "--scheduled", "--as-of", "2025-12-15", *args])


def last_report_row(db: Path) -> dict:
    """The newest `report` row of the audit log: where the PDF went, and to whom it was emailed."""
    return audit.recent(db, actions=("report",)).row(0, named=True)


def test_the_scheduled_report_arrives_once_with_the_pdf(mail_env: Path, inbox: Inbox, sandbox_db: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    assert run() == 0
    pdf = mail_env / "board-report-year-end-appeal-2025-12-15.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_mode & 0o777 == 0o600
    assert len(inbox.envelopes) == 1 and inbox.logins == ["reports@riverbend.example"]
    envelope, msg = inbox.envelopes[0], inbox.messages()[0]
    assert sorted(envelope.rcpt_tos) == ["chair@board.example", "treasurer@board.example"]
    assert msg["Subject"] == "Riverbend Community Food Bank: board report, Dec 15, 2025"
    assert msg["From"] == "Riverbend Reports <reports@riverbend.example>"
    attachments = [part for part in msg.walk() if part.get_content_disposition() == "attachment"]
    assert [a.get_filename() for a in attachments] == [pdf.name]
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_payload(decode=True) == pdf.read_bytes()
    body = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "Year-End Appeal" in body
    out = capsys.readouterr()
    assert "Emailed to 2 recipients" in out.out and PASSWORD not in out.out + out.err
    row = last_report_row(sandbox_db)
    assert row["who"].startswith("command line") and row["what"] == pdf.name and row["outcome"] == "ok"
    assert row["detail"] == f"written to {pdf}; emailed to chair@board.example, treasurer@board.example"

    assert run() == 0   # the timer runs again the same day
    assert len(inbox.envelopes) == 1
    assert "Already emailed today" in capsys.readouterr().out
    assert last_report_row(sandbox_db)["detail"] == f"written to {pdf}; already emailed today"


def test_not_a_sending_day_writes_the_pdf_only(mail_env: Path, inbox: Inbox, sandbox_db: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC_REPORT_SEND_ON", "tuesday")
    assert run() == 0
    [pdf] = mail_env.glob("*.pdf")
    assert not inbox.envelopes
    row = last_report_row(sandbox_db)
    assert (row["what"], row["outcome"], row["detail"]) == (pdf.name, "ok", f"written to {pdf}")


def test_a_refused_recipient_is_said_and_audited_and_the_others_get_it(mail_env: Path, inbox: Inbox,
                                                                        sandbox_db: Path,
                                                                        capsys: pytest.CaptureFixture) -> None:
    inbox.refuse = {"treasurer@board.example"}
    assert run() == 2
    assert [e.rcpt_tos for e in inbox.envelopes] == [["chair@board.example"]]
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "refused treasurer@board.example" in err, err
    row = last_report_row(sandbox_db)
    assert row["outcome"] == "partial"
    assert row["detail"].endswith("; emailed to chair@board.example; refused: treasurer@board.example")


def test_a_refused_login_is_one_line_and_exit_2(mail_env: Path, inbox: Inbox, sandbox_db: Path,
                                                monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("CC_SMTP_PASSWORD", "wrong-" + PASSWORD)
    assert run() == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "refused the login" in err and "CC_SMTP_PASSWORD" in err and PASSWORD not in err
    assert not inbox.envelopes and not list(mail_env.glob(".sent-*"))   # the next run tries again
    assert list(mail_env.glob("*.pdf"))
    row = last_report_row(sandbox_db)
    assert row["outcome"] == "failed" and "not emailed: " in row["detail"] and "refused the login" in row["detail"]
    assert PASSWORD not in row["detail"]


def test_an_unreachable_server_is_one_line_and_exit_2(mail_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture) -> None:
    port = free_port()   # nothing listens there
    monkeypatch.setenv("CC_SMTP_PORT", str(port))
    assert run() == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"Could not reach the mail server 127.0.0.1:{port}" in err
    assert not list(mail_env.glob(".sent-*"))


def test_missing_mail_settings_are_named(mail_env: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture) -> None:
    monkeypatch.delenv("CC_REPORT_TO")
    assert run() == 2
    assert "set CC_REPORT_TO" in capsys.readouterr().err


def test_sending_days() -> None:
    monday, first = frozenset({"monday"}), frozenset({"1"})
    assert send_day(date(2025, 12, 15), monday) and not send_day(date(2025, 12, 16), monday)
    assert send_day(date(2026, 1, 1), first) and not send_day(date(2026, 1, 2), first)
    last = frozenset({"31"})
    assert send_day(date(2026, 4, 30), last) and not send_day(date(2026, 4, 29), last)
    assert send_day(date(2026, 3, 31), last) and not send_day(date(2026, 3, 30), last)
