"""Maelstrom's error codes, and the exceptions a client RPC can end in (docs/maelstrom.md §2.6, §2.7)."""
from __future__ import annotations

# code -> (name, definite?)
ERRORS: dict[int, tuple[str, bool]] = {
    0: ("timeout", False),
    1: ("node-not-found", True),
    10: ("not-supported", True),
    11: ("temporarily-unavailable", True),
    12: ("malformed-request", True),
    13: ("crash", False),
    14: ("abort", True),
    20: ("key-does-not-exist", True),
    21: ("key-already-exists", True),
    22: ("precondition-failed", True),
    30: ("txn-conflict", True),
}


class RPCError(Exception):
    """The node answered with an error body."""

    def __init__(self, body: dict):
        code = body.get("code")
        if isinstance(code, bool) or not isinstance(code, int):
            code = None
        self.code = code
        self.text = body.get("text")
        self.name, self.definite = ERRORS.get(code, ("unknown", False))
        self.body = body
        super().__init__(f"RPC error {self.name} ({code}): {self.text}")


class RPCTimeout(Exception):
    """No matching reply arrived before the client's deadline."""

    def __init__(self, timeout: float):
        super().__init__(f"Client read timeout after {timeout:g} s")
        self.timeout = timeout


class MalformedResponse(Exception):
    """A reply that breaks the closed response schema (docs/maelstrom.md §2.3)."""
