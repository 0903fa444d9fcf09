"""The on-disk store of test runs (docs/maelstrom.md §10).

Each run gets ``store/<workload>/<YYYYMMDDTHHMMSS.mmm±zzzz>/``, like Maelstrom's, and the
symlinks ``store/latest``, ``store/current`` and ``store/<workload>/latest`` follow the
newest run. Inside it:

- ``history.jsonl``, ``net-journal.jsonl``, ``results.json``: the data, for programs (the
  ``analyze`` command, plots, ``serve``) to read back with the ``read_*`` functions. The
  first two are written line by line as the run goes (recording.py) and read back one line
  at a time, so neither is ever held in memory whole; a line that cannot be read raises
  ``DamagedFile``, naming the file, the line and what is wrong;
- ``history.edn``, ``history.txt``, ``results.edn``: the same in Maelstrom's formats, for
  people;
- ``node-logs/``: each node's stderr, written by the engine;
- ``aborted.json``: only for a run that could not be carried out, why, and the mistakes seen.
"""
from __future__ import annotations

import json
import os
import secrets
import stat
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from . import edn
from .recording import History, Journal, json_default

OP_TYPES = ("invoke", "ok", "fail", "info")


class DamagedFile(Exception):
    """A stored file that cannot be read back: ``str()`` names the file, where and what."""


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


def write_history(run_dir: Path, history: Iterable[dict]) -> None:
    """``history.jsonl`` from ``history`` (a run records it as it goes, with recording.History),
    then the other formats (``finish_history``)."""
    writer = History(run_dir / "history.jsonl")
    for op in history:
        writer.append(op)
    writer.close()
    finish_history(run_dir)


def finish_history(run_dir: Path) -> None:
    """``history.txt`` (docs/maelstrom.md §5.4) and ``history.edn`` from ``history.jsonl``,
    one op at a time."""
    with (run_dir / "history.txt").open("w", encoding="utf-8", errors="backslashreplace") as txt, \
            (run_dir / "history.edn").open("w", encoding="utf-8", errors="backslashreplace") as out:
        for op in read_history(run_dir):
            txt.write(_txt_line(op) + "\n")
            out.write(edn.op_to_edn(op) + "\n")


def write_journal(run_dir: Path, journal: Iterable[tuple[str, int, dict]]) -> None:
    """``net-journal.jsonl`` from ``(event, time, message)`` events, laid out as a run's
    Journal writes it."""
    writer = Journal(run_dir / "net-journal.jsonl")
    for event, time, message in journal:
        writer.event(event, time, json.dumps(message, separators=(",", ":")))
    writer.close()


def write_results(run_dir: Path, results: dict) -> None:
    """``results.json`` and the pretty-printed ``results.edn``, each replaced whole, so that a
    reader (``serve``) never finds one half written."""
    _replace(run_dir / "results.json",
             json.dumps(results, indent=2, ensure_ascii=False, default=json_default) + "\n")
    _replace(run_dir / "results.edn", edn.dumps(results) + "\n")


