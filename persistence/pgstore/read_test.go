package pgstore

import (
	"errors"
	"fmt"
	"testing"
)

func TestStore_snapshots(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := ctxT(t)
	for seq := uint64(1); seq <= 6; seq++ {
		mustAppend(t, s, ev(3, "n1", seq, fmt.Sprint(seq)))
	}
	put := func(snaps ...Snapshot) {
		t.Helper()
		if err := s.PutSnapshots(ctx, snaps); err != nil {
			t.Fatal(err)
		}
	}
	put(Snapshot{Kind: 3, Entity: "n1", Seq: 4, Payload: []byte("state@4")},
		Snapshot{Kind: 3, Entity: "n1", Seq: 2, Payload: []byte("state@2")}, // same batch, older: ignored
		Snapshot{Kind: 3, Entity: "n2", Seq: 1, Payload: []byte("n2@1")})
	check := func(wantSeq uint64, wantPayload string, wantEvents ...uint64) {
		t.Helper()
		snap, events, err := s.Load(ctx, 3, "n1")
		if err != nil || snap == nil || snap.Seq != wantSeq || string(snap.Payload) != wantPayload {
			t.Fatalf("Load: snapshot %+v, err %v; want seq %d %q", snap, err, wantSeq, wantPayload)
		}
		var got []uint64
		for _, e := range events {
			got = append(got, e.Seq)
		}
		if fmt.Sprint(got) != fmt.Sprint(wantEvents) {
			t.Fatalf("events after the snapshot %v, want %v", got, wantEvents)
		}
	}
	check(4, "state@4", 5, 6)
	put(Snapshot{Kind: 3, Entity: "n1", Seq: 3, Payload: []byte("stale")}) // backwards: ignored
	check(4, "state@4", 5, 6)
	put(Snapshot{Kind: 3, Entity: "n1", Seq: 4, Payload: []byte("same seq")}) // not newer: ignored
	check(4, "state@4", 5, 6)
	put(Snapshot{Kind: 3, Entity: "n1", Seq: 6, Payload: []byte("state@6")})
	check(6, "state@6")
	if err := s.PutSnapshots(ctx, []Snapshot{{Kind: 3, Entity: "bad\x00", Seq: 1}}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("invalid snapshot: %v", err)
	}

	var scanned []string
	err := s.ScanSnapshots(ctx, func(sn Snapshot) error {
		scanned = append(scanned, fmt.Sprintf("%d/%s@%d=%s", sn.Kind, sn.Entity, sn.Seq, sn.Payload))
		return nil
	})
	if err != nil || fmt.Sprint(scanned) != "[3/n1@6=state@6 3/n2@1=n2@1]" {
		t.Fatalf("ScanSnapshots: %v, %v", scanned, err)
	}
	stop := errors.New("stop")
	if err := s.ScanSnapshots(ctx, func(Snapshot) error { return stop }); err != stop {
		t.Fatalf("ScanSnapshots returned %v, want fn's error", err)
	}
}

func TestStore_ScanEvents(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := ctxT(t)
	var gseqs []uint64
	for i := range 30 {
		gseqs = append(gseqs, mustAppend(t, s, ev(uint8(i%3), fmt.Sprintf("e%d", i%5), uint64(i/15+1), fmt.Sprint(i))))
	}
	after := gseqs[9]
	var got []uint64
	var payloads []string
	err := s.ScanEvents(ctx, after, func(g uint64, e Event) error {
		got = append(got, g)
		payloads = append(payloads, string(e.Payload))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(gseqs[10:]) {
		t.Fatalf("scanned gseqs %v, want %v", got, gseqs[10:])
	}
	for i, p := range payloads {
		if p != fmt.Sprint(i+10) {
			t.Fatalf("payload %d = %q (payloads must not share a buffer)", i, p)
		}
	}
	stop := errors.New("stop")
	n := 0
	err = s.ScanEvents(ctx, 0, func(uint64, Event) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Fatalf("ScanEvents stopped after %d rows with %v, want 1 and fn's error", n, err)
	}
}
