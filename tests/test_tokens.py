"""The Python-side token check agrees with CDK's own on every kind of value the constructs validate."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_kafka_lambda.tokens import is_unresolved

REF = {"Ref": "Param"}


CASES = [
    cdk.Token.as_string(REF),
    f"prefix-{cdk.Token.as_string(REF)}-suffix",
    cdk.Token.as_number(REF),
    cdk.Token.as_list(REF),
    cdk.Aws.REGION,
    cdk.Token.as_string(cdk.Aws.ACCOUNT_ID),
    "orders",
    "",
    0,
    100,
    1.5,
    -1e300,
    True,
    None,
    ["a", "b"],
    [],
    cdk.Duration.seconds(5),
]


# Ids by position: token strings differ between pytest-xdist workers, and ids must not.
@pytest.mark.parametrize("value", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_agrees_with_cdk(value):
    assert is_unresolved(value) == cdk.Token.is_unresolved(value)


def test_infinity_is_not_a_token():
    # (jsii cannot even carry Infinity to CDK: the check must stay in Python for it)
    assert is_unresolved(float("inf")) is False


_plain_text = st.text().filter(lambda t: "{Token[" not in t)  # the markers CDK puts in token strings


@settings(max_examples=50, deadline=None)
@given(
    st.one_of(
        _plain_text,
        st.integers(min_value=-(2**53), max_value=2**53),
        st.floats(allow_nan=False, allow_infinity=False),  # jsii cannot carry NaN or infinity to CDK
        st.lists(_plain_text, max_size=3),
    )
)
def test_plain_values_agree_with_cdk(value):
    """Arbitrary plain values: the Python check says exactly what CDK says (a huge negative float can be CDK's own
    number-token encoding; then both must say so)."""
    assert is_unresolved(value) == cdk.Token.is_unresolved(value)
