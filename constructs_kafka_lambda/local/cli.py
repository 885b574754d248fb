"""`python -m constructs_kafka_lambda local`: run a consumer from a synthesized template on a real broker.

    python -m constructs_kafka_lambda local --template cdk.out/Stack.template.json --consumer Stack/Orders \\
        --handler orders.handler:handler [--bootstrap-servers localhost:9092 | --embedded] [--aws moto]

The handler is imported in this process: `--handler module:function` (or Lambda's `module.function`), else the
function's own Handler from its asset directory in the cloud assembly. The function's environment variables from
the template are set first (literal values; `--env NAME=VALUE` adds or overrides).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from ..errors import ConfigError

HELP_EPILOG = """\
What is emulated: the event, batch size and window, the 6 MB payload cap, filters, starting positions,
per-partition order, retries by mode, record age, bisect, partial batch responses, the failure destination
records (S3, SQS and SNS through boto3, so --aws moto or a real account receives them; kafka:// on the broker)
and offsets committed only after success or destination delivery. Not emulated: IAM, networking, scaling speed,
concurrency across partitions (one batch at a time here). Our choices where AWS documents nothing: the retry
delay (0.05 s doubling to 1 s), a bisect split costs no retry attempt, expired records are "RecordAgeExceeded".
"""


def add_parser(commands: Any) -> None:
    local = commands.add_parser(
        "local",
        help="run a consumer's handler on a real Kafka broker with the mapping's semantics",
        epilog=HELP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    local.add_argument("--template", required=True, help="a synthesized template (cdk.out/Stack.template.json)")
    local.add_argument("--consumer", help="construct path (Stack/Orders) or logical id; optional with one mapping")
    local.add_argument("--handler", help="module:function or module.function (default: the function's Handler)")
    servers = local.add_mutually_exclusive_group(required=True)
    servers.add_argument("--bootstrap-servers", help="host:port[,host:port]: your Kafka or Redpanda")
    servers.add_argument("--embedded", action="store_true", help="start an embedded broker on 127.0.0.1")
    local.add_argument("--aws", choices=("moto", "real"), default="real",
                       help="moto: serve S3/SQS/SNS/... in-process (destinations are created); real: boto3 as is")  # fmt: skip
    local.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="function environment")
    local.add_argument("--records", help="JSONL file: produce each line's text as a record value first")
    local.add_argument("--partitions", type=int, default=1, help="with --embedded: the topic's partitions")
    local.add_argument("--timeout", type=float, default=60.0, help="stop when idle, or after this many seconds")
    local.add_argument("--for", dest="run_for", type=float, help="keep consuming this many seconds (no idle stop)")
    local.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from .broker import EmbeddedKafka
    from .runtime import LocalRuntime
    from .settings import settings_from_template

    settings = settings_from_template(args.template, args.consumer)
    environment = dict(settings.function.environment)
    environment.update(_pairs(args.env))
    with contextlib.ExitStack() as stack:
        servers = args.bootstrap_servers
        if args.embedded:
            broker = stack.enter_context(EmbeddedKafka())
            servers = broker.bootstrap_servers
            broker.create_topic(settings.topic, partitions=args.partitions)
            if settings.on_failure is not None and settings.on_failure.kind == "kafka":
                broker.create_topic(settings.on_failure.name)
            print(
                f"embedded Kafka broker on {servers}; topic {settings.topic} ({args.partitions} partitions)", file=out
            )
        if args.aws == "moto":
            stack.enter_context(_moto())
            if settings.on_failure is not None and settings.on_failure.kind != "kafka":
                from .failures import ensure_target

                ensure_target(settings.on_failure)
        os.environ.update(environment)
        handler = load_handler(args.handler or settings.function.handler, settings.function.code_path)
        if args.records:
            count = produce_lines(servers, settings.topic, Path(args.records))
            print(f"produced {count} records to {settings.topic}", file=out)
        print(f"{settings.path}: topic {settings.topic}, group {settings.group_id}, "
              f"{'provisioned' if settings.provisioned else 'on-demand'} mode", file=out)  # fmt: skip
        runtime = stack.enter_context(LocalRuntime(settings, handler, servers, log=lambda line: print(line, file=out)))
        result = runtime.run_for(args.run_for) if args.run_for else runtime.run_until_idle(args.timeout)
        print(result.summary(), file=out)
        return 0 if result.idle or args.run_for else 1


def _pairs(items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConfigError("--env", item, "must be NAME=VALUE", "e.g. --env TABLE_NAME=orders")
        pairs[name] = value
    return pairs


def load_handler(spec: str | None, code_path: str | None) -> Callable[..., Any]:
    """`module:function` or Lambda's `module.function`, imported with the asset directory (if any) on the path."""
    if not spec:
        raise ConfigError("--handler", None, "the template names no handler (an inline or container function?)",
                          "pass --handler module:function")  # fmt: skip
    module_name, sep, function_name = spec.partition(":")
    if not sep:
        module_name, _, function_name = spec.rpartition(".")
    for directory in (code_path, os.getcwd()):
        if directory and directory not in sys.path:
            sys.path.insert(0, directory)
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigError(
            "--handler",
            spec,
            f"cannot import {module_name!r}: {error}",
            "run from the handler's directory or pass --handler package.module:function",
        ) from error
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise ConfigError("--handler", spec, f"{module_name} has no function {function_name!r}",
                          "name the handler function after the colon")  # fmt: skip
    return handler


def produce_lines(servers: str, topic: str, path: Path) -> int:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=servers.split(","), acks="all")
    count = 0
    for line in path.read_text().splitlines():
        if line.strip():
            producer.send(topic, value=line.encode("utf-8"))
            count += 1
    producer.flush()
    producer.close()
    return count


@contextlib.contextmanager
def _moto() -> Iterator[None]:
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))
    with mock_aws():
        yield


__all__ = ["add_parser", "load_handler", "run"]
