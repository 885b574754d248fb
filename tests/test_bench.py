"""The synth benchmark (benchmarks/synth_bench.py): result structure and arithmetic, never timings."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.synth_bench import (  # noqa: E402
    HAND_WRITTEN,
    LIBRARY,
    RESOURCE_LIMIT,
    SIDES,
    Measurement,
    format_table,
    main,
    run_benchmark,
    summarize,
)


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_benchmark(sizes=(1, 2), repetitions=1, warmup=0)


def test_both_sides_measured_at_both_sizes(result: dict[str, Any]) -> None:
    assert result["sizes"] == [1, 2]
    assert result["repetitions"] == 1
    assert set(result["sides"]) == set(SIDES)
    for side in result["sides"].values():
        assert set(side["absolute"]) == {"1", "2"}
        for at in side["absolute"].values():
            assert at["seconds_median"] > 0
            assert len(at["seconds"]) == 1
            assert at["resources"] > 0
            assert at["template_bytes"] > 0
            assert at["jsii_calls"] is None or at["jsii_calls"] > 0


def test_marginals_are_positive(result: dict[str, Any]) -> None:
    for side in result["sides"].values():
        marginal = side["marginal"]
        assert isinstance(marginal["seconds_per_consumer"], float)  # a difference of timings: may dip below 0
        assert len(marginal["seconds_per_consumer_by_repetition"]) == 1
        assert marginal["resources_per_consumer"] > 0
        assert marginal["template_bytes_per_consumer"] > 0
        assert side["fixed_resources"] >= 0
        assert side["max_consumers_under_limit"] > 0
        by_type = side["resources_per_consumer_by_type"]
        assert by_type["AWS::Lambda::Function"] == 1
        assert by_type["AWS::Lambda::EventSourceMapping"] == 1
        assert sum(by_type.values()) == pytest.approx(marginal["resources_per_consumer"])


def test_ratios_are_library_over_hand_written(result: dict[str, Any]) -> None:
    lib, hand, ratios = result["sides"][LIBRARY], result["sides"][HAND_WRITTEN], result["ratios"]
    for key in ("resources_per_consumer", "template_bytes_per_consumer"):
        assert ratios[key] == pytest.approx(lib["marginal"][key] / hand["marginal"][key], abs=1e-3)
    for n, at in ratios["absolute"].items():
        assert at["resources"] == pytest.approx(
            lib["absolute"][n]["resources"] / hand["absolute"][n]["resources"], abs=1e-3
        )
        assert at["seconds_median"] > 0
    assert set(result["targets"]) == {
        "seconds_ratio_max",
        "seconds_ratio_met",
        "resources_per_consumer_max",
        "resources_per_consumer_met",
    }


def test_the_library_costs_no_more_round_trips_per_consumer_than_the_hand_written_wiring(
    result: dict[str, Any],
) -> None:
    """Round trips are exact (timings are not): each is a blocking request to the jsii kernel, the main per-consumer
    cost a Python construct library controls. A change that adds one per consumer fails here, not in a noisy bench."""
    calls = {side: result["sides"][side]["marginal"]["jsii_calls_per_consumer"] for side in SIDES}
    if calls[LIBRARY] is None:
        pytest.skip("this jsii version's kernel pipe cannot be counted")
    assert calls[LIBRARY] <= calls[HAND_WRITTEN], calls


def test_result_is_json_and_prints_as_a_table(result: dict[str, Any]) -> None:
    assert json.loads(json.dumps(result)) == result
    table = format_table(result)
    for label in (
        "marginal build+synth s / consumer",
        "marginal jsii round trips / consumer",
        "largest stack under 500 resources",
        "largest stack under 1,000,000 template bytes",
        "AWS::Lambda::Function",
    ):
        assert label in table


def _m(side: str, n: int, seconds: float, resources: int, template_bytes: int) -> Measurement:
    return Measurement(side, n, seconds, seconds / 2, 10 * n, resources, template_bytes, {"AWS::Lambda::Function": n})


def test_summary_arithmetic() -> None:
    measurements = [
        _m(LIBRARY, 5, 1.0, 27, 10_000),
        _m(HAND_WRITTEN, 5, 0.5, 32, 9_000),
        _m(LIBRARY, 45, 5.0, 187, 50_000),
        _m(HAND_WRITTEN, 45, 2.5, 272, 49_000),
        _m(HAND_WRITTEN, 5, 0.6, 32, 9_000),
        _m(LIBRARY, 5, 1.2, 27, 10_000),
        _m(HAND_WRITTEN, 45, 3.0, 272, 49_000),
        _m(LIBRARY, 45, 5.6, 187, 50_000),
    ]
    result = summarize(measurements, (5, 45), 2, "in-process")
    lib, hand = result["sides"][LIBRARY], result["sides"][HAND_WRITTEN]
    assert lib["marginal"]["seconds_per_consumer_by_repetition"] == [0.1, 0.11]
    assert lib["marginal"]["seconds_per_consumer"] == pytest.approx(0.105)
    assert hand["marginal"]["seconds_per_consumer"] == pytest.approx(0.055)
    assert lib["marginal"]["resources_per_consumer"] == 4
    assert lib["fixed_resources"] == 7
    assert lib["max_consumers_under_limit"] == (RESOURCE_LIMIT - 7) // 4
    assert hand["max_consumers_under_limit"] == (RESOURCE_LIMIT - 2) // 6
    assert lib["marginal"]["template_bytes_per_consumer"] == 1_000
    assert lib["marginal"]["jsii_calls_per_consumer"] == 10
    assert lib["fixed_template_bytes"] == 5_000
    assert lib["max_consumers_under_template_limit"] == (1_000_000 - 5_000) // 1_000
    assert lib["resources_per_consumer_by_type"] == {"AWS::Lambda::Function": 1}
    assert result["ratios"]["seconds_per_consumer"] == pytest.approx(0.105 / 0.055, abs=1e-3)
    assert result["ratios"]["resources_per_consumer"] == pytest.approx(4 / 6, abs=1e-3)
    assert result["targets"]["resources_per_consumer_met"] is True
    assert result["targets"]["seconds_ratio_met"] is False
    # the spread: each repetition's library marginal over the hand-written one measured beside it
    assert result["ratios"]["seconds_per_consumer_by_repetition"] == [
        pytest.approx(0.1 / 0.05, abs=1e-3),
        pytest.approx(0.11 / 0.06, abs=1e-3),
    ]
    assert result["ratios"]["cpu_seconds_per_consumer_by_repetition"] == [
        pytest.approx(2.0, abs=1e-3),
        pytest.approx(0.11 / 0.06, abs=1e-3),
    ]
    assert "Spread of lib/hand per repetition" in format_table(result)


@pytest.mark.parametrize("sizes", [(2, 1), (0, 1), (3, 3)])
def test_rejects_sizes_that_give_no_marginal(sizes: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="sizes"):
        run_benchmark(sizes=sizes, repetitions=1)


def test_command_line_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sizes", "1", "2", "--repetitions", "1", "--warmup", "0", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed["sides"]) == set(SIDES)


def test_check_fails_loudly_above_the_target(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make bench` passes --check: a ratio above the target is a non-zero exit (the timing itself is not tested)."""
    import benchmarks.synth_bench as bench

    measurements = [
        _m(LIBRARY, 5, 1.0, 27, 10_000),
        _m(HAND_WRITTEN, 5, 0.5, 32, 9_000),
        _m(LIBRARY, 45, 5.0, 187, 50_000),
        _m(HAND_WRITTEN, 45, 2.5, 272, 49_000),
    ]
    slow = summarize(measurements, (5, 45), 1, "in-process")
    monkeypatch.setattr(bench, "run_benchmark", lambda *args: slow)
    assert main(["--check"]) == 1
    assert "FAILED" in capsys.readouterr().err
    assert main([]) == 0  # without --check it only reports
