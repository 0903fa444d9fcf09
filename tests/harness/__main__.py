"""``python3 -m tests.harness COMMAND ...``: test (as ``maelstrom test``), analyze and serve."""
from __future__ import annotations

import sys

from .cli import ArgumentError, bad_args, build_parser, parse_test_args

USAGE = """Usage: python3 -m tests.harness COMMAND [OPTIONS ...]

Commands:
  test    run a test, with the same flags as `maelstrom test` (see `test --help`)
  sim     run a test in the simulator: nodes built on common/, in one process, on a virtual
          clock (see `sim --help`)
  analyze re-run the checkers on a stored run (`analyze -t -1`: the newest)
  serve   browse stored runs in a web page (`serve -p PORT`)
  messages redraw a stored run's messages.svg from a chosen time (`messages --from 12.5`)
"""


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 254
    command, rest = argv[0], argv[1:]
    if command == "test":
        if "-h" in rest or "--help" in rest:
            build_parser().print_help()
            return 0
        try:
            opts = parse_test_args(rest)
        except ArgumentError as e:
            return bad_args(str(e))
        if opts.latency == 0 and opts.latency_dist != "constant":
            print(f"Warning: Maelstrom cannot run --latency-dist {opts.latency_dist} with --latency 0 "
                  "(it hangs or fails); this harness uses 0 ms.", file=sys.stderr)
        from .runner import run_tests
        return run_tests(opts)
    if command == "sim":
        from .sim.cli import main as sim_main
        return sim_main(rest)
    if command == "analyze":
        from .analyze import main as analyze_main
        return analyze_main(rest)
    if command == "serve":
        from .serve import main as serve_main
        return serve_main(rest)
    if command == "messages":
        from .messages_svg import main as messages_main
        return messages_main(rest)
    print(f"Unknown command {command!r}.\n{USAGE}", file=sys.stderr)
    return 254


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
