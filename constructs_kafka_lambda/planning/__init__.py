"""Know before you deploy: a capacity and cost planner and a filter preview, pure Python, no AWS calls.

- `plan(...)`: which mode (on-demand or provisioned), how many pollers, the throughput, concurrency and backlog drain
  time to expect, and the monthly cost of both modes, line by line (plan.py; figures and sources in constants.py;
  drain times from a model fitted to published measurements: drain.py, fit.py).
- `plan_for_consumer(ConsumerSettings(...), ...)`: the same with a consumer's own settings (`consumer.plan`).
- `preview_filters(filters, records)`: which Kafka records reach the function under Lambda's filtering semantics
  (preview.py, on moto's EventBridge matcher: matcher.py says why that one).
- On the command line: `python -m constructs_kafka_lambda plan ...` and `... preview --filters f.json --records r.jsonl`.
"""

from .costs import CostBreakdown, CostLine, Prices
from .drain import DrainTimes
from .plan import FilterSavings, Plan, plan
from .preview import FilterPreview, RecordVerdict, preview_filters
from .settings import ConsumerSettings, plan_for_consumer

__all__ = [
    "ConsumerSettings",
    "CostBreakdown",
    "CostLine",
    "DrainTimes",
    "FilterPreview",
    "FilterSavings",
    "Plan",
    "Prices",
    "RecordVerdict",
    "plan",
    "plan_for_consumer",
    "preview_filters",
]
