"""The sync and its publish, as `cc-data sync` runs them, store every row without importing pyarrow (about 40 MB of a
process that should stay small: bench/results/dlt.md); the command line's polars gives freed memory back."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.integration.checks import assert_contacts_equal, assert_tracking_equal, db_frame
from tests.integration.conftest import child_env, settings_for

SYNC_THEN_MODULES = """
import json, sys
from cc_data.cli import main
code = main(["sync", "--quiet"])
print(json.dumps({"code": code, "pyarrow": "pyarrow" in sys.modules, "numpy": "numpy" in sys.modules}))
"""



def test_a_sync_and_its_publish_store_every_row_without_pyarrow(start_sandbox, tmp_path):
    sandbox = start_sandbox()
    settings = settings_for(sandbox, tmp_path)
    done = subprocess.run([sys.executable, "-c", SYNC_THEN_MODULES], env=child_env(settings), cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert modules == {"code": 0, "pyarrow": False, "numpy": False}
    account = sandbox.account
    counts = account.counts()
    assert assert_contacts_equal(settings.db_path, account) == counts["contacts"] + counts["contacts_deleted"]
    assert assert_tracking_equal(settings.db_path, account) == counts["tracking_rows"]
    # the publish ran, through the steps that read frames from DuckDB and write frames back to it
    stored = set(db_frame(settings.db_path, "SELECT key FROM meta WHERE key LIKE 'stored:%'")["key"])
    assert {"stored:per_send", "stored:precomputed", "stored:list_growth", "stored:email_providers"} <= stored
    scored = db_frame(settings.db_path, "SELECT count(*) n FROM contact_scores")["n"][0]
    assert scored == db_frame(settings.db_path, "SELECT count(*) n FROM contacts WHERE deleted_at IS NULL")["n"][0]
