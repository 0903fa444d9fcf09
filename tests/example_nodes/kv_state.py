"""The lin-kv request semantics on a plain dict, shared by the example nodes that keep the
registers themselves: read, write, and cas, with errors 20 (no such key) and 22 (``from``
does not match) raised as `RPCError`."""
from common.errors import ErrorCode, RPCError


def apply(values: dict, body: dict) -> dict:
    """Perform one read, write or cas request on ``values``; return the reply body."""
    key = body["key"]
    if body["type"] == "write":
        values[key] = body["value"]
        return {"type": "write_ok"}
    if key not in values:
        raise RPCError(ErrorCode.KEY_DOES_NOT_EXIST, "key does not exist")
    if body["type"] == "read":
        return {"type": "read_ok", "value": values[key]}
    if values[key] != body["from"]:
        raise RPCError(ErrorCode.PRECONDITION_FAILED, f"current value {values[key]} is not {body['from']}")
    values[key] = body["to"]
    return {"type": "cas_ok"}
