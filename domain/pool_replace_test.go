package domain

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// kindStatuses are the statuses of an account kind: "blocked" offers a
// replacement, the others do not.
var kindStatuses = []FeedbackStatus{{Code: "good"}, {Code: "blocked", Replace: true}, {Code: "defective"}}

const rpKey = "vk/495/male"

func rpItem(n int) string { return fmt.Sprintf("%s#%d", rpKey, n) }

// stockedPool returns a pool of rpKey with n items loaded at now.
func stockedPool(t testing.TB, n int, now time.Time) *Pool {
	t.Helper()
	p := NewPool(rpKey)
	var rows [][]string
	var claims []string
	for i := range n {
		rows = append(rows, []string{fmt.Sprint("login", i), "pw"})
		claims = append(claims, fmt.Sprint("c", i))
	}
	ev, err := p.Load(rows, claims, now)
	if err != nil || ev == nil {
		t.Fatalf("Load: %v, %v", ev, err)
	}
	p.Apply(ev, p.Seq+1)
	return p
}

func applyT(t testing.TB, p *Pool, ev PoolEvent, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	p.Apply(ev, p.Seq+1)
}

// replacementPool is a pool where alice was issued items 1 to 4, and gave
// feedback: #1 blocked (a replacement), #2 good, #3 none yet; #5 is in
// stock. The feedback was flushed to the issued sheet.
func replacementPool(t testing.TB) *Pool {
	t.Helper()
	p := stockedPool(t, 6, t0)
	iss, err := p.Issue("op1", alice, 3, 5, t0)
	applyT(t, p, iss, err)
	for id, st := range map[string]string{rpItem(1): "blocked", rpItem(2): "good"} {
		fb, err := p.FeedbackOf(alice, id, st, kindStatuses, t0.Add(time.Minute))
		applyT(t, p, fb, err)
	}
	fs, err := p.StartFlush("f1", t0.Add(2*time.Minute))
	applyT(t, p, fs, err)
	ff, err := p.FinishFlush("f1")
	applyT(t, p, ff, err)
	if len(p.Buffer)+len(p.Flushing) != 0 {
		t.Fatalf("the feedback is still in the pool: %+v", p)
	}
	return p
}

func TestPool_FeedbackOf(t *testing.T) {
	tests := []struct {
		name, status string
		wReplace     bool
		wErr         error
	}{
		{"a status offering a replacement", "blocked", true, nil},
		{"a status offering none", "good", false, nil},
		{"an unknown status", "lovely", false, ErrNotPermitted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := stockedPool(t, 1, t0)
			iss, err := p.Issue("op1", alice, 1, 5, t0)
			applyT(t, p, iss, err)
			fb, err := p.FeedbackOf(alice, rpItem(1), tt.status, kindStatuses, t0)
			wantErr(t, err, tt.wErr)
			if err != nil {
				return
			}
			if fb.Replace != tt.wReplace {
				t.Errorf("Replace = %v, want %v", fb.Replace, tt.wReplace)
			}
			p.Apply(fb, p.Seq+1)
			if _, owed := p.Replacements[rpItem(1)]; owed != tt.wReplace {
				t.Errorf("replacement owed = %v, want %v", owed, tt.wReplace)
			}
		})
	}
}

func TestPool_TakeReplacement(t *testing.T) {
	tests := []struct {
		name string
		user UserID
		id   string
		wOp  OpID
		wErr error
	}{
		{"the holder, after a status offering one", alice, rpItem(1), "rp:101:vk/495/male#1", nil},
		{"another staffer", bob, rpItem(1), "", ErrNotPermitted},
		{"a status offering none", alice, rpItem(2), "", ErrNotPermitted},
		{"an item awaiting feedback", alice, rpItem(3), "", ErrNotPermitted},
		{"an item in stock, never issued", alice, rpItem(5), "", ErrNotPermitted},
		{"an id never loaded", alice, rpItem(99), "", ErrNotPermitted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := replacementPool(t)
			before := p.Clone()
			ev, op, err := p.TakeReplacement(tt.user, tt.id, t0.Add(time.Hour))
			wantErr(t, err, tt.wErr)
			if !reflect.DeepEqual(p, before) {
				t.Fatal("a decision changed the pool")
			}
			if op != tt.wOp || (ev == nil) != (tt.wOp == "") {
				t.Fatalf("TakeReplacement = %+v, %q; want operation %q", ev, op, tt.wOp)
			}
			if ev != nil && (ev.ID != tt.id || ev.User != tt.user || ev.Op != op) {
				t.Fatalf("event %+v", ev)
			}
		})
	}
}

