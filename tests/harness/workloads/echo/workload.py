"""echo (docs/maelstrom.md §6.1): clients send strings, nodes must echo them back unchanged."""
from __future__ import annotations

from ...schema import check_response, is_any
from ..base import Workload, invokes_and_completions, with_errors
from .explain import explain_echo


class Echo(Workload):
    name = "echo"
    each_thread = True

    def next_op(self, now: float) -> dict:
        return {"f": "echo", "value": f"Please echo {self.rng.randrange(128)}"}

    async def invoke(self, client, op):
        async def call():
            body = await client.rpc({"type": "echo", "echo": op["value"]})
            check_response(body, "echo_ok", {"echo": is_any})
            return {"type": "ok", "value": body}
        return await with_errors(False, op["value"], call)

    def check(self, history: list[dict]) -> dict:
        errors = []
        for invoke, done in invokes_and_completions(history):
            if done["type"] == "info":
                continue
            got = done["value"]
            echoed = got.get("echo") if isinstance(got, dict) else None
            if not (isinstance(got, dict) and "echo" in got and echoed == invoke["value"]):
                errors.append(["Expected a message with :echo", invoke["value"], "But received", got])
        return {"valid?": not errors, "errors": errors}

    def explain(self, ctx):
        return explain_echo(ctx)
