package actors

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"allot/domain"
)

// TestEngine_OfferByID: an offer to a person named by id goes through the
// register that knows them to the number, and answers as the offer by
// username does: refused for a stranger, for oneself and for a number not
// in the catalogue, and made, once, for a person who started the bot.
func TestEngine_OfferByID(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	seed(t, e, domain.TON(100), num1)
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "rent", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	id := func(u domain.UserID) string { return strconv.FormatInt(int64(u), 10) }
	for _, tc := range []struct {
		name, number, to string
		want             error
	}{
		{"a stranger", num1, "424242", domain.ErrUnknownUser},
		{"not canonical", num1, "+" + id(bob), domain.ErrUnknownUser},
		{"oneself", num1, id(alice), domain.ErrSelfTransfer},
		{"a number never added", num2, id(bob), domain.ErrNumberNotFound},
	} {
		if _, err := e.OfferTransfer(ctx, "t-"+domain.OpID(tc.name), alice, tc.number, tc.to); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if n := mustNumber(t, e, num1); n.Offer != nil {
		t.Fatalf("a refused offer left %+v", n.Offer)
	}
	n, err := e.OfferTransfer(ctx, "t-bob", alice, num1, " "+id(bob)+" ")
	if err != nil || n.Offer == nil || n.Offer.To != bob {
		t.Fatalf("offer to bob by id = %+v, %v", n, err)
	}
	if _, err := e.OfferTransfer(ctx, "t-bob", alice, num1, id(bob)); !errors.Is(err, domain.ErrDuplicateOp) {
		t.Errorf("the same offer again: err = %v, want %v", err, domain.ErrDuplicateOp)
	}
	if _, err := e.AcceptTransfer(ctx, bob, num1); err != nil {
		t.Fatalf("AcceptTransfer: %v", err)
	}
	mustCheck(t, e)
}

// TestEngine_FindUserByNameAcrossRegisters: a username is looked for in
// every users register at once, and of two people in different registers
// holding it, the one Telegram reported most recently holds it; seen at
// the same moment, the lower id.
func TestEngine_FindUserByNameAcrossRegisters(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	ctx := ctxT(t)
	const carol, dan domain.UserID = 2001, 2018 // registers 1 and 2; alice is in register 9
	if userShard(carol) == userShard(alice) || userShard(dan) == userShard(alice) || userShard(carol) == userShard(dan) {
		t.Fatal("the test needs three registers")
	}
	see := func(u domain.UserID, name string) {
		t.Helper()
		mustOK(t, e.SeeUser(ctx, domain.User{ID: u, Username: name}))
	}
	find := func(ref string) domain.UserID {
		t.Helper()
		u, err := e.FindUser(ctx, ref)
		if err != nil {
			t.Fatalf("FindUser(%s): %v", ref, err)
		}
		return u.ID
	}
	see(alice, "alice")
	c.Add(time.Minute)
	see(carol, "Alice") // alice renamed without our seeing it; carol took the name
	if got := find("@alice"); got != carol {
		t.Errorf("@alice = %d, want carol, seen last", got)
	}
	c.Add(time.Minute)
	see(alice, "alice2")
	see(alice, "alice") // seen again with it: hers again
	if got := find("@ALICE"); got != alice {
		t.Errorf("@ALICE = %d, want alice, seen last", got)
	}
	see(dan, "twin")
	see(carol, "twin") // the same moment on the engine's clock
	if got := find("@twin"); got != carol {
		t.Errorf("@twin = %d, want carol, the lower id of two seen at once", got)
	}
	if _, err := e.FindUser(ctx, "@nobody"); !errors.Is(err, domain.ErrUnknownUser) {
		t.Errorf("@nobody: err = %v, want %v", err, domain.ErrUnknownUser)
	}
}
