"""Tests for the capacity and cost planner (constructs_kafka_lambda.planning.plan), with hand-computed figures.

Figures used below (constants.py): a poller reads 5,000,000 B/s and keeps 5 invocations in flight; an EPU carries
10 pollers or 20,000,000 B/s and costs $0.185/h; a month is 720 h = 2,592,000 s; Lambda costs $0.20 per million
requests and $0.0000166667 per GB-s (x86); interface endpoints $0.01 per AZ-hour and per GB (2^30 B); NAT $0.045/h
and per GB; 14 mapping metrics at $0.30. The invocation payload of a kept record is value x 4/3 + 200 B.
Drain times (drain.py, fitted by fit.py): each batch costs 0.35 s beyond the function; the service adds a poller
every 60 / 4.7 s while a backlog waits (on-demand after 240 s at one poller), within the limits above.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_kafka_lambda.errors import ConfigError
from constructs_kafka_lambda.planning import ConsumerSettings, Prices, constants, plan, plan_for_consumer
from constructs_kafka_lambda.planning import fit as fitting
from constructs_kafka_lambda.planning.calibration import calibration_table, measured, rerun

# The sample's fleet: ~2,000 vehicles, one 1 KB reading a second each, 12 partitions, 120 ms per batch, 256 MB,
# the tire-pressure filter keeps ~2 %.
FLEET: dict[str, Any] = {
    "records_per_second": 2000,
    "record_bytes": 1024,
    "partitions": 12,
    "duration_ms_per_batch": 120,
    "memory_mb": 256,
    "filter_keep_ratio": 0.02,
}


def test_fleet_on_demand_costs_line_by_line() -> None:
    p = plan(**FLEET)
    # kept: 2000 x 0.02 = 40/s. One poller suffices (capacity 5e6 / 1024 = 4,882.8/s >= 2,000), so it gathers
    # 40 x 0.5 s window = 20 records a batch -> 2 invocations/s -> 2 x 2,592,000 = 5,184,000 a month.
    assert p.records_per_batch == pytest.approx(20)
    assert p.invocations_per_second == pytest.approx(2)
    assert p.concurrency == pytest.approx(0.24)  # 2/s x 0.12 s
    od = p.on_demand
    assert od.usd("requests") == pytest.approx(5_184_000 * 0.2e-6)  # $1.0368
    assert od.usd("compute") == pytest.approx(5_184_000 * 0.12 * 0.25 * 0.0000166667)  # 155,520 GB-s = $2.592
    assert od.usd("epu") == 0
    # the mapping's metrics are off by default in on-demand mode (the consumer's default): $0
    assert od.usd("metrics") == 0
    assert plan(**FLEET, mapping_metrics=True).on_demand.usd("metrics") == pytest.approx(14 * 0.30)  # $4.20
    # 2 endpoints (Lambda, STS) x 2 AZ x 720 h x $0.01 = $28.80; data 40/s x (1024 x 4/3 + 200) B x 2,592,000 s
    # = 162,293,760,000 B = 151.146 GB x $0.01 = $1.511
    payload_gb = 40 * (1024 * 4 / 3 + 200) * 2_592_000 / 2**30
    assert od.usd("network") == pytest.approx(28.80 + payload_gb * 0.01)
    assert od.total == pytest.approx(33.94, abs=0.01)  # $38.14 with the mapping's metrics, minus their $4.20


def test_fleet_provisioned_costs_and_recommendation() -> None:
    p = plan(**FLEET)
    # EPUs: max(1 running poller / 10, 2000 x 1024 B / 20 MB/s = 0.1024) -> one whole EPU for a mapping of its own:
    # 720 h x $0.185 = $133.20; no endpoints needed: $1.0368 + $2.592 + $133.20 + $4.20 = $141.03.
    assert p.event_poller_units == 1
    assert p.provisioned.usd("epu") == pytest.approx(133.20)
    assert p.provisioned.usd("network") == 0
    assert p.provisioned.total == pytest.approx(141.03, abs=0.01)
    assert p.recommended_mode == p.mode == "on-demand"
    assert "$33.94" in p.reasons[0] and "$141.03" in p.reasons[0]
    assert (p.minimum_pollers, p.maximum_pollers) == (1, 12)
    assert p.warnings == ()


def test_fleet_filter_savings() -> None:
    p = plan(**FLEET)
    # Without the filter: 2,000 kept/s, batches of min(100, 2000 x 0.5) = 100 -> 20 invocations/s = 51,840,000 a
    # month: $10.368 requests + $25.92 compute (1,555,200 GB-s) + endpoints $28.80 + 7,557.3 GB x $0.01
    # = $140.66; with it $33.94 -> $106.72 saved on-demand; provisioned saves the same minus the endpoint data.
    assert p.filter_savings.invocations_avoided_per_month == pytest.approx((20 - 2) * 2_592_000)
    assert p.filter_savings.on_demand_usd == pytest.approx(106.72, abs=0.01)
    assert p.filter_savings.provisioned_usd == pytest.approx(32.66, abs=0.01)


# The drain model (drain.py): a poller adds one more every 60 / 4.7 = 12.766 s (POLLERS_ADDED_PER_MINUTE); each
# batch costs 0.35 s beyond the function (BATCH_OVERHEAD_SECONDS), which does not bind in FLEET: 1 KB records keep a
# poller at 5e6 / 1024 = 4,882.8125 records/s, while 5 batches in flight of 100 kept records (2 % of those read)
# every 0.47 s would allow 5 x 100 / 0.47 / 0.02 = 53,191/s. Spare capacity over the 2,000/s arriving, by pollers:
SPARE = {n: n * 4882.8125 - 2000 for n in range(1, 13)}
STEP = 60 / 4.7


def test_backlog_drain_times() -> None:
    p = plan(**FLEET, backlog_records=1_000_000)
    # Bounds (no scaling): at the minimum (1 poller) 1e6 / 2,882.8 = 346.9 s; at the maximum (12 pollers)
    # 1e6 / 56,593.75 = 17.67 s, which is also the floor of AWS's limits (the overhead does not bind here).
    assert p.drain.provisioned_at_minimum == pytest.approx(1e6 / SPARE[1])
    assert p.drain.provisioned_at_maximum == pytest.approx(1e6 / SPARE[12])
    assert p.drain.floor == pytest.approx(1e6 / SPARE[12])
    # Expected, provisioned: 1 poller for 12.766 s (36,802), then 2 (99,136), 3 (161,469), 4 (223,803), 5 (286,137):
    # 807,347 drained after 63.8 s; the last 192,653 at 6 pollers take 7.06 s -> 70.9 s.
    drained = sum(SPARE[n] * STEP for n in range(1, 6))
    assert p.drain.provisioned == pytest.approx(5 * STEP + (1e6 - drained) / SPARE[6])
    assert p.drain.provisioned == pytest.approx(70.89, abs=0.01)
    # Expected, on-demand: 1 poller for 240 + 12.766 s (728,677), then 2 (99,136) and 3 (161,469) for 12.766 s
    # each; the last 10,718 at 4 pollers take 0.61 s -> 278.9 s (AWS's limits alone said 245.4 s).
    drained = SPARE[1] * (240 + STEP) + (SPARE[2] + SPARE[3]) * STEP
    assert p.drain.on_demand == pytest.approx(240 + 3 * STEP + (1e6 - drained) / SPARE[4])
    assert p.drain.on_demand == pytest.approx(278.91, abs=0.01)


def test_drain_target_raises_minimum_pollers_and_picks_provisioned() -> None:
    p = plan(**FLEET, backlog_records=1_000_000, backlog_drain_target_seconds=60)
    # From 1 poller the expected drain is 70.9 s (above); from 2: 2, 3, 4, 5 pollers for 12.766 s each drain
    # 770,545, the last 229,455 at 6 pollers take 8.41 s -> 59.5 s <= 60 s. On-demand needs 278.9 s, so provisioned
    # mode is recommended.
    assert p.minimum_pollers == 2
    assert p.recommended_mode == p.mode == "provisioned"
    assert "expected to drain the backlog" in p.reasons[0]
    drained = sum(SPARE[n] * STEP for n in range(2, 6))
    assert p.drain.provisioned == pytest.approx(4 * STEP + (1e6 - drained) / SPARE[6])
    assert p.drain.provisioned == pytest.approx(59.47, abs=0.01)
    assert p.drain.provisioned_at_minimum == pytest.approx(1e6 / SPARE[2])
    assert p.event_poller_units == 1  # 2 pollers / 10 = 0.2 -> one EPU
    # An unreachable target: even 12 pollers (all the partitions) take 17.7 s.
    hopeless = plan(**FLEET, backlog_records=1_000_000, backlog_drain_target_seconds=10)
    assert hopeless.minimum_pollers == 12
    assert any("no minimum of pollers drains 1,000,000 records within 10 s" in w for w in hopeless.warnings)


def test_aws_low_latency_example_capacity_per_poller() -> None:
    # with-kafka-low-latency: batch 20, 50 ms -> (20 x 1000 / 50) x 5 in flight = 2,000 records/s per poller, and
    # 20,000 records/s need 10 pollers (given >= 5 partitions per poller).
    one = plan(
        records_per_second=2000, record_bytes=1000, partitions=50, duration_ms_per_batch=50, batch_size=20,
        batching_window_seconds=0, mode="provisioned", minimum_pollers=1, maximum_pollers=1,
    )  # fmt: skip
    assert one.capacity_records_per_second == pytest.approx(2000)
    ten = plan(
        records_per_second=20_000, record_bytes=1000, partitions=50, duration_ms_per_batch=50, batch_size=20,
        batching_window_seconds=0, headroom=0,
    )  # fmt: skip
    assert ten.minimum_pollers == 10


def test_few_partitions_cap_in_flight_invocations() -> None:
    # The same example on 10 partitions: at most 10 batches in flight -> 10 x 20 / 0.05 = 4,000 records/s in all.
    p = plan(
        records_per_second=20_000, record_bytes=1000, partitions=10, duration_ms_per_batch=50, batch_size=20,
        batching_window_seconds=0,
    )  # fmt: skip
    assert p.capacity_records_per_second == pytest.approx(4000)
    assert p.throughput_records_per_second == pytest.approx(4000)
    assert p.max_concurrency == 10
    assert any("cap the mapping at 4,000 records/s" in w and "add partitions" in w for w in p.warnings)


def test_byte_limit_sets_minimum_pollers() -> None:
    # 10 kB records: a poller reads 5e6 / 1e4 = 500 records/s; 2,000/s + 20 % headroom = 2,400 -> 5 pollers.
    p = plan(records_per_second=2000, record_bytes=10_000, partitions=12, duration_ms_per_batch=10)
    assert p.minimum_pollers == 5
    assert p.capacity_records_per_second == pytest.approx(12 * 500)
    # The load needs 4 (2,000 / 500) but the minimum keeps 5 running: 5 / 10 = 0.5 EPU -> 1 EPU.
    assert p.pollers_running == 5
    # On-demand pays endpoint data for 20 MB/s (2000 x (10,000 x 4/3 + 200) B/s = 51,740 GB/month x $0.01),
    # which makes provisioned mode the cheaper one here.
    assert p.recommended_mode == "provisioned"


def test_epus_follow_throughput_when_it_dominates() -> None:
    # 50,000 records/s x 1,000 B = 50 MB/s: the minimum covers 50,000 x 1.2 / 5,000 per poller = 12 pollers ->
    # 1.2 EPU by pollers, but 50 / 20 = 2.5 by bytes -> 3 EPUs x 720 h x $0.185 = $399.60.
    p = plan(records_per_second=50_000, record_bytes=1000, partitions=20, duration_ms_per_batch=10, mode="provisioned")
    assert p.minimum_pollers == p.pollers_running == 12
    assert p.event_poller_units == 3
    assert p.provisioned.usd("epu") == pytest.approx(399.60)


def test_poller_group_pays_a_share_of_an_epu() -> None:
    # One poller in a group: 1/10 EPU x 720 h x $0.185 = $13.32 (AWS: 10 grouped mappings share one EPU).
    p = plan(**FLEET, mode="provisioned", poller_group=True)
    assert p.event_poller_units == pytest.approx(0.1024)  # throughput 2.048 MB/s / 20 MB/s beats 1 poller / 10
    grouped = plan(**{**FLEET, "records_per_second": 100}, poller_group=True, mode="provisioned")
    assert grouped.provisioned.usd("epu") == pytest.approx(0.1 * 720 * 0.185)


def test_configured_pollers_above_partitions_and_too_few_are_warned() -> None:
    p = plan(**FLEET, mode="provisioned", minimum_pollers=20, maximum_pollers=200)
    assert (p.minimum_pollers, p.maximum_pollers) == (12, 12)
    assert any("maximum_pollers=200 exceeds the topic's 12 partitions" in w for w in p.warnings)
    assert any("minimum_pollers=20 exceeds" in w for w in p.warnings)
    # 10,000 records/s of 1 KB need 3 pollers (10,000 / 4,882.8 = 2.05): a maximum of 2 reads 9,765.6/s at most.
    short = plan(**{**FLEET, "records_per_second": 10_000}, mode="provisioned", maximum_pollers=2)
    assert short.throughput_records_per_second == pytest.approx(2 * 5e6 / 1024)
    assert any("maximum_pollers=2 cannot reach" in w and "maximum_pollers>=3" in w for w in short.warnings)


def test_nat_network_and_sqs_destination_lines() -> None:
    p = plan(**FLEET, network="nat", failure_destination="sqs", failure_ratio=0.01)
    payload_gb = 40 * (1024 * 4 / 3 + 200) * 2_592_000 / 2**30
    # NAT: 720 h x $0.045 = $32.40 + 151.1 GB x $0.045. SQS: 2/s x 1 % x 2,592,000 = 51,840 messages x $0.40/M;
    # no SQS endpoint with existing NAT egress.
    assert p.on_demand.usd("network") == pytest.approx(32.40 + payload_gb * 0.045)
    assert p.on_demand.usd("destination") == pytest.approx(51_840 * 0.4e-6)
    endpoints = plan(**FLEET, failure_destination="sqs")
    assert endpoints.provisioned.usd("destination") == pytest.approx(2 * 720 * 0.01)  # SQS endpoint x 2 AZ


def test_free_tier_arm_and_secret_endpoint() -> None:
    p = plan(**FLEET, free_tier=True, architecture="arm64", uses_secret=True)
    # 5,184,000 - 1,000,000 free requests; 155,520 GB-s is under the 400,000 free GB-s.
    assert p.on_demand.usd("requests") == pytest.approx(4_184_000 * 0.2e-6)
    assert p.on_demand.usd("compute") == 0
    assert p.on_demand.usd("network") > 3 * 2 * 720 * 0.01  # Lambda, STS, Secrets Manager endpoints
    no_free = plan(**FLEET, architecture="arm64")
    assert no_free.on_demand.usd("compute") == pytest.approx(155_520 * 0.0000133334)


def test_other_prices_and_region_warning() -> None:
    p = plan(**FLEET, region="eu-west-1")
    assert any("prices are us-east-1 defaults" in w for w in p.warnings)
    doubled = plan(**FLEET, region="eu-west-1", prices=Prices(epu_hour=0.37, region="eu-west-1"))
    assert doubled.provisioned.usd("epu") == pytest.approx(2 * 133.20)
    assert not any("prices are" in w for w in doubled.warnings)


def test_mb_per_second_and_oversized_records() -> None:
    p = plan(mb_per_second=2.048, record_bytes=1024, partitions=12, duration_ms_per_batch=120)
    assert p.records_per_second == pytest.approx(2000)
    big = plan(records_per_second=1, record_bytes=5_000_000, partitions=1, duration_ms_per_batch=100)
    assert any("MaximumPayloadSizeExceeded" in w for w in big.warnings)


@pytest.mark.parametrize(
    ("kwargs", "prop"),
    [
        ({"records_per_second": 1, "mb_per_second": 1}, "records_per_second"),
        ({"partitions": 0}, "partitions"),
        ({"filter_keep_ratio": 1.5}, "filter_keep_ratio"),
        ({"mode": "turbo"}, "mode"),
        ({"minimum_pollers": 5, "maximum_pollers": 2}, "minimum_pollers"),
        ({"maximum_pollers": 2001}, "maximum_pollers"),
        ({"duration_ms_per_batch": -1}, "duration_ms_per_batch"),
        ({"network": "vpn"}, "network"),
        ({"filter_keep_ratio": 0.5, "sample_records": [{"a": 1}]}, "filter_keep_ratio"),
    ],
)
def test_bad_input_is_a_config_error_naming_the_argument(kwargs: dict[str, Any], prop: str) -> None:
    with pytest.raises(ConfigError) as error:
        plan(**{**FLEET, **kwargs})
    assert error.value.prop == prop


def test_plan_for_consumer_uses_the_consumer_settings() -> None:
    settings = ConsumerSettings(provisioned=True, minimum_pollers=2, maximum_pollers=200, memory_mb=256)
    p = plan_for_consumer(
        settings, records_per_second=2000, record_bytes=1024, partitions=12, duration_ms_per_batch=120
    )
    assert p.mode == "provisioned"
    assert (p.minimum_pollers, p.maximum_pollers) == (2, 12)
    assert any("maximum_pollers=200 exceeds" in w for w in p.warnings)
    with pytest.raises(ConfigError) as error:
        plan_for_consumer(
            settings, batch_size=10, records_per_second=1, record_bytes=1, partitions=1, duration_ms_per_batch=1
        )
    assert error.value.prop == "batch_size"


def test_plan_for_consumer_measures_the_keep_ratio_with_its_filters() -> None:
    settings = ConsumerSettings(filters=({"value": {"tire_pressure": [{"numeric": ["<", 32]}]}},))
    sample = [{"tire_pressure": 30}] + [{"tire_pressure": 34}] * 49  # 1 of 50 kept = 2 %
    p = plan_for_consumer(
        settings, sample_records=sample, records_per_second=2000, record_bytes=1024, partitions=12,
        duration_ms_per_batch=120,
    )  # fmt: skip
    assert p.keep_ratio == pytest.approx(0.02)
    assert p.memory_mb == 128 and any("128 MB" in n for n in p.notes)


def test_to_table_reads_as_a_report() -> None:
    text = plan(**FLEET, backlog_records=1_000_000).to_table()
    for expected in ("Mode         on-demand", "Monthly cost (USD)", "Event Poller Units", "133.20", "Total", "33.94"):
        assert expected in text
    assert "Backlog      1,000,000 records, expected drain: on-demand 4.6 min; provisioned 71 s" in text
    assert "bounds 18 s (all 12 pollers) to 5.8 min (1 only); AWS's limits: 18 s at best" in text


def test_every_figure_has_a_source() -> None:
    figures = {name for name in vars(constants) if name.isupper() and not name.startswith("_")} - {"SOURCES"}
    assert figures == set(constants.SOURCES)
    assert all(source.startswith(("https://", "the date")) for source in constants.SOURCES.values())


def test_calibration_against_published_figures() -> None:
    rows = rerun()
    assert len(rows) >= 8
    for row in rows:
        assert abs(row.error) <= row.tolerance, row
    exact = [row for row in rows if row.tolerance <= 0.001]
    assert len(exact) == len(rows) - 1  # all but AWS's inconsistent request count
    assert "+0.0%" in calibration_table()


# --- the drain model, fitted to the published drain times (planning/fit.py) -------------------------------------
def test_drain_model_stays_within_30_percent_of_each_published_drain() -> None:
    rows = measured()
    assert [row.published for row in rows] == [420, 210, 90]  # 7, 3.5 and 1.5 minutes
    for row in rows:
        assert abs(row.error) <= 0.30, row
    # plan() and the fit's own prediction agree; with the constants as rounded: +3.2 %, -0.9 %, 0.0 %
    assert [row.predicted for row in rows] == pytest.approx(list(fitting.evaluate().predicted))
    assert [round(error, 3) for error in fitting.evaluate().errors] == [0.032, -0.009, 0.0]
    text = calibration_table()
    assert "BATCH_OVERHEAD_SECONDS" in text and "2 parameters on 3 points" in text and "-41%" in text


def test_fit_recomputes_the_constants_from_the_published_drains() -> None:
    # Reproducibility: the fit, run again on MEASURED_DRAINS, gives the constants (kept to two significant figures).
    result = fitting.fit()
    assert result.model.batch_overhead_seconds == pytest.approx(constants.BATCH_OVERHEAD_SECONDS, abs=0.005)
    assert result.model.pollers_added_per_minute == pytest.approx(constants.POLLERS_ADDED_PER_MINUTE, abs=0.05)
    assert result.model.on_demand_delay_seconds == constants.ON_DEMAND_SCALE_UP_SECONDS  # documented, not fitted
    assert fitting.evaluate().loss <= result.loss * 1.05  # rounding costs (almost) nothing
    assert all(abs(error) <= 0.05 for error in result.errors)


def test_the_minimum_100_point_pins_the_overhead() -> None:
    # 100 pollers on 100 partitions: 20,000 records per partition in 200 batches of 100; each takes 0.1 s + 0.35 s.
    p = plan(**fitting.SCENARIO, mode="provisioned", minimum_pollers=100)  # type: ignore[arg-type]
    assert p.drain.provisioned == pytest.approx(200 * (0.1 + constants.BATCH_OVERHEAD_SECONDS))
    assert p.drain.floor == pytest.approx(20)  # AWS's limits alone: 200 x 0.1 s
    assert p.expected_capacity_records_per_second == pytest.approx(100 * 100 / 0.45)
    # a load within AWS's limits (100,000/s) but above the 22,222/s expected gets a note, not a warning
    busy = plan(**{**fitting.SCENARIO, "records_per_second": 50_000})  # type: ignore[arg-type]
    assert any("above the 22,222/s expected" in note for note in busy.notes)
    assert not any("22,222" in warning for warning in busy.warnings)


_workloads = st.fixed_dictionaries(
    {
        "records_per_second": st.floats(0, 50_000),
        "record_bytes": st.floats(100, 200_000),
        "partitions": st.integers(1, 120),
        "duration_ms_per_batch": st.floats(1, 5_000),
        "batch_size": st.integers(1, 1_000),
        "filter_keep_ratio": st.floats(0.01, 1),
        "backlog_records": st.integers(1, 50_000_000),
    }
)


@settings(max_examples=40, deadline=None)
@given(workload=_workloads, minimum=st.integers(1, 119), extra=st.integers(1, 80))
def test_more_minimum_pollers_never_make_a_drain_slower(workload: dict[str, Any], minimum: int, extra: int) -> None:
    maximum = min(200, minimum + extra)
    fewer, more = (
        plan(**workload, mode="provisioned", minimum_pollers=n, maximum_pollers=maximum) for n in (minimum, minimum + 1)
    )
    for name in ("provisioned", "provisioned_at_minimum", "provisioned_at_maximum", "floor", "on_demand"):
        slower, faster = getattr(fewer.drain, name), getattr(more.drain, name)
        assert faster <= slower * (1 + 1e-9) or math.isinf(slower), name


@settings(max_examples=60, deadline=None)
@given(workload=_workloads, minimum=st.integers(1, 200), maximum=st.none() | st.integers(1, 2000))
def test_no_drain_beats_the_floor_of_the_partitions(
    workload: dict[str, Any], minimum: int, maximum: int | None
) -> None:
    if maximum is not None and maximum < minimum:
        minimum, maximum = maximum, minimum
    d = plan(**workload, mode="provisioned", minimum_pollers=minimum, maximum_pollers=maximum).drain
    for figure in (d.on_demand, d.provisioned, d.provisioned_at_minimum, d.provisioned_at_maximum):
        assert figure >= d.floor * (1 - 1e-9)
    # the expected figure lies between its bounds: every poller at once, and never more than the minimum
    assert d.provisioned_at_maximum * (1 - 1e-9) <= d.provisioned <= d.provisioned_at_minimum * (1 + 1e-9)
    # the floor is AWS's limits with one poller per partition and nothing else
    partitions, rate = workload["partitions"], workload["records_per_second"]
    full = plan(**{**workload, "backlog_records": 0}, mode="provisioned", minimum_pollers=min(partitions, 200))
    spare = full.capacity_records_per_second - rate
    assert d.floor == (pytest.approx(workload["backlog_records"] / spare) if spare > 0 else math.inf)


@settings(max_examples=40, deadline=None)
@given(
    rate=st.floats(0, 200_000),
    size=st.floats(10, 1_000_000),
    partitions=st.integers(1, 300),
    duration=st.floats(1, 60_000),
    batch=st.integers(1, 10_000),
    keep=st.floats(0, 1),
)
def test_pollers_never_exceed_partitions_and_capacity_grows(
    rate: float, size: float, partitions: int, duration: float, batch: int, keep: float
) -> None:
    p = plan(
        records_per_second=rate, record_bytes=size, partitions=partitions, duration_ms_per_batch=duration,
        batch_size=batch, filter_keep_ratio=keep,
    )  # fmt: skip
    assert 1 <= p.minimum_pollers <= p.maximum_pollers <= partitions
    assert p.pollers_running <= partitions
    assert p.throughput_records_per_second <= rate + 1e-6
    assert p.capacity_at_minimum_records_per_second <= p.capacity_records_per_second + 1e-6
    assert p.concurrency <= p.max_concurrency + 1e-6
    assert math.isfinite(p.on_demand.total) and math.isfinite(p.provisioned.total)
