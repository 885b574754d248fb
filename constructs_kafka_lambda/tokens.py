"""Is a value an unresolved CDK token? Answered in Python where CDK's encoding tells (strings, numbers, lists), so
that validating a consumer's properties costs no jsii round trip each (synth time matters with many consumers).

CDK encodes a string token as `${Token[...]}` inside the string, a list token as a one-element list holding
`#{Token[...]}`, and a number token as a double whose top 16 bits are 0xFBFF (about -1.888e+289). Anything else (IResolvable objects,
Durations) is asked of CDK itself, if CDK is loaded: without aws-cdk-lib imported nothing can be a token, so the
pure-Python planner and filter preview, which share the validators, never import it.
"""

from __future__ import annotations

import struct
import sys
from typing import Any, Final, Literal

_STRING_MARKER = "${Token["
_LIST_MARKER = "#{Token["
_NUMBER_TOKEN_HIGH_BITS = 0xFBFF  # the top 16 bits of every double CDK uses as a number token


TokenKind = Literal["string", "number", "list", "resolvable"]

# How to make each kind of token from a CloudFormation parameter: the fix a ConfigError offers.
MAKE_TOKEN: Final[dict[str, str]] = {
    "string": "CfnParameter(type='String').value_as_string",
    "number": "CfnParameter(type='Number').value_as_number",
    "list": "CfnParameter(type='CommaDelimitedList').value_as_list",
    "resolvable": "Token.as_any(...)",
}


def token_kind(value: Any) -> TokenKind | None:
    """Which kind of CDK token `value` is (None: not a token). A property can carry only the kinds its type allows:
    a number token where a string is expected reaches CDK as a float and fails inside jsii."""
    if not is_unresolved(value):
        return None
    if isinstance(value, str):
        return "string"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list | tuple):
        return "list"
    return "resolvable"


def is_unresolved(value: Any) -> bool:
    """Token.is_unresolved, without leaving Python for the common types."""
    if value is None or isinstance(value, bool | int):
        return False
    if isinstance(value, str):
        return _STRING_MARKER in value or _LIST_MARKER in value
    if isinstance(value, float):
        bits = struct.unpack("<Q", struct.pack("<d", value))[0]
        return bool(bits >> 48 == _NUMBER_TOKEN_HIGH_BITS)
    if isinstance(value, list | tuple):
        return len(value) == 1 and isinstance(value[0], str) and _LIST_MARKER in value[0]
    cdk = sys.modules.get("aws_cdk")
    if cdk is None:  # no CDK in this process: no value can be a token (and asking would boot jsii)
        return False
    return bool(cdk.Token.is_unresolved(value))
