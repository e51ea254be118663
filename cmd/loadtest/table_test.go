package main

import (
	"strings"
	"testing"
)

func TestTableKeepsOneRowPerRunWithItsFigures(t *testing.T) {
	in := "engine: 1000 users\n" +
		`{"mode":"engine","users":1000,"fsync":"os","ops_per_sec":107509.5,"p50_ms":2.5,"p99_ms":73.7,"errors":0,"invariants_ok":true,"refused":5}` + "\n" +
		"not json {\n" +
		`{"mode":"engine","store":"postgres","users":1000,"fsync":"always","ops_per_sec":20000,"p50_ms":9,"p99_ms":30,"errors":0,"invariants_ok":true}` + "\n" +
		`{"mode":"payments","txs":10000,"seconds":0.62,"credited":7000,"duplicates_applied":0,"lost":0,"invariants_ok":true}` + "\n" +
		`{"mode":"telegram","users":1000,"ops_per_sec":9000,"p50_ms":90,"p99_ms":200,"errors":0,"invariants_ok":true,"split":true,"bot_cpu_us_per_update":120.5,"bot_updates_per_cpu_sec":8298.8}` + "\n"
	got, err := tableRows(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := "| mode | figures |\n|---|---|\n" +
		"| engine | users 1000, fsync os, ops_per_sec 107509.5, p50_ms 2.5, p99_ms 73.7, errors 0, invariants_ok true |\n" +
		"| engine | store postgres, users 1000, fsync always, ops_per_sec 20000, p50_ms 9, p99_ms 30, errors 0, invariants_ok true |\n" +
		"| payments | txs 10000, seconds 0.62, credited 7000, duplicates_applied 0, lost 0, invariants_ok true |\n" +
		"| telegram | users 1000, ops_per_sec 9000, p50_ms 90, p99_ms 200, errors 0, invariants_ok true, bot_cpu_us_per_update 120.5, bot_updates_per_cpu_sec 8298.8 |\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
