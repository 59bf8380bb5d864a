"""A protocol-faithful fake Slack for running the unmodified slack-bolt and slack-sdk on loopback.

(Placeholder docstring; the full guide is written below once the API settles.)
"""

from . import payloads
from .ids import DEFAULT_IDENTITY, AppIdentity
from .records import ApiCall, AppResponse, ResponseUrlPost
from .server import FakeSlack

__all__ = [
    "DEFAULT_IDENTITY",
    "ApiCall",
    "AppIdentity",
    "AppResponse",
    "FakeSlack",
    "ResponseUrlPost",
    "payloads",
]
