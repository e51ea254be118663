package telegram

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

// ownedList is the operator's Fragment account as the sync reads it; err
// answers instead while set.
type ownedList struct {
	mu   sync.Mutex
	list []domain.OwnedNumber
	err  error
}

var _ actors.OwnedNumbers = (*ownedList)(nil)

func (o *ownedList) MyNumbers(context.Context) ([]domain.OwnedNumber, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.list), o.err
}

// set makes the account hold numbers, "!" after one meaning restricted.
func (o *ownedList) set(err error, numbers ...string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.list, o.err = nil, err
	for _, n := range numbers {
		id, r := strings.CutSuffix(n, "!")
		o.list = append(o.list, domain.OwnedNumber{Number: id, Restricted: r})
	}
}

// syncWorld is a world whose bot syncs with acc (nil: the relay is off).
func syncWorld(t *testing.T, acc *ownedList) *world {
	t.Helper()
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	clock := &testClock{t: time.Now().UTC().Add(-time.Minute).Truncate(time.Second)}
	return newWorldWith(t, srv, t.TempDir(), clock, func(_ *actors.Options, c *Config) {
		if acc != nil {
			c.Numbers = acc
		}
	}, roomyLimits)
}

// syncNow runs /sync_numbers as the admin and returns the answer.
func (w *world) syncNow(parts ...string) telegramtest.Message {
	w.t.Helper()
	before := lastID(w.srv, admin)
	w.srv.Command(admin, "sync_numbers", "")
	return w.seeOn(admin, -before, parts...)
}

const (
	sn1 = "+88800000001"
	sn2 = "+88800000002"
	sn3 = "+88800000003"
	sn4 = "+88800000004"
	sn5 = "+88800000005"
)

func TestSyncNumbers_Command(t *testing.T) {
	acc := &ownedList{}
	w := syncWorld(t, acc)
	w.rentByHand(alice, sn2)
	w.admin("add_number", sn1)
	w.admin("add_number", sn5)
	w.admin("block", sn5+" abuse")

	// sn2 left the account while alice rents it, sn3 and sn4 came (sn4
	// restricted), and the admin's own block on sn5 is none of the sync's.
	acc.set(nil, sn1, sn3, sn4+"!", sn5)
	w.syncNow("it lists 4; the catalogue had 3",
		"Added (2), at the default prices: "+sn3+", "+sn4,
		"Blocked (2), no longer in the account or restricted there; rentals keep running: "+sn2+", "+sn4)
	n := w.number(sn2)
	if !n.Blocked || n.Reason != domain.SyncNotOwned || n.Renter() != domain.UserID(alice.ID) {
		t.Errorf("%s: blocked %v (%q), renter %d: want blocked, alice's rental kept", sn2, n.Blocked, n.Reason, n.Renter())
	}
	if n := w.number(sn5); n.Reason != "abuse" {
		t.Errorf("the admin's block on %s became %q", sn5, n.Reason)
	}
	w.wantAudit("number.block", sn2, domain.SyncNotOwned)

	acc.set(nil, sn1, sn2, sn3, sn4, sn5)
	w.syncNow("Unblocked (2), in the account again: " + sn2 + ", " + sn4)
	if n := w.number(sn5); n.Reason != "abuse" {
		t.Errorf("the sync lifted the admin's block on %s", sn5)
	}
	w.syncNow("Nothing to change")

	acc.set(nil)
	w.syncNow("Fragment listed no numbers while the catalogue has 5: nothing was blocked")
	acc.set(errors.New("fragment: session expired"))
	w.syncNow("could not be read: fragment: session expired. Nothing was changed")
	for _, id := range []string{sn1, sn2, sn3, sn4} {
		if w.number(id).Blocked {
			t.Errorf("%s blocked by a sync that was refused", id)
		}
	}

	w.barrier(alice, "Hello, Alice")
	before := lastID(w.srv, alice)
	w.srv.Command(alice, "sync_numbers", "")
	w.seeOn(alice, -before, "admins only")
}

func TestSyncNumbers_RelayOff(t *testing.T) {
	w := syncWorld(t, nil)
	w.syncNow("not configured", "FRAGMENT_COOKIES")
}

func TestBot_AlertNumbersSync(t *testing.T) {
	w := syncWorld(t, &ownedList{})
	w.barrier(admin, "Hello")
	var many []string
	for i := range 12 {
		many = append(many, fmt.Sprintf("+888000001%02d", i))
	}
	w.bot.AlertNumbersSync(actors.SyncReport{Blocked: many, Owned: 3, Catalogue: 15}, nil)
	w.see(admin, "periodic sync", "Blocked (12)", "+88800000109 … +2")
	w.bot.AlertNumbersSync(actors.SyncReport{Owned: 3, Catalogue: 3}, nil) // nothing changed: not told
	w.bot.AlertNumbersSync(actors.SyncReport{Owned: 1, Catalogue: 3}, actors.ErrSyncForeign)
	w.see(admin, "periodic sync", "none of them in the catalogue")
	w.barrier(admin, "Hello")
	if n := saw(w.srv, admin, "periodic sync"); n != 2 {
		t.Errorf("the admin was told %d times, want twice (a change, a refusal)", n)
	}
}

func TestNewCollector_LoginCodesShown(t *testing.T) {
	fake := newFakeCodes()
	w, _ := codeWorld(t, fake, time.Minute, 10*time.Millisecond)
	card := w.rentByHand(alice, codeNumber)
	shown := func() float64 {
		return gather(t, NewCollector(func() *Bot { return w.bot }))["allot_telegram_login_codes_shown_total"]
	}
	w.press(alice, card, "🔑 Login code")
	w.seeOn(alice, card.ID, "No login code")
	if n := shown(); n != 0 {
		t.Errorf("%v codes counted before one came", n)
	}
	fake.Arrive(codeNumber, "31337", time.Now())
	w.see(alice, "A new login code", "31337")
	if n := shown(); n != 1 {
		t.Errorf("%v codes counted, want 1", n)
	}
}

func (w *world) number(id string) *domain.Number {
	w.t.Helper()
	n, err := w.eng.Number(context.Background(), id)
	if err != nil {
		w.t.Fatalf("Number(%s): %v", id, err)
	}
	return n
}

// wantAudit checks that the admin's audit log has the line.
func (w *world) wantAudit(action, target, detail string) {
	w.t.Helper()
	if err := w.eng.Drain(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	p, err := w.eng.AuditLog(context.Background(), 0, 50)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, e := range p.Entries {
		if e.Actor == owner && e.Action == action && e.Target == target && e.Detail == detail {
			return
		}
	}
	w.t.Errorf("no audit line %s %s %q by the admin in %+v", action, target, detail, p.Entries)
}
