# Allot's two everyday commands are `make run` and `make test`; see README.md.
GO       ?= go
BIN      := bin
PKGDIRS  := cmd actors domain persistence adapters

.PHONY: run build test fmt-check vet lint unit loadtest-short bench clean

build:
	$(GO) build -o $(BIN)/ ./cmd/...

# The seed's resource kinds are the example distribution config; set
# KINDS_FILE to your own (or to nothing to switch distribution off).
KINDS_FILE ?= testdata/kinds.json

# run builds only the binary it starts: a first `make run` on a fresh clone
# compiles every dependency once, and the load-test tool is not needed here.
run:
	$(GO) build -o $(BIN)/ ./cmd/allot
	KINDS_FILE=$(KINDS_FILE) ./$(BIN)/allot run

# test is what CI runs: formatting, vet, staticcheck, the race-enabled unit
# tests, and short runs of every load-test mode (they fail on a broken
# invariant or a lost operation).
test: fmt-check lint unit loadtest-short

fmt-check:
	@out=$$(gofmt -l $$(find $(PKGDIRS) -name '*.go' 2>/dev/null)); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

lint: vet
	$(GO) tool staticcheck ./...

unit:
	$(GO) test -race -count=1 ./...

# The -store postgres runs start a throwaway PostgreSQL server each (about a
# second) and hold the store to the same invariants as the files.
loadtest-short: build
	./$(BIN)/loadtest -mode engine -users 200 -numbers 2000 -duration 3s -fsync os
	./$(BIN)/loadtest -mode engine -users 200 -numbers 2000 -duration 2s -fsync always
	./$(BIN)/loadtest -mode engine -users 200 -numbers 2000 -duration 2s -store postgres
	./$(BIN)/loadtest -mode crash -cycles 10
	./$(BIN)/loadtest -mode crash -store postgres -cycles 5
	./$(BIN)/loadtest -mode restore -entities 20000
	./$(BIN)/loadtest -mode payments -txs 2000
	./$(BIN)/loadtest -mode paycrash -txs 1000 -cycles 10
	./$(BIN)/loadtest -mode paycrash -store postgres -txs 300 -cycles 4
	./$(BIN)/loadtest -mode telegram -users 50 -duration 2s
	./$(BIN)/loadtest -mode sheets -items 1000
	./$(BIN)/loadtest -mode handover -numbers 50 -cycles 4
	./$(BIN)/loadtest -mode powerloss -cycles 300
	./$(BIN)/loadtest -mode tgcrash -cycles 8

# bench runs the Go benchmarks and the full-size load tests; the README keeps
# the table it prints. The durable engine on files, the same on PostgreSQL
# (a throwaway server on the same cores) and redislock, the seed's
# Redis-lock design, run one after another with the same users, numbers and
# duration so their rows sit side by side; without redis-server redislock
# prints a skipped row.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./actors ./persistence
	@rm -f $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode engine -users 1000 -numbers 100000 -duration 20s -fsync os | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode engine -users 1000 -numbers 100000 -duration 20s -fsync always | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode engine -users 1000 -numbers 100000 -duration 20s -store postgres | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode redislock -users 1000 -numbers 100000 -duration 20s | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode instructions -users 1000 -numbers 100000 | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode restore -entities 1000000 | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode restore -entities 5000 -wallets 1000000 -store postgres | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode crash -cycles 30 | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode crash -store postgres -cycles 30 | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode payments -txs 10000 | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode paycrash -txs 5000 -cycles 30 | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode telegram -users 1000 -duration 20s | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode telegram -split -users 1000 -duration 20s | tee -a $(BIN)/bench.jsonl
	./$(BIN)/loadtest -json -mode sheets -items 10000 | tee -a $(BIN)/bench.jsonl
	@echo
	@./$(BIN)/loadtest -mode table -in $(BIN)/bench.jsonl

clean:
	rm -rf $(BIN)

# help lists the targets, one line each (a test in cmd/allot checks that
# every target is here).
.PHONY: help
help:
	@echo 'make build           build every command under cmd/ into $(BIN)/'
	@echo 'make run             build and start allot (the playground without BOT_TOKEN; KINDS_FILE=$(KINDS_FILE))'
	@echo 'make test            what CI runs: fmt-check, lint, unit and loadtest-short'
	@echo 'make fmt-check       fail if gofmt would change a file'
	@echo 'make vet             go vet ./...'
	@echo 'make lint            vet, then staticcheck ./...'
	@echo 'make unit            the unit tests, with -race'
	@echo 'make loadtest-short  short runs of every load-test mode'
	@echo 'make bench           Go benchmarks and the full-size load tests, and the README table they give'
	@echo 'make clean           remove $(BIN)/'
	@echo 'make help            this list'