func TestPool_TakeReplacementAgain(t *testing.T) {
	tests := []struct {
		name  string
		user  UserID
		after time.Duration // since it was taken
		wOp   OpID
		wErr  error
	}{
		{"the holder again", alice, time.Minute, "rp:101:vk/495/male#1", nil},
		{"the holder within the retention", alice, OpRetention, "rp:101:vk/495/male#1", nil},
		{"the holder after the pools may have forgotten", alice, OpRetention + time.Second, "", ErrDuplicateOp},
		{"another staffer", bob, time.Minute, "", ErrNotPermitted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := replacementPool(t)
			taken := t0.Add(time.Hour)
			ev, _, err := p.TakeReplacement(alice, rpItem(1), taken)
			applyT(t, p, ev, err)
			ev, op, err := p.TakeReplacement(tt.user, rpItem(1), taken.Add(tt.after))
			wantErr(t, err, tt.wErr)
			if ev != nil || op != tt.wOp {
				t.Fatalf("taken again: %+v, %q; want no event and %q", ev, op, tt.wOp)
			}
		})
	}
}

// A pool forgets what it owed only after replacementRetention since the
// offer, or since the taking when it was taken.
func TestPool_ReplacementsRetention(t *testing.T) {
	tests := []struct {
		name   string
		take   bool
		later  time.Duration // since the offer, when another offer is applied
		wKnown bool
	}{
		{"owed, within the retention", false, replacementRetention, true},
		{"owed, past the retention", false, replacementRetention + time.Second, false},
		{"taken a day later, past the offer's retention", true, replacementRetention + time.Hour, true},
		{"taken a day later, past the taking's retention", true, day + replacementRetention + time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := replacementPool(t) // #1 offered at t0+1m
			offered := t0.Add(time.Minute)
			if tt.take {
				ev, _, err := p.TakeReplacement(alice, rpItem(1), offered.Add(day))
				applyT(t, p, ev, err)
			}
			fb, err := p.FeedbackOf(alice, rpItem(3), "blocked", kindStatuses, offered.Add(tt.later))
			applyT(t, p, fb, err)
			if _, known := p.Replacements[rpItem(1)]; known != tt.wKnown {
				t.Fatalf("replacement of #1 known = %v, want %v", known, tt.wKnown)
			}
			if _, known := p.Replacements[rpItem(3)]; !known {
				t.Fatal("the new offer is not recorded")
			}
		})
	}
}

func TestPool_IssueRemembersOps(t *testing.T) {
	tests := []struct {
		name    string
		others  int           // issues after op0
		every   time.Duration // between issues
		wRecall bool
	}{
		{"300 issues within the retention", 300, 10 * time.Minute, true},
		{"2000 issues within the retention", 2000, time.Minute, true},
		{"300 issues past the retention", 300, time.Hour, false},
		{"200 issues past the retention: the last 256 stay", 200, time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := stockedPool(t, tt.others+2, t0)
			at := t0
			iss, err := p.Issue("op0", alice, 1, 5, at)
			applyT(t, p, iss, err)
			for i := range tt.others {
				at = at.Add(tt.every)
				iss, err := p.Issue(OpID(fmt.Sprint("op", i+1)), bob, 1, 5, at)
				applyT(t, p, iss, err)
			}
			_, err = p.Issue("op0", alice, 1, 5, at)
			if recalled := errors.Is(err, ErrDuplicateOp); recalled != tt.wRecall {
				t.Fatalf("replaying op0 at %v: %v; want it recognised: %v", at.Sub(t0), err, tt.wRecall)
			}
			if p.HasOp("op0") != tt.wRecall || !p.HasOp(OpID(fmt.Sprint("op", tt.others))) {
				t.Fatal("HasOp disagrees with Issue")
			}
			if len(p.Ops) != len(p.OpsAt) || len(p.Ops) < min(tt.others+1, recentPoolOps) {
				t.Fatalf("%d operations, %d times", len(p.Ops), len(p.OpsAt))
			}
		})
	}
}

