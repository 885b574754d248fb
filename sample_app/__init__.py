"""The deployable sample of constructs_kafka_lambda: a fleet-telemetry pipeline on MSK Serverless (IAM) and a
trade-settlement consumer on Confluent Cloud (SASL/PLAIN). `python -m sample_app.app` is the CDK app."""
