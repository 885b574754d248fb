"""Benchmarks of constructs_kafka_lambda (not part of the installed package). Run with `make bench`."""