// oldPool is a pool as snapshots before OpsAt and Replacements hold it.
type oldPool struct {
	Key  string `msgpack:"k"`
	Next uint64 `msgpack:"n"`
	Ops  []OpID `msgpack:"o,omitempty"`
	Seq  uint64 `msgpack:"sq"`
}

// An operation from a snapshot without times counts as old: it is kept
// among the last recentPoolOps, and forgotten after them.
func TestPool_OpsFromAnOldSnapshot(t *testing.T) {
	tests := []struct {
		name    string
		others  int
		wRecall bool
	}{
		{"among the last 256", 255, true},
		{"beyond the last 256", 256, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := msgpack.Marshal(oldPool{Key: rpKey, Ops: []OpID{"old1", "old2"}, Seq: 9})
			if err != nil {
				t.Fatal(err)
			}
			var p Pool
			if err := msgpack.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
			if !p.HasOp("old1") || !p.HasOp("old2") || p.OpsAt != nil {
				t.Fatalf("old snapshot decoded to %+v", p)
			}
			ld, err := p.Load(stockRows(tt.others), stockClaims(tt.others), t0)
			applyT(t, &p, ld, err)
			for i := range tt.others {
				iss, err := p.Issue(OpID(fmt.Sprint("op", i)), bob, 1, 5, t0)
				applyT(t, &p, iss, err)
			}
			if p.HasOp("old2") != tt.wRecall || p.HasOp("old1") {
				t.Fatalf("old1 %v, old2 %v after %d issues", p.HasOp("old1"), p.HasOp("old2"), tt.others)
			}
			if len(p.OpsAt) != len(p.Ops) || p.OpsAt[0].IsZero() != tt.wRecall {
				t.Fatalf("%d times for %d operations, the first %v", len(p.OpsAt), len(p.Ops), p.OpsAt[0])
			}
		})
	}
}

func stockRows(n int) [][]string {
	var rows [][]string
	for i := range n {
		rows = append(rows, []string{fmt.Sprint("row", i)})
	}
	return rows
}

func stockClaims(n int) []string {
	var claims []string
	for i := range n {
		claims = append(claims, fmt.Sprint("m", i))
	}
	return claims
}

// A snapshot keeps what the pool owes and the times of its operations.
func TestPool_SnapshotKeepsReplacements(t *testing.T) {
	p := replacementPool(t)
	ev, _, err := p.TakeReplacement(alice, rpItem(1), t0.Add(time.Hour))
	applyT(t, p, ev, err)
	b, err := msgpack.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got Pool
	if err := msgpack.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Replacements, p.Replacements) || !reflect.DeepEqual(got.OpsAt, p.OpsAt) {
		t.Fatalf("decoded %+v / %v, want %+v / %v", got.Replacements, got.OpsAt, p.Replacements, p.OpsAt)
	}
	c := p.Clone()
	c.Replacements[rpItem(1)].User = bob
	if p.Replacements[rpItem(1)].User != alice {
		t.Fatal("Clone shares replacements")
	}
}

func TestParseReplacementOp(t *testing.T) {
	tests := []struct {
		op    OpID
		wUser UserID
		wItem string
		wOK   bool
	}{
		{"rp:101:vk/495/male#1", alice, "vk/495/male#1", true},
		{"rp:101:vk/495/male#1/male", alice, "vk/495/male#1", true},
		{"rp:101:ok/495#12/", alice, "ok/495#12", true},
		{ReplacementOp(bob, "ok/495#3") + "/", bob, "ok/495#3", true},
		{"rp:vk/495/male#1/male", 0, "", false}, // issued before the operation named the person
		{"rp:0:vk/495/male#1", 0, "", false},
		{"rp:x:vk/495/male#1", 0, "", false},
		{"rp:101:vk", 0, "", false},
		{"tg:101:dABC/male", 0, "", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.op), func(t *testing.T) {
			u, item, ok := ParseReplacementOp(tt.op)
			if u != tt.wUser || item != tt.wItem || ok != tt.wOK {
				t.Fatalf("= %d, %q, %v; want %d, %q, %v", u, item, ok, tt.wUser, tt.wItem, tt.wOK)
			}
		})
	}
}
