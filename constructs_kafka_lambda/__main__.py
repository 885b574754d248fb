"""`python -m constructs_kafka_lambda plan|preview|calibration|record`: see constructs_kafka_lambda/planning/cli.py."""

from .planning.cli import main

raise SystemExit(main())
