"""The cost model's arithmetic (bench/billing.py): units x prices, and the billing
rules the figures in docs/deploy.md rest on."""

import pytest

from bench import billing
from bench.billing import PRICES, Line


def test_a_line_is_units_times_the_unit_price():
    line = Line("DynamoDB write request units", 12.0, "dynamodb_wru")

    cost = line.per_million()

    assert cost == pytest.approx(12.0 * 1e6 * 0.625 / 1e6)


def test_every_price_says_its_date_and_source():
    assert all(p.as_of and p.source and p.usd > 0 and p.per >= 1 for p in PRICES.values())


@pytest.mark.parametrize(("ms", "billed"), [(1, 100), (100, 100), (100.1, 200), (1234, 1300)])
def test_express_duration_rounds_up_to_100_ms(ms, billed):
    assert billing.express_billed_ms(ms) == billed


def test_express_bills_one_64_mb_chunk_for_a_small_workflow():
    gb_s = billing.express_gb_seconds(1234)

    assert gb_s == pytest.approx(1.3 * 64 / 1024)


def test_a_transactional_write_costs_double():
    assert billing.write_units(1500, transactional=True) == 2 * billing.write_units(1500) == 4


def test_writes_round_up_per_kilobyte_and_reads_per_4_kb():
    assert billing.write_units(1) == 1
    assert billing.write_units(1025) == 2
    assert billing.read_units(4096, consistent=True) == 1
    assert billing.read_units(4097, consistent=True) == 2
    assert billing.read_units(4097) == 1  # eventually consistent: half


def test_a_transactional_read_costs_double_a_consistent_one():
    assert billing.read_units(5000, transactional=True) == 4


def test_item_size_counts_names_values_and_list_overhead():
    item = {
        "PK": {"S": "POST#1"},  # 2 + 6
        "n": {"N": "12345"},  # 1 + (3 + 1)
        "ok": {"BOOL": True},  # 2 + 1
        "tags": {"L": [{"S": "ab"}, {"S": "c"}]},  # 4 + 3 + (2 + 1) + (1 + 1)
    }

    assert billing.item_size(item) == 8 + 5 + 3 + 12


def test_an_index_key_change_is_a_delete_and_a_put():
    names = ("GSI1PK", "GSI1SK")
    old = {"GSI1PK": {"S": "a"}, "GSI1SK": {"S": "1"}}
    new = {"GSI1PK": {"S": "a"}, "GSI1SK": {"S": "2"}}

    assert billing.index_write_units(old, new, names) == 2
    assert billing.index_write_units(None, new, names) == 1
    assert billing.index_write_units({"PK": {"S": "x"}}, {"PK": {"S": "y"}}, names) == 0


def test_lambda_bills_whole_milliseconds_at_the_configured_memory():
    assert billing.lambda_gb_seconds(10.2, 1024) == pytest.approx(0.011)
