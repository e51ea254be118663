package main

import (
	"strings"
	"testing"
)

// A cachegrind file's summary is read by its events line, whatever their
// order, and reads' and writes' misses are added up.
func TestParseCachegrind(t *testing.T) {
	const file = `desc: I1 cache:         32768 B, 64 B, 8-way associative
cmd: loadtest -mode engine
events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
fl=/x/summary.go
fn=f
1 2 3 4 5 6 7 8 9 10
summary: 1000 1 2 300 40 6 200 10 4
`
	c, err := parseCachegrind(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if c != (cachegrindCounts{instructions: 1000, l1Misses: 50, llMisses: 10}) {
		t.Fatalf("got %+v", c)
	}
	d := cachegrindCounts{instructions: 5000, l1Misses: 250, llMisses: 30}.minus(c).per(2000)
	if d != (cachegrindCounts{instructions: 2, l1Misses: 0.1, llMisses: 0.01}) {
		t.Fatalf("per op: got %+v", d)
	}
}

// A file without the cache simulation's events, or without a summary, is
// an error that says so rather than a zero figure.
func TestParseCachegrind_Incomplete(t *testing.T) {
	for name, file := range map[string]string{
		"no cache-sim": "events: Ir\nsummary: 1000\n",
		"no summary":   "events: Ir D1mr D1mw DLmr DLmw\n",
		"short":        "events: Ir D1mr D1mw DLmr DLmw\nsummary: 1 2 3\n",
		"not a number": "events: Ir D1mr D1mw DLmr DLmw\nsummary: 1 2 x 4 5\n",
	} {
		if _, err := parseCachegrind(strings.NewReader(file)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
