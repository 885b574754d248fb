"""What can be known at synth about a Secrets Manager secret: its literal name and its KMS key.

MSK SCRAM secrets must be named `AmazonMSK_...` and encrypted with a customer-managed key (the default
`aws/secretsmanager` key cannot be shared with MSK). An in-stack secret tells us both; an imported one may not,
and then the consumer warns instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager

from .. import limits
from ..errors import ConfigError
from ..tokens import is_unresolved


@dataclass(frozen=True)
class SecretFacts:
    """A secret's literal name (None when not known at synth) and its KMS key (None: default key or unknown)."""

    in_stack: bool
    name: str | None
    generated_name: bool  # in-stack secret without secret_name: CloudFormation makes one up
    key: kms.IKey | None


def inspect_secret(secret: secretsmanager.ISecret) -> SecretFacts:
    """Read the literal name from the L1 of an in-stack secret, or from the imported secret's name."""
    resource = secret.node.default_child
    if isinstance(resource, secretsmanager.CfnSecret):
        resolved = Stack.of(secret).resolve(resource.name)
        name = resolved if isinstance(resolved, str) else None
        return SecretFacts(True, name, resolved is None, secret.encryption_key)
    name = secret.secret_name
    return SecretFacts(False, None if is_unresolved(name) else name, False, secret.encryption_key)


def check_msk_scram_secret(secret: secretsmanager.ISecret, prop: str) -> list[str]:
    """Reject what MSK would reject; return warnings for what cannot be known at synth."""
    facts = inspect_secret(secret)
    prefix = limits.MSK_SCRAM_SECRET_PREFIX
    if facts.generated_name:
        raise ConfigError(
            f"{prop}.secret_name",
            None,
            f"an unnamed secret gets a generated name, but MSK only associates SASL/SCRAM secrets named '{prefix}...'",
            f"create it with secret_name='{prefix}<cluster>_<user>'",
        )
    if facts.name is not None and not facts.name.startswith(prefix):
        raise ConfigError(
            f"{prop}.secret_name",
            facts.name,
            f"MSK only associates SASL/SCRAM secrets whose name starts with '{prefix}'",
            f"name the secret '{prefix}{facts.name}' (secret_name=...)",
        )
    if facts.in_stack and facts.key is None:
        raise ConfigError(
            f"{prop}.encryption_key",
            None,
            "MSK cannot use SASL/SCRAM secrets encrypted with the default aws/secretsmanager key",
            "create the secret with encryption_key=kms.Key(self, 'ScramKey', enable_key_rotation=True)",
        )
    warnings: list[str] = []
    if not facts.in_stack and facts.key is None:
        warnings.append(
            f"{prop}: the imported secret's KMS key is unknown, so the function's role gets no kms:Decrypt for it. "
            "MSK requires a customer-managed key: import the secret with "
            "Secret.from_secret_attributes(..., encryption_key=key) so the mapping can read it."
        )
    if facts.name is None:
        warnings.append(
            f"{prop}: the secret's name is unknown at synth; make sure it starts with '{prefix}' "
            "and is associated with the cluster."
        )
    return warnings
