package pgstore

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestStore_leases(t *testing.T) {
	t.Parallel()
	s, url := newStore(t)
	ctx := ctxT(t)
	const name = "payment-watcher"
	e1, err := s.AcquireLease(ctx, name, "member-a", time.Minute)
	if err != nil || e1 != 1 {
		t.Fatalf("first acquire: epoch %d, %v", e1, err)
	}
	// Held: another holder is refused, the holder itself renews in place.
	if _, err := s.AcquireLease(ctx, name, "member-b", time.Minute); !errors.Is(err, ErrLeaseHeld) || !strings.Contains(err.Error(), "member-a") {
		t.Fatalf("acquire of a held lease: %v", err)
	}
	if e, err := s.AcquireLease(ctx, name, "member-a", time.Minute); err != nil || e != e1 {
		t.Fatalf("re-acquire by the holder: epoch %d, %v; want %d", e, err, e1)
	}
	if err := s.RenewLease(ctx, name, "member-a", e1, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCursor(ctx, name, e1, []byte("offset-10")); err != nil {
		t.Fatal(err)
	}

	// Expiry (judged by the database clock): make it expire now.
	conn := db(t, url)
	if _, err := conn.Exec(ctx, "UPDATE allot_leases SET expires_at = now() - interval '1 second' WHERE name = $1", name); err != nil {
		t.Fatal(err)
	}
	if err := s.RenewLease(ctx, name, "member-a", e1, time.Minute); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("renew after expiry: %v", err)
	}
	if err := s.PutCursor(ctx, name, e1, []byte("expired")); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("cursor write after expiry: %v", err)
	}
	e2, err := s.AcquireLease(ctx, name, "member-b", time.Minute)
	if err != nil || e2 != e1+1 {
		t.Fatalf("takeover: epoch %d, %v; want %d", e2, err, e1+1)
	}
	// The old holder's epoch is fenced; the new one reads its cursor.
	if err := s.PutCursor(ctx, name, e1, []byte("zombie")); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("stale cursor write: %v", err)
	}
	v, ep, found, err := s.GetCursor(ctx, name)
	if err != nil || !found || string(v) != "offset-10" || ep != e1 {
		t.Fatalf("GetCursor = %q epoch %d found %v err %v", v, ep, found, err)
	}
	if err := s.PutCursor(ctx, name, e2, []byte("offset-11")); err != nil {
		t.Fatal(err)
	}
}

// TestStore_ReleaseLease: a released lease lets the next holder in at
// once, with a new epoch, and fences the released epoch's cursor writes.
func TestStore_ReleaseLease(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := ctxT(t)
	const name = "long-poller"
	e1, err := s.AcquireLease(ctx, name, "member-b", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseLease(ctx, name, "member-b", e1); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCursor(ctx, name, e1, []byte("after release")); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("cursor write after release: %v", err)
	}
	if e2, err := s.AcquireLease(ctx, name, "member-a", time.Minute); err != nil || e2 != e1+1 {
		t.Fatalf("acquire after release: epoch %d, %v; want %d", e2, err, e1+1)
	}
	if _, _, found, err := s.GetCursor(ctx, "never-written"); err != nil || found {
		t.Fatalf("GetCursor of a missing cursor: found %v, %v", found, err)
	}
	if err := s.PutCursor(ctx, "no-such-lease", 1, nil); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("cursor without a lease: %v", err)
	}
	if _, err := s.AcquireLease(ctx, name, "x", 0); err == nil {
		t.Fatal("a zero ttl was accepted")
	}
}

// TestStore_leaseTTL lets a short lease run out on the database clock.
func TestStore_leaseTTL(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := ctxT(t)
	e1, err := s.AcquireLease(ctx, "scheduler", "a", 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	for {
		e2, err := s.AcquireLease(ctx, "scheduler", "b", time.Minute)
		if errors.Is(err, ErrLeaseHeld) {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if err != nil || e2 != e1+1 {
			t.Fatalf("acquire after expiry: epoch %d, %v; want %d", e2, err, e1+1)
		}
		return
	}
}
