package pgstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"allot/domain"
	"allot/persistence/pgstore"
	"allot/persistence/pgstore/pgtest"
)

// A partial replay leaves out only the lazy kinds' events whose header
// shows another type than the pins': the debit, the events of other kinds,
// an id too long for the header's short form and a payload whose header
// is not the records' all stay in.
func TestEngine_SkipInReplayLeavesOutOnlyWhatItCanRead(t *testing.T) {
	ctx := context.Background()
	e, err := pgstore.OpenEngine(ctx, pgtest.DB(t), pgstore.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	record := func(kind domain.Kind, id string, ev domain.Event) []byte {
		b, err := domain.EncodeRecord(domain.Record{Kind: kind, ID: id, Event: ev})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	long := strings.Repeat("9", 40)
	appends := []struct {
		kind    domain.Kind
		id      string
		payload []byte
		kept    bool
	}{
		{domain.KindWallet, "7", record(domain.KindWallet, "7", &domain.WalletCredited{Op: "a", Amount: 1}), false},
		{domain.KindWallet, "7", record(domain.KindWallet, "7", &domain.WalletDebited{Op: "b", Amount: 1, Status: domain.EntryProcessing}), true},
		{domain.KindWallet, "8", record(domain.KindWallet, "8", &domain.EntrySettled{Op: "c"}), false},
		{domain.KindWallet, long, record(domain.KindWallet, long, &domain.WalletCredited{Op: "d", Amount: 1}), true},
		{domain.KindWallet, "9", []byte{0x95}, true},
		{domain.KindNumber, "+88800000001", record(domain.KindNumber, "+88800000001", &domain.NumberAdded{ID: "+88800000001"}), true},
	}
	var want []uint64
	prev := map[string]uint64{}
	for _, a := range appends {
		seq := e.Append(a.kind, a.id, prev[a.id], a.payload)
		prev[a.id] = seq
		if a.kept {
			want = append(want, seq)
		}
	}
	if err := e.Sync(); err != nil {
		t.Fatal(err)
	}
	e.KeepUncovered([]domain.Kind{domain.KindWallet})
	e.SkipInReplay([]domain.EventType{domain.TypeWalletDebited}, func() bool { return true })
	var got []uint64
	noRestore := func(uint64, []byte) error { return nil }
	if _, err := e.Recover(noRestore, func(seq uint64, _ []byte) error { got = append(got, seq); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("replayed %v, want %v", got, want)
	}
	e.SkipInReplay([]domain.EventType{domain.TypeWalletDebited}, func() bool { return false })
	got = got[:0]
	if _, err := e.Recover(noRestore, func(seq uint64, _ []byte) error { got = append(got, seq); return nil }); err != nil || len(got) != len(appends) {
		t.Fatalf("a whole replay gave %d of %d events (%v)", len(got), len(appends), err)
	}
}
