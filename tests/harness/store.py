"""The on-disk store of test runs (docs/maelstrom.md §10).

Each run gets ``store/<workload>/<YYYYMMDDTHHMMSS.mmm±zzzz>/``, like Maelstrom's, and the
symlinks ``store/latest``, ``store/current`` and ``store/<workload>/latest`` follow the
newest run. Inside it:

- ``history.jsonl``, ``net-journal.jsonl``, ``results.json``: the data, for programs (the
  ``analyze`` command, plots, ``serve``) to read back with the ``read_*`` functions;
- ``history.edn``, ``history.txt``, ``results.edn``: the same in Maelstrom's formats, for
  people;
- ``node-logs/``: each node's stderr, written by the engine;
- ``aborted.json``: only for a run that could not be carried out, why, and the mistakes seen.
"""
from __future__ import annotations

import json
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable

from . import edn

# history.jsonl lists these first, in this order, then whatever extra keys an op carries.
OP_KEY_ORDER = ("index", "time", "type", "process", "f", "value")


def new_run_dir(workload: str, base: Path = Path("store")) -> Path:
    """Create the directory of a new run (with ``node-logs/``) and point the symlinks at it."""
    parent = base / workload
    parent.mkdir(parents=True, exist_ok=True)
    moment = datetime.now().astimezone()
    while True:
        run_dir = parent / _timestamp(moment)
        try:
            run_dir.mkdir()  # atomic: exactly one of two concurrent runs can claim a name
            break
        except FileExistsError:
            moment += timedelta(milliseconds=1)
    (run_dir / "node-logs").mkdir()
    _point(base / "latest", Path(workload) / run_dir.name)
    _point(base / "current", Path(workload) / run_dir.name)
    _point(parent / "latest", Path(run_dir.name))
    return run_dir


def write_history(run_dir: Path, history: list[dict]) -> None:
    """``history.jsonl``, ``history.txt`` (docs/maelstrom.md §5.4) and ``history.edn``."""
    ops = [_ordered(op) for op in history]
    _write_lines(run_dir / "history.jsonl", (_json_line(op) for op in ops))
    _write_lines(run_dir / "history.txt", (_txt_line(op) for op in ops))
    _write_lines(run_dir / "history.edn", (edn.op_to_edn(op) for op in ops))


def write_journal(run_dir: Path, journal: list[tuple[str, int, dict]]) -> None:
    """``net-journal.jsonl``: one ``{"event", "time", "message"}`` object per line."""
    _write_lines(run_dir / "net-journal.jsonl",
                 (_json_line({"event": event, "time": time, "message": message})
                  for event, time, message in journal))


def write_results(run_dir: Path, results: dict) -> None:
    """``results.json`` and the pretty-printed ``results.edn``."""
    (run_dir / "results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=_json_default) + "\n",
        encoding="utf-8")
    (run_dir / "results.edn").write_text(edn.dumps(results) + "\n", encoding="utf-8")


def write_aborted(run_dir: Path, reason: str, mistakes: list[dict]) -> None:
    """``aborted.json``: why a run that has no verdict ended, for ``analyze`` and ``serve``."""
    (run_dir / "aborted.json").write_text(
        json.dumps({"reason": reason, "mistakes": mistakes}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8")


def read_aborted(run_dir: Path) -> dict | None:
    """The abort record of a run, or None if it was not aborted."""
    try:
        record = json.loads((run_dir / "aborted.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        return {"reason": f"aborted (its aborted.json is unreadable: {e})"}
    return record if isinstance(record, dict) else {"reason": f"aborted ({record!r})"}


def read_history(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in _read_lines(run_dir / "history.jsonl")]


def read_journal(run_dir: Path) -> list[tuple[str, int, dict]]:
    return [(event["event"], event["time"], event["message"])
            for event in map(json.loads, _read_lines(run_dir / "net-journal.jsonl"))]


def read_results(run_dir: Path) -> dict:
    return json.loads((run_dir / "results.json").read_text(encoding="utf-8"))


def _timestamp(moment: datetime) -> str:
    """``20240131T235959.123+0100``: local time to the millisecond, with its UTC offset."""
    return (moment.strftime("%Y%m%dT%H%M%S") + f".{moment.microsecond // 1000:03d}"
            + moment.strftime("%z"))


def _point(link: Path, target: Path) -> None:
    """Make ``link`` a symlink to ``target`` (relative to the link's directory).

    The new link is made under a private name and renamed over the old one, so a reader
    never finds the link missing."""
    temporary = link.with_name(f".{link.name}.{os.getpid()}.{secrets.token_hex(4)}")
    os.symlink(target, temporary)
    os.replace(temporary, link)


def _ordered(op: dict) -> dict:
    return {**{key: op[key] for key in OP_KEY_ORDER if key in op}, **op}


def _txt_line(op: dict) -> str:
    """``process\\t:type\\t:f\\tvalue[\\terror]``, as Jepsen prints a history."""
    columns = [edn.dumps(op["process"], keyword_values=True, compact=True),
               edn.dumps(op["type"], keyword_values=True, compact=True),
               edn.dumps(op["f"], keyword_values=True, compact=True),
               edn.dumps(op.get("value"), keyword_values=op["process"] == "nemesis", compact=True)]
    if op.get("error") is not None:
        columns.append(edn.error_to_edn(op["error"]))
    return "\t".join(columns)


def _json_line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_json_default)


def _json_default(obj: Any) -> Any:
    """JSON for what the json module cannot encode: sets as sorted lists, the rest as text."""
    if isinstance(obj, (set, frozenset)):
        try:
            return sorted(obj)
        except TypeError:  # elements of mixed types have no common order
            return sorted(obj, key=repr)
    return str(obj)


def _write_lines(path: Path, lines: Iterable[str]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(line + "\n")


def _read_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
