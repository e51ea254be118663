package domain

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// t0 is the fixed "now" the tests start from: UTC and without a monotonic
// reading, so that times compare with reflect.DeepEqual.
var t0 = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// The people of the tests.
const (
	alice UserID = 101
	bob   UserID = 202
	carol UserID = 303
)

// testNum is the canonical id of the number most tests use.
const testNum = "+88801234567"

// errAny as a wanted error accepts any refusal, where the package has no
// sentinel for the case yet.
var errAny = errors.New("any error")

// wantErr fails t unless err matches wErr (nil meaning success).
func wantErr(t testing.TB, err, wErr error) {
	t.Helper()
	switch {
	case wErr == errAny:
		if err == nil {
			t.Fatal("no error, want a refusal")
		}
	case wErr == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case wErr != nil && !errors.Is(err, wErr):
		t.Fatalf("error = %v, want %v", err, wErr)
	}
}

// noPanic runs f and turns a panic into a test failure, so that one bug does
// not abort the whole test binary.
func noPanic(t testing.TB, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v", what, r)
		}
	}()
	f()
}

// cloneNumber is a deep copy written here rather than taken from the
// package, so that a bug in a production Clone cannot hide a mutation.
func cloneNumber(n *Number) *Number {
	c := *n
	c.Prices = slices.Clone(n.Prices)
	c.History = slices.Clone(n.History)
	c.Ops = slices.Clone(n.Ops)
	if n.Hold != nil {
		h := *n.Hold
		c.Hold = &h
	}
	if n.Rental != nil {
		r := *n.Rental
		c.Rental = &r
	}
	if n.Offer != nil {
		o := *n.Offer
		c.Offer = &o
	}
	return &c
}

// walletView is a deep copy of w's persisted state, without the lazy index
// that even a read (Entry) may build.
func walletView(w *Wallet) *Wallet {
	return &Wallet{User: w.User, Balance: w.Balance, Entries: slices.Clone(w.Entries), Seq: w.Seq}
}

func clonePayments(p *Payments) *Payments {
	c := &Payments{Invoices: make(map[string]*Invoice, len(p.Invoices)), Applied: AppliedTxs{sealed: maps.Clone(p.Applied.sealed), fresh: maps.Clone(p.Applied.fresh)},
		Orphans: slices.Clone(p.Orphans), Seq: p.Seq}
	for k, v := range p.Invoices {
		inv := *v
		c.Invoices[k] = &inv
	}
	return c
}

// usersView is a deep copy of d's persisted state, without the lazy name index.
func usersView(d *Users) *Users {
	c := &Users{ByID: make(map[UserID]*User, len(d.ByID)), Seq: d.Seq}
	for k, v := range d.ByID {
		u := *v
		c.ByID[k] = &u
	}
	return c
}

// sameState fails t when got and want differ deeply.
func sameState(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s differs:\n got  %+v\n want %+v", what, got, want)
	}
}

// roundTrip encodes r and decodes it back, failing t on any error.
func roundTrip(t testing.TB, r Record) Record {
	t.Helper()
	b, err := EncodeRecord(r)
	if err != nil {
		t.Fatalf("EncodeRecord(%T): %v", r.Event, err)
	}
	got, err := DecodeRecord(b)
	if err != nil {
		t.Fatalf("DecodeRecord(%T): %v", r.Event, err)
	}
	return got
}

// unmarshalReflect decodes b into v as the state decoders do: msgpack by
// reflection, then every time in UTC (codec_time.go). For the test-only
// plain copies of the hand-written states, which have no DecodeMsgpack.
func unmarshalReflect(b []byte, v any) error {
	if err := msgpack.Unmarshal(b, v); err != nil {
		return err
	}
	inUTC(v)
	return nil
}
