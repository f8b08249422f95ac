"""Emailing the board report over SMTP (the standard library's smtplib), and when the schedule says to.

A failure is one line naming the server and what to check, never the password. A sent report leaves a marker
(`.sent-<date>` in the report folder), written only once the server accepted the message, so a timer that runs
again the same day sends nothing twice; a failed send leaves none, and the next run tries again.
"""

from __future__ import annotations

import calendar
import smtplib
import ssl
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from cc_data.config import WEEKDAYS, Settings
from cc_data.errors import UserError

TIMEOUT_S = 30


def send_day(day: date, send_on: frozenset[str]) -> bool:
    """`day` is one of the days `send_on` (CC_REPORT_SEND_ON) names: its weekday, its day of the month, or its
    month's last day for a day the month does not have (31 in April)."""
    last = calendar.monthrange(day.year, day.month)[1]
    return (WEEKDAYS[day.weekday()] in send_on or str(day.day) in send_on
            or (day.day == last and any(d.isdigit() and int(d) > last for d in send_on)))


def marker(folder: Path, day: date) -> Path:
    return folder / f".sent-{day.isoformat()}"


def check(settings: Settings) -> None:
    """The mail settings a send needs, or one line saying which is missing."""
    missing = [name for name, value in (("CC_SMTP_HOST", settings.smtp_host), ("CC_REPORT_FROM", settings.report_from),
                                        ("CC_REPORT_TO", settings.report_to)) if not value]
    if missing:
        raise UserError(f"To email the board report set {', '.join(missing)} (see .env.example); the PDF was written.")
    if settings.smtp_user and not settings.smtp_password:
        raise UserError("CC_SMTP_USER is set without CC_SMTP_PASSWORD; set both, or neither for a server that "
                        "needs no login.")


def message(settings: Settings, pdf: bytes, file_name: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.report_from or ""
    msg["To"] = ", ".join(sorted(settings.report_to))
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=(settings.report_from or "cc-data").rpartition("@")[2].strip("> ") or None)
    msg.set_content(body)
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=file_name)
    return msg


def send(settings: Settings, msg: EmailMessage) -> list[str]:
    """Deliver `msg` to CC_REPORT_TO through the configured server; UserError in one line when nothing was sent.
    Returns the recipients the server refused while it accepted the others."""
    check(settings)
    host, port = settings.smtp_host or "", settings.smtp_port
    where = f"{host}:{port}"
    try:
        if port == 465:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_S, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=TIMEOUT_S)
        with smtp:
            if settings.smtp_starttls and port != 465:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            refused = smtp.send_message(msg, to_addrs=sorted(settings.report_to))
    except smtplib.SMTPAuthenticationError as err:
        raise UserError(f"The mail server {where} refused the login of CC_SMTP_USER={settings.smtp_user!r} "
                        f"(code {err.smtp_code}): check CC_SMTP_USER and CC_SMTP_PASSWORD; nothing was sent.") from None
    except smtplib.SMTPNotSupportedError:
        raise UserError(f"The mail server {where} does not offer STARTTLS or a login: check CC_SMTP_PORT and "
                        "CC_SMTP_STARTTLS; nothing was sent.") from None
    except smtplib.SMTPRecipientsRefused as err:
        raise UserError(f"The mail server {where} refused every recipient ({', '.join(sorted(err.recipients))}): "
                        "check CC_REPORT_TO; nothing was sent.") from None
    except smtplib.SMTPResponseException as err:
        reply = err.smtp_error.decode(errors="replace").splitlines()[0][:200] if err.smtp_error else ""
        raise UserError(f"The mail server {where} answered {err.smtp_code} {reply}; nothing was sent.") from None
    except (OSError, smtplib.SMTPException) as err:   # refused, unreachable, timed out, TLS failed
        raise UserError(f"Could not reach the mail server {where} ({type(err).__name__}: {err}): check CC_SMTP_HOST "
                        "and CC_SMTP_PORT; nothing was sent.") from None
    return sorted(refused)
