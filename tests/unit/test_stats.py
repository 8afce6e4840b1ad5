"""The arithmetic of `wirewatch stats` (its figures on a live worker: tests/integration/test_stats.py)."""

import pytest

from streams.stats import Outcomes, metrics_url, quantile


def test_quantile_interpolates_inside_the_bucket_like_histogram_quantile():
    buckets = {"0.1": 2.0, "0.5": 6.0, "1.0": 10.0, "+Inf": 10.0}
    assert quantile(0.5, buckets) == pytest.approx(0.1 + 0.4 * (5 - 2) / 4)
    assert quantile(0.1, buckets) == pytest.approx(0.05)  # the first bucket starts at zero
    assert quantile(0.99, buckets) == pytest.approx(0.5 + 0.5 * (9.9 - 6) / 4)


def test_quantile_in_the_inf_bucket_is_the_highest_finite_bound_and_none_without_data():
    assert quantile(0.99, {"1.0": 5.0, "5.0": 5.0, "+Inf": 10.0}) == 5.0
    assert quantile(0.5, {"1.0": 0.0, "+Inf": 0.0}) is None


def test_outcome_share_and_metrics_url():
    assert Outcomes({"unique": 8.0, "copy": 1.0}, "copy").share == pytest.approx(1 / 9)
    assert Outcomes({"unique": 0.0, "copy": 0.0}, "copy").share is None
    assert metrics_url("http://worker:6066") == "http://worker:6066/metrics"
    assert metrics_url("http://worker:6066/") == "http://worker:6066/metrics"
    assert metrics_url("http://worker:6066/metrics") == "http://worker:6066/metrics"
