"""The sample pipeline on a real Kafka broker, in one process (`make demo`, `tests/test_sample_local.py`).

- ``pipeline``: the broker and its topics, moto's AWS, the synthesized templates, each function's real handler
  with its template's environment (overridden for local resources), a ``LocalRuntime`` per consumer;
- ``audit``: every topic and the alert inbox read back, every source record accounted for;
- ``demo``: the story ``make demo`` prints, ending with a summary line.
"""
