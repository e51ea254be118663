package domain

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The index answers as a scan of Ops does, through growth past the
// threshold, forgetting, ids noted twice, clones that go their own way
// and states decoded from a snapshot.
func TestOpIndex_answersAsTheScan(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	p := &Pool{Key: "acc:us:x"}
	var clone *Pool
	now := t0
	check := func(who string, q *Pool, step int) {
		t.Helper()
		for k := range 40 {
			op := OpID(fmt.Sprint("op", r.IntN(step+10)))
			if k == 0 && len(q.Ops) > 0 {
				op = q.Ops[r.IntN(len(q.Ops))]
			}
			if got, want := q.HasOp(op), slices.Contains(q.Ops, op); got != want {
				t.Fatalf("step %d, %s: HasOp(%s) = %v with %d ops remembered, want %v", step, who, op, got, len(q.Ops), want)
			}
		}
	}
	for step := range 3000 {
		// Time runs in bursts and jumps, so that operations are forgotten
		// in runs, down to the recentPoolOps kept.
		now = now.Add(time.Duration(r.IntN(600)) * time.Second)
		if r.IntN(500) == 0 {
			now = now.Add(OpRetention)
		}
		op := OpID(fmt.Sprint("op", step))
		if r.IntN(20) == 0 && len(p.Ops) > 0 {
			op = p.Ops[r.IntN(len(p.Ops))] // noted twice
		}
		p.noteOp(op, now)
		check("pool", p, step)
		switch r.IntN(300) {
		case 0:
			clone = p.Clone()
		case 1: // a state read back from its encoding, as after a restart
			b, err := AppendState(nil, p)
			if err != nil {
				t.Fatal(err)
			}
			q := &Pool{}
			if _, err := ReadState(q, b); err != nil {
				t.Fatal(err)
			}
			p = q
		}
		if clone != nil {
			clone.noteOp(OpID(fmt.Sprint("clone", step)), now)
			check("clone", clone, step)
		}
	}
	if len(p.Ops) < 2*opIndexFrom {
		t.Fatalf("only %d ops remembered at the end: the index was hardly used", len(p.Ops))
	}
}

// BenchmarkPoolHasOp asks a pool remembering 30,000 issues (ten thousand
// a day, for OpRetention) about an issue it has not seen.
func BenchmarkPoolHasOp(b *testing.B) {
	p := &Pool{Key: "acc:us:x"}
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 30_000 {
		p.noteOp(OpID(fmt.Sprintf("issue:%d:%d", 1000+i%977, i)), t0.Add(time.Duration(i)*8*time.Second))
	}
	for b.Loop() {
		if p.HasOp("issue:1001:new") {
			b.Fatal("found an issue never made")
		}
	}
}
