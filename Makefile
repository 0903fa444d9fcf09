# Gossip Glomers in Python. `make test-ch3d` runs one challenge with its official parameters,
# against the real Maelstrom when one is found, else on the local harness (tests/harness).
# `make test` runs every test (unit and end-to-end); `make unit` only the unit tests (under a minute).

PYTHON ?= python3
# The real Maelstrom: MAELSTROM=path/to/maelstrom, else ./maelstrom/maelstrom, else `maelstrom` on PATH.
MAELSTROM ?= $(firstword $(wildcard ./maelstrom/maelstrom) $(shell command -v maelstrom 2>/dev/null))
MAELSTROM_VERSION = v0.2.4
MAELSTROM_URL = https://github.com/jepsen-io/maelstrom/releases/download/$(MAELSTROM_VERSION)/maelstrom.tar.bz2

# The official command of each challenge (shared/challenges.md), after `--bin <node>`.
CH1  = -w echo --node-count 1 --time-limit 10
CH2  = -w unique-ids --time-limit 30 --rate 1000 --node-count 3 --availability total --nemesis partition
CH3A = -w broadcast --node-count 1 --time-limit 20 --rate 10
CH3B = -w broadcast --node-count 5 --time-limit 20 --rate 10
CH3C = -w broadcast --node-count 5 --time-limit 20 --rate 10 --nemesis partition
CH3D = -w broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100
CH3E = $(CH3D)
CH4  = -w g-counter --node-count 3 --rate 100 --time-limit 20 --nemesis partition
CH5A = -w kafka --node-count 1 --concurrency 2n --time-limit 20 --rate 1000
CH5B = -w kafka --node-count 2 --concurrency 2n --time-limit 20 --rate 1000
CH5C = $(CH5B)
CH6A = -w txn-rw-register --node-count 1 --time-limit 20 --rate 1000 --concurrency 2n --consistency-models read-uncommitted --availability total
CH6B = -w txn-rw-register --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-uncommitted
CH6C = -w txn-rw-register --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-committed --availability total --nemesis partition

# $(call maelstrom,challenge,node-script,flags): run one test, saying which Maelstrom it used.
# BIN=path/to/node runs your own node instead of ours, with the same flags (any language).
# GLOMERS_CHALLENGE tells the local harness which challenge's limits to print under the verdict.
define maelstrom
	@if [ -n "$(MAELSTROM)" ]; then \
	  echo "== using the real Maelstrom: $(MAELSTROM)"; \
	  "$(MAELSTROM)" test --bin $(or $(BIN),$(2)) $(3); \
	else \
	  echo "== no Maelstrom found (set MAELSTROM=path/to/maelstrom or run 'make maelstrom'); using the local harness: $(PYTHON) -m tests.harness test"; \
	  GLOMERS_CHALLENGE=$(1) $(PYTHON) -m tests.harness test --bin $(or $(BIN),$(2)) $(3) $(HARNESS_FLAGS); \
	fi
endef

.PHONY: test unit e2e bench bench-lib bench-durability bench-lin-kv bench-sim bench-harness bench-memory bench-serve serve maelstrom clean \
	test-ch1 test-ch2 test-ch3a test-ch3b test-ch3c test-ch3d test-ch3d-partition test-ch3e test-ch3e-partition test-ch4 \
	test-ch5a test-ch5b test-ch5c test-ch5c-partition test-ch6a test-ch6b test-ch6b-partition test-ch6c

test:
	$(PYTHON) -m tests.run all
unit:
	$(PYTHON) -m tests.run unit
e2e:
	$(PYTHON) -m tests.run e2e

test-ch1:  ; $(call maelstrom,1,ch1_echo/main.py,$(CH1))
test-ch2:  ; $(call maelstrom,2,ch2_unique_id/main.py,$(CH2))
test-ch3a: ; $(call maelstrom,3a,ch3a_broadcast/main.py,$(CH3A))
test-ch3b: ; $(call maelstrom,3b,ch3b_broadcast/main.py,$(CH3B))
test-ch3c: ; $(call maelstrom,3c,ch3c_broadcast/main.py,$(CH3C))
test-ch3d: ; $(call maelstrom,3d,ch3d_broadcast/main.py,$(CH3D))
test-ch3d-partition: ; $(call maelstrom,3d-partition,ch3d_broadcast/main.py,$(CH3D) --nemesis partition)
test-ch3e: ; $(call maelstrom,3e,ch3e_broadcast/main.py,$(CH3E))
test-ch3e-partition: ; $(call maelstrom,3e-partition,ch3e_broadcast/main.py,$(CH3E) --nemesis partition)
test-ch4:  ; $(call maelstrom,4,ch4_counter/main.py,$(CH4))
test-ch5a: ; $(call maelstrom,5a,ch5a_log/main.py,$(CH5A))
test-ch5b: ; $(call maelstrom,5b,ch5b_log/main.py,$(CH5B))
test-ch5c: ; $(call maelstrom,5c,ch5c_log/main.py,$(CH5C))
test-ch5c-partition: ; $(call maelstrom,5c-partition,ch5c_log/main.py,$(CH5C) --nemesis partition)
test-ch6a: ; $(call maelstrom,6a,ch6a_txn/main.py,$(CH6A))
test-ch6b: ; $(call maelstrom,6b,ch6b_txn/main.py,$(CH6B))
test-ch6b-partition: ; $(call maelstrom,6b-partition,ch6b_txn/main.py,$(CH6B) --availability total --nemesis partition)
test-ch6c: ; $(call maelstrom,6c,ch6c_txn/main.py,$(CH6C))

# One table of every challenge's figures, from local harness runs at the official parameters
# (SEED=N repeats the harness's random choices).
bench:
	$(PYTHON) bench/bench_all.py $(if $(SEED),--seed $(SEED))
bench-lib:
	$(PYTHON) bench/bench_lib.py
# What durability costs: appends per second, and 5a/6a/3d run with GLOMERS_DURABILITY=none|write|fsync.
bench-durability:
	$(PYTHON) bench/bench_durability.py $(if $(SEED),--seed $(SEED))
bench-lin-kv:
	$(PYTHON) bench/bench_lin_kv.py $(if $(SEED),--seed $(SEED))
# The simulator's speed (issue 21's four cases) and where its time goes: bench/bench_sim.py --profile 3d.
bench-sim:
	$(PYTHON) bench/bench_sim.py
# The harness's own pace: largest message and byte rates it delivers with lateness p99 <= 5 ms.
bench-harness:
	$(PYTHON) bench/bench_harness.py
# The harness's own peak memory on hostile nodes and a 120 s 3d run; serve under 200 readers.
bench-memory:
	$(PYTHON) bench/bench_memory.py
bench-serve:
	$(PYTHON) bench/bench_serve.py
serve:
	$(PYTHON) -m tests.harness serve

maelstrom:
	@command -v curl >/dev/null || { echo "make maelstrom needs curl"; exit 1; }
	@curl -fsSL --max-time 60 -o maelstrom.tar.bz2 $(MAELSTROM_URL) || { \
	  echo "Could not download Maelstrom $(MAELSTROM_VERSION) from $(MAELSTROM_URL)."; \
	  echo "Are you offline? Every target still works on the local harness without it."; \
	  rm -f maelstrom.tar.bz2; exit 1; }
	tar xjf maelstrom.tar.bz2 && rm maelstrom.tar.bz2
	@echo "Maelstrom unpacked in ./maelstrom (needs Java 11+, gnuplot and graphviz for its plots)."

clean:
	rm -rf store
