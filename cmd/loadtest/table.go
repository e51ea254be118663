package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// runTable is -mode table -in FILE: it reads the JSON lines the other modes
// printed with -json (one per run, any other lines ignored) and prints one
// Markdown table of the figures that matter for each mode, so that
// `make bench` ends with a table the README can keep as it is.
func runTable(f flags) error {
	in := io.Reader(os.Stdin)
	if f.in != "" {
		file, err := os.Open(f.in)
		if err != nil {
			return err
		}
		defer file.Close()
		in = file
	}
	rows, err := tableRows(in)
	if err != nil {
		return err
	}
	fmt.Print(rows)
	return nil
}

// figures names, per mode, the JSON keys a reader of the table wants.
// The modes that run on either store (-store) show it first, so the
// file and postgres rows of one run read side by side; rows of runs from
// before -store have no store and were on files.
var figures = map[string][]string{
	"engine":   {"store", "users", "fsync", "ops_per_sec", "p50_ms", "p99_ms", "errors", "invariants_ok", "cpu_us_per_op", "alloc_bytes_per_op", "slow_ops", "slow_ops_during_marks", "marking_s", "close_s"},
	"crash":    {"store", "cycles", "acknowledged", "lost", "invariants_ok"},
	"restore":  {"store", "entities", "wallets", "first_snapshot_s", "snapshot_write_s", "restore_s", "replay_s", "open_s", "first_page_ms", "activation_p99_ms", "heap_bytes_per_entity", "max_pause_ms", "invariants_ok"},
	"payments": {"txs", "seconds", "credited", "duplicates_applied", "lost", "invariants_ok"},
	"paycrash": {"store", "txs", "cycles", "paid", "duplicates_applied", "lost", "invariants_ok"},
	"telegram": {"users", "ops_per_sec", "p50_ms", "p99_ms", "in_bot_p99_ms", "errors", "invariants_ok", "bot_cpu_us_per_update", "bot_updates_per_cpu_sec"}, // the last two under -split

	// the seed's design, run beside the engine rows with the same users and columns
	"redislock": {"users", "persistence", "ops_per_sec", "p50_ms", "p99_ms", "errors", "invariants_ok", "skipped"},
	// the engine's world on a simulated CPU (cachegrind), per operation
	"instructions": {"users", "numbers", "instructions_per_op", "l1_misses_per_op", "ll_misses_per_op", "skipped"},
}

func tableRows(in io.Reader) (string, error) {
	var b strings.Builder
	b.WriteString("| mode | figures |\n|---|---|\n")
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber() // 1000000 stays 1000000, not 1e+06
		if d.Decode(&m) != nil {
			continue
		}
		mode, _ := m["mode"].(string)
		keys := figures[mode]
		if keys == nil { // an unknown mode: show everything, in order
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
		}
		var cells []string
		for _, k := range keys {
			if v, ok := m[k]; ok {
				cells = append(cells, fmt.Sprintf("%s %v", k, v))
			}
		}
		fmt.Fprintf(&b, "| %s | %s |\n", mode, strings.Join(cells, ", "))
	}
	return b.String(), sc.Err()
}
