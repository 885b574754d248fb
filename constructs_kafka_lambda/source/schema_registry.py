"""`SchemaRegistry`: decode and validate schema-encoded Kafka records before they reach the function.

Facts (Lambda API model, KafkaSchemaRegistryConfig; CloudFormation SchemaRegistryConfig; Lambda Developer Guide
"Using schema registries with Kafka event sources", checked December 2026):
- provisioned mode only, one registry per mapping, MSK and self-managed alike;
- SchemaRegistryURI: a Glue registry ARN, or a Confluent registry URL;
- EventRecordFormat JSON (Lambda decodes the record and hands the function JSON) or SOURCE (the original bytes,
  validated); SchemaValidationConfigs: KEY and/or VALUE (1-2, unique);
- Glue: no access configurations, the execution role needs glue:GetRegistry on the registry and
  glue:GetSchemaVersion on the registry and its schemas (the two statements AWS's CDK and SAM grant);
- Confluent: AccessConfigs of BASIC_AUTH, CLIENT_CERTIFICATE_TLS_AUTH, SERVER_ROOT_CA_CERTIFICATE, OAUTHBEARER_AUTH
  (each a Secrets Manager secret ARN); CloudFormation allows at most 2 of them, unique.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import aws_secretsmanager as secretsmanager

from .. import limits
from ..errors import ConfigError
from ..tokens import is_unresolved

RECORD_FORMATS: Final = ("JSON", "SOURCE")
ATTRIBUTES: Final = ("KEY", "VALUE")
_GLUE_REGISTRY_ARN: Final = re.compile(r"^arn:aws[a-z-]*:glue:[a-z0-9-]+:\d{12}:registry/[A-Za-z0-9_$#.-]{1,255}$")
_URL: Final = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9\-/*:_+=.@]*)?$")


@dataclass(frozen=True)
class SchemaRegistry:
    """Where the mapping's schemas live. Build it with `SchemaRegistry.glue` or `SchemaRegistry.confluent`."""

    kind: str  # "glue" | "confluent"
    uri: str
    record_format: str
    validate: tuple[str, ...]
    access: tuple[tuple[str, secretsmanager.ISecret], ...] = ()

    @staticmethod
    def glue(registry: Any, *, record_format: str = "JSON", validate: Sequence[str] = ("VALUE",)) -> SchemaRegistry:
        """An AWS Glue Schema Registry: its ARN, or an `aws_glue.CfnRegistry`. The role gets read access to it."""
        arn = registry.attr_arn if hasattr(registry, "attr_arn") else registry
        if not isinstance(arn, str) or (not is_unresolved(arn) and not _GLUE_REGISTRY_ARN.match(arn)):
            raise ConfigError(
                "SchemaRegistry.glue(registry)",
                registry,
                "a Glue registry is arn:<partition>:glue:<region>:<account>:registry/<name>, or an aws_glue.CfnRegistry",
                "pass the registry's ARN (aws glue get-registry) or the CfnRegistry construct",
            )
        return SchemaRegistry("glue", arn, _format(record_format), _attributes(validate))

    @staticmethod
    def confluent(
        url: str,
        *,
        basic_auth: secretsmanager.ISecret | None = None,
        client_certificate: secretsmanager.ISecret | None = None,
        root_ca_certificate: secretsmanager.ISecret | None = None,
        oauth: secretsmanager.ISecret | None = None,
        record_format: str = "JSON",
        validate: Sequence[str] = ("VALUE",),
    ) -> SchemaRegistry:
        """A Confluent Schema Registry at an https URL, with up to two access secrets together (e.g. basic auth and
        a private root CA): basic_auth {"username", "password"}; client_certificate {"certificate", "privateKey",
        "privateKeyPassword"?} (PEM, PKCS#8); root_ca_certificate {"certificate"}; oauth: OAuth client credentials."""
        if not isinstance(url, str) or (not is_unresolved(url) and not _URL.match(url)):
            raise ConfigError(
                "SchemaRegistry.confluent(url)",
                url,
                "the registry URL is https://host[:port][/path] (the API's SchemaRegistryURI characters)",
                'pass e.g. "https://psrc-12345.us-east-1.aws.confluent.cloud"',
            )
        given = [
            ("BASIC_AUTH", "basic_auth", basic_auth),
            ("CLIENT_CERTIFICATE_TLS_AUTH", "client_certificate", client_certificate),
            ("SERVER_ROOT_CA_CERTIFICATE", "root_ca_certificate", root_ca_certificate),
            ("OAUTHBEARER_AUTH", "oauth", oauth),
        ]
        access: list[tuple[str, secretsmanager.ISecret]] = []
        for access_type, name, secret in given:
            if secret is None:
                continue
            if not hasattr(secret, "secret_arn"):
                raise ConfigError(
                    f"SchemaRegistry.confluent({name})", secret, "expected a Secrets Manager ISecret", "pass an ISecret"
                )
            access.append((access_type, secret))
        if len(access) > limits.SCHEMA_REGISTRY_ACCESS_CONFIGS_MAX:
            raise ConfigError(
                "SchemaRegistry.confluent",
                [t for t, _ in access],
                f"a mapping takes at most {limits.SCHEMA_REGISTRY_ACCESS_CONFIGS_MAX} registry access configurations "
                "(CloudFormation SchemaRegistryConfig.AccessConfigs)",
                "keep one credential (basic_auth, client_certificate or oauth) and, if needed, root_ca_certificate",
            )
        credentials = [t for t, _ in access if t != "SERVER_ROOT_CA_CERTIFICATE"]
        if len(credentials) > 1:
            raise ConfigError(
                "SchemaRegistry.confluent",
                credentials,
                "the registry client authenticates one way: basic auth, a client certificate, or OAuth",
                "pass one of basic_auth, client_certificate or oauth (root_ca_certificate may be added)",
            )
        return SchemaRegistry("confluent", url, _format(record_format), _attributes(validate), tuple(access))

    # ------------------------------------------------------------------------------------------------ facts
    @property
    def secrets(self) -> tuple[secretsmanager.ISecret, ...]:
        return tuple(secret for _, secret in self.access)

    def l1_config(self) -> dict[str, Any]:
        """The SchemaRegistryConfig property as the L1 takes it (camelCase; CloudFormation renders SchemaRegistryURI,
        EventRecordFormat, SchemaValidationConfigs, AccessConfigs)."""
        config: dict[str, Any] = {
            "schemaRegistryUri": self.uri,
            "eventRecordFormat": self.record_format,
            "schemaValidationConfigs": [{"attribute": a} for a in self.validate],
        }
        if self.access:
            config["accessConfigs"] = [{"type": t, "uri": s.secret_arn} for t, s in self.access]
        return config


def _format(value: Any) -> str:
    if value not in RECORD_FORMATS:
        raise ConfigError(
            "SchemaRegistry(record_format)",
            value,
            'the record format is "JSON" (Lambda decodes each record to JSON) or "SOURCE" (original bytes, validated)',
            'pass record_format="JSON"',
        )
    return str(value)


def _attributes(validate: Any) -> tuple[str, ...]:
    items = (validate,) if isinstance(validate, str) else tuple(validate or ())
    if not items or any(a not in ATTRIBUTES for a in items) or len(set(items)) != len(items):
        raise ConfigError(
            "SchemaRegistry(validate)",
            validate,
            'validate names what is schema-encoded: "KEY" and/or "VALUE", each once',
            'pass validate=("VALUE",) or ("KEY", "VALUE")',
        )
    return items
