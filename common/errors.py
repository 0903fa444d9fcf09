"""Maelstrom's error codes, and the exception a failed RPC raises (docs/maelstrom.md §2.6).

One exception class, `RPCError`, carries the code and text of an error reply. The few codes a
node routinely branches on get subclasses, so that ``except KeyDoesNotExist:`` reads as what
it means; every other code arrives as a plain `RPCError` whose ``code`` says which it is.
A handler may also *raise* an `RPCError`: the node library turns it into the error reply.
"""
from __future__ import annotations

from enum import IntEnum


class ErrorCode(IntEnum):
    """The codes Maelstrom reserves (0-999). Only timeout, crash and unknown codes are
    indefinite: the others promise the operation did not happen, so never send them when it
    might have."""

    TIMEOUT = 0
    NODE_NOT_FOUND = 1
    NOT_SUPPORTED = 10
    TEMPORARILY_UNAVAILABLE = 11
    MALFORMED_REQUEST = 12
    CRASH = 13
    ABORT = 14
    KEY_DOES_NOT_EXIST = 20
    KEY_ALREADY_EXISTS = 21
    PRECONDITION_FAILED = 22
    TXN_CONFLICT = 30


class RPCError(Exception):
    """An error reply: ``code`` (usually an `ErrorCode`) and a human-readable ``text``."""

    def __init__(self, code: int, text: str = ""):
        super().__init__(f"error {code}: {text}" if text else f"error {code}")
        self.code = code
        self.text = text

    @staticmethod
    def from_body(body: dict) -> RPCError:
        """The exception an error reply body stands for, of the most specific class."""
        code = body.get("code")
        text = str(body.get("text", ""))
        specific = _BY_CODE.get(code) if isinstance(code, int) else None
        return specific(text) if specific else RPCError(code, text)

    def to_body(self) -> dict:
        """The error reply body (without ``in_reply_to``) that reports this error."""
        return {"type": "error", "code": self.code, "text": self.text}


class RPCTimeout(RPCError):
    """No reply arrived in time. The request may still have taken effect."""

    def __init__(self, text: str = "RPC timed out"):
        super().__init__(ErrorCode.TIMEOUT, text)


class KeyDoesNotExist(RPCError):
    """A key/value service was asked about a key it does not hold."""

    def __init__(self, text: str = "key does not exist"):
        super().__init__(ErrorCode.KEY_DOES_NOT_EXIST, text)


class PreconditionFailed(RPCError):
    """A compare-and-set found a value other than the expected one."""

    def __init__(self, text: str = "precondition failed"):
        super().__init__(ErrorCode.PRECONDITION_FAILED, text)


_BY_CODE: dict[int, type[RPCError]] = {
    ErrorCode.TIMEOUT: RPCTimeout,
    ErrorCode.KEY_DOES_NOT_EXIST: KeyDoesNotExist,
    ErrorCode.PRECONDITION_FAILED: PreconditionFailed,
}