def _replace(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    temporary.write_text(text, encoding="utf-8", errors="backslashreplace")
    os.replace(temporary, path)


def write_aborted(run_dir: Path, reason: str, mistakes: list[dict]) -> None:
    """``aborted.json``: why a run that has no verdict ended, for ``analyze`` and ``serve``."""
    _replace(run_dir / "aborted.json",
             json.dumps({"reason": reason, "mistakes": mistakes}, indent=2, ensure_ascii=False) + "\n")


def read_aborted(run_dir: Path) -> dict | None:
    """The abort record of a run, or None if it was not aborted."""
    try:
        record = read_json(run_dir / "aborted.json")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as e:
        return {"reason": f"aborted (its aborted.json is unreadable: {e})"}
    return record if isinstance(record, dict) else {"reason": f"aborted ({record!r})"}


def read_history(run_dir: Path) -> Iterator[dict]:
    """The ops of ``history.jsonl``, one at a time. Raises DamagedFile.

    Equal integers are one object: a history held whole repeats the same values over and
    over (a broadcast read returns every value so far), and shared they take a quarter of
    the memory."""
    path = run_dir / "history.jsonl"
    ints: dict[str, int] = {}

    def shared_int(text: str) -> int:
        value = ints.get(text)
        if value is None:
            value = ints[text] = int(text)
        return value
    for number, op in _objects(path, json.JSONDecoder(parse_int=shared_int).decode):
        if op.get("type") not in OP_TYPES or "process" not in op or "f" not in op \
                or type(op.get("time")) is not int:
            raise DamagedFile(f"{path} line {number}: not a history op (it needs a type among "
                              f"{', '.join(OP_TYPES)}, a process, an f and an integer time): "
                              f"{_excerpt(json.dumps(op))}")
        # Every op repeats the same keys and a few short values ("invoke", "read"): shared,
        # a history held whole for the checkers takes a third less memory.
        yield {sys.intern(k): sys.intern(v) if type(v) is str and len(v) <= 64 else v
               for k, v in op.items()}


def read_journal(run_dir: Path) -> Iterator[tuple[str, int, dict]]:
    """``(event, time_ns, message)`` for each line of ``net-journal.jsonl``, one at a time.
    Raises DamagedFile."""
    path = run_dir / "net-journal.jsonl"
    for number, event in _objects(path):
        message = event.get("message")
        if not isinstance(event.get("event"), str) or type(event.get("time")) is not int \
                or not isinstance(message, dict) or not isinstance(message.get("src"), str) \
                or not isinstance(message.get("dest"), str):
            raise DamagedFile(f"{path} line {number}: not a journal event (it needs an event, an "
                              f"integer time and a message with src and dest): {_excerpt(json.dumps(event))}")
        yield event["event"], event["time"], message


def read_results(run_dir: Path) -> dict:
    return read_json(run_dir / "results.json")


def read_json(path: Path) -> Any:
    """A JSON file's value. Raises OSError (also for what is not a regular file) or ValueError."""
    with os.fdopen(open_regular(path), "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def open_regular(path: Path) -> int:
    """A read-only descriptor of ``path``, which must be a regular file (after symlinks).

    Opening a FIFO would block until a writer comes; it is opened without blocking, told
    apart, and refused with OSError, as are devices and sockets."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        os.set_blocking(fd, True)
        return fd
    except BaseException:
        os.close(fd)
        raise


def _objects(path: Path, decode: Callable[[str], Any] = json.loads) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSON-lines file."""
    try:
        f = os.fdopen(open_regular(path), "rb")
    except FileNotFoundError:
        raise DamagedFile(f"{path} is missing") from None
    except OSError as e:
        raise DamagedFile(f"{path} cannot be read: {e.strerror or e}") from None
    with f:
        for number, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DamagedFile(f"{path} line {number}: not UTF-8 ({e.reason} at byte {e.start})") from None
            if not line.strip():
                continue
            try:
                value = decode(line)
            except ValueError as e:
                cut = "" if raw.endswith(b"\n") else ", cut short (the file ends in the middle of it)"
                raise DamagedFile(f"{path} line {number}: not JSON{cut}: {e}") from None
            except RecursionError:
                raise DamagedFile(f"{path} line {number}: nested too deeply to read") from None
            if not isinstance(value, dict):
                raise DamagedFile(f"{path} line {number}: not a JSON object: {_excerpt(line)}")
            yield number, value


def _excerpt(text: str, limit: int = 120) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


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


def _txt_line(op: dict) -> str:
    """``process\\t:type\\t:f\\tvalue[\\terror]``, as Jepsen prints a history."""
    columns = [edn.dumps(op["process"], keyword_values=True, compact=True),
               edn.dumps(op["type"], keyword_values=True, compact=True),
               edn.dumps(op["f"], keyword_values=True, compact=True),
               edn.dumps(op.get("value"), keyword_values=op["process"] == "nemesis", compact=True)]
    if op.get("error") is not None:
        columns.append(edn.error_to_edn(op["error"]))
    return "\t".join(columns)
