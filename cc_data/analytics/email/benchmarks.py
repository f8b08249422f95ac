"""Industry benchmark figures for context lines, each with its source and year (cc_data/data/benchmarks.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Benchmark:
    metric: str     # open_rate, click_rate, unsubscribe_rate, revenue_per_1000, ...
    value: float    # a fraction for rates, dollars for revenue
    label: str
    source: str
    year: int       # the year the figures describe
    mpp: bool = True  # describes opens after Apple Mail Privacy Protection (Sept 2021) inflated them

# Apple Mail Privacy Protection (September 2021) made opens of earlier studies incomparable with today's.
MPP_YEAR = 2022


def load_benchmarks() -> list[Benchmark]:
    text = resources.files("cc_data").joinpath("data/benchmarks.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return [Benchmark(b["metric"], float(b["value"]), b["label"], b["source"], int(b["year"]), int(b["year"]) >= MPP_YEAR)
            for b in data["benchmarks"]]


def benchmarks_for(metric: str, *, current_only: bool = True) -> list[Benchmark]:
    """The figures for `metric`; by default only those describing data from after Apple Mail Privacy Protection,
    the only ones comparable with today's opens and clicks."""
    return [b for b in load_benchmarks() if b.metric == metric and (b.mpp or not current_only)]
