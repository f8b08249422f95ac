"""Support for the attribution tests (no tests here): a tiny hand-built account in an in-memory DuckDB."""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from cc_data.store.schema import migrate


class Account:
    def __init__(self) -> None:
        self.con = duckdb.connect()
        migrate(self.con)

    def contact(self, contact_id: str, email: str | None, deleted: bool = False) -> Account:
        self.con.execute(
            "INSERT INTO contacts (contact_id, email_address, email, deleted_at) VALUES (?, ?, ?, ?)",
            [contact_id, email, email.strip().lower() if email else None, date(2024, 6, 1) if deleted else None],
        )
        return self

    def campaign(self, campaign_id: str, name: str, *activities: str, sends: int | None = None) -> Account:
        self.con.execute("INSERT INTO campaigns (campaign_id, name) VALUES (?, ?)", [campaign_id, name])
        for i, activity in enumerate(activities or (f"{campaign_id}-a",)):
            self.con.execute(
                "INSERT INTO campaign_activities (campaign_activity_id, campaign_id, role) VALUES (?, ?, ?)",
                [activity, campaign_id, "primary_email" if i == 0 else "resend"],
            )
        if sends is not None:
            self.con.execute("INSERT INTO campaign_summaries (campaign_id, sends) VALUES (?, ?)", [campaign_id, sends])
        return self

    def event(self, activity: str, contact_id: str, kind: str, when: str) -> Account:
        self.con.execute(
            "INSERT INTO tracking_events (campaign_activity_id, contact_id, tracking_activity_type, created_time) "
            "VALUES (?, ?, ?, ?)",
            [activity, contact_id, f"em_{kind}", datetime.fromisoformat(when)],
        )
        return self

    def donor(self, donor_id: str, email: str | None = None, cc_contact_id: str | None = None) -> Account:
        self.con.execute(
            "INSERT INTO donors (donor_id, email, cc_contact_id) VALUES (?, ?, ?)", [donor_id, email, cc_contact_id]
        )
        return self

    def gift(self, gift_id: str, donor_id: str, amount: float, gift_date: str, created: str | None = None,
             record_type: str = "G", **fields: str) -> Account:
        columns = ["gift_id", "donor_id", "amount", "gift_date", "created_date", "record_type", *fields]
        values = [gift_id, donor_id, amount, date.fromisoformat(gift_date),
                  datetime.fromisoformat(created) if created else None, record_type, *fields.values()]
        self.con.execute(
            f"INSERT INTO gifts ({', '.join(columns)}) VALUES ({', '.join('?' * len(values))})", values
        )
        return self

    def code(self, code_field: str, code: str, campaign_id: str) -> Account:
        self.con.execute("INSERT INTO gift_code_campaigns VALUES (?, ?, ?)", [code_field, code, campaign_id])
        return self
