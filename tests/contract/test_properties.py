"""Random configurations over the whole public props space, judged by AWS's API model and documented rules.

Invalid -> ConfigError at construction (never a jsii error, RuntimeError or TypeError). Valid -> constructs, and
the synthesized mapping, turned back into API parameters, passes the model, equals the request asked for, and
CDK's CloudFormation-schema validation reports nothing on what the library made.
"""

from __future__ import annotations

import pytest
from hypothesis import given

from .conftest import contract_settings
from .harness import Run
from .strategies import configs


@pytest.mark.skip(
    reason="oracle written against the pre-restructure defaults (enabled=None, starting_position=None, mapping_metrics); reconcile before enabling (issue 9 open)"
)
def test_random_configurations_keep_the_contract() -> None:
    run = Run()

    @contract_settings()
    @given(configs())
    def construct(config):  # type: ignore[no-untyped-def]
        run.check(config)

    construct()
    run.flush()
    print(f"\nvalid {run.tally.valid}, refused {run.tally.invalid}, known gaps {run.tally.known}")
    assert not run.failures, f"{len(run.failures)} synthesized mapping(s) break the contract:\n\n" + "\n\n".join(
        run.failures[:20]
    )
    assert run.tally.valid >= 50, f"too few valid configurations reached synthesis: {run.tally}"
