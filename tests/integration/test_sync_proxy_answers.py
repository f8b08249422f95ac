"""A sync through proxies that fail now and then (CloudFront's HTML 503 page, a 503 with no body, API Gateway's own
429 with no error_key: tests/data/answer_forms/errors) retries each and ends with the database of a sync that met
none: the variants sandbox with `proxy_rate` against the plain one, compared as tests/integration/
test_sync_variants.py compares them."""

from __future__ import annotations

from cc_data.sync.runner import run_sync
from tests.integration.conftest import settings_for
from tests.integration.test_sync_variants import _same_but_unknown_counts, _tables


def test_a_sync_through_failing_proxies_stores_what_a_sync_without_them_stores(start_sandbox, tmp_path):
    plain = start_sandbox()
    varied = start_sandbox(variants=2)
    varied.variants.fault_rate = 0.0
    varied.variants.proxy_rate = 0.08
    plain_settings = settings_for(plain, tmp_path / "plain")
    varied_settings = settings_for(varied, tmp_path / "varied")
    expected, got = run_sync(plain_settings), run_sync(varied_settings)
    assert (expected.outcome, got.outcome) == ("success", "success"), got.message
    proxied = [(path, status) for _, path, status in varied.request_log if path.startswith("/v3/") and status in (
        429, 503)]
    assert len(proxied) >= 3, proxied   # the run did meet them
    plain_tables, varied_tables = _tables(plain_settings.db_path), _tables(varied_settings.db_path)
    assert plain_tables.keys() == varied_tables.keys()
    for name, rows in plain_tables.items():
        _same_but_unknown_counts(name, rows, varied_tables[name])
