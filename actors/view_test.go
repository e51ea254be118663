package actors

import (
	"context"
	"errors"
	"testing"

	"allot/domain"
)

func TestCatalogueAndRentalsFollowEveryChange(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	e := openTest(t, dir, c, nil)
	seed(t, e, domain.TON(100), num1, num2, "+88800000003")
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "r1", alice, num2, 30); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OfferTransfer(ctx, "t1", alice, num2, "@Bob"); err != nil {
		t.Fatal(err)
	}
	p := e.Catalogue(ctx, 1, 2)
	if p.Pages != 2 || p.Page != 1 || len(p.Numbers) != 1 || p.Numbers[0].ID != "+88800000003" {
		t.Fatalf("page 1: %+v", p)
	}
	if p := e.Catalogue(ctx, 99, 2); p.Page != 1 {
		t.Fatalf("a page past the end: %+v", p)
	}
	rented, offered := e.RentalsOf(ctx, alice)
	if len(rented) != 1 || rented[0].ID != num2 || rented[0].Status != domain.StatusRented || len(offered) != 0 {
		t.Fatalf("alice: %+v %+v", rented, offered)
	}
	if _, offered := e.RentalsOf(ctx, bob); len(offered) != 1 || offered[0].ID != num2 {
		t.Fatalf("bob's offers: %+v", offered)
	}
	// After a restart the view is rebuilt from the restored state.
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	e = openTest(t, dir, c, nil)
	if rented, _ := e.RentalsOf(ctx, alice); len(rented) != 1 || rented[0].ID != num2 {
		t.Fatalf("after restart: %+v", rented)
	}
	if v := e.Catalogue(ctx, 0, 10); len(v.Numbers) != 3 {
		t.Fatalf("catalogue after restart: %+v", v)
	}
	if price, ok := e.PriceOf(e.Catalogue(ctx, 0, 10).Numbers[0], 30); !ok || price <= 0 {
		t.Fatalf("price: %v %v", price, ok)
	}
}

func TestARemovedNumberLeavesTheCatalogueAndComesBackWhenAdded(t *testing.T) {
	c := newClock()
	e := openTest(t, t.TempDir(), c, nil)
	seed(t, e, domain.TON(100), num1, num2)
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "r1", alice, num2, 30); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RemoveNumber(ctx, admin, num2); !errors.Is(err, domain.ErrNotAvailable) {
		t.Fatalf("removing a rented number: %v", err)
	}
	if p := e.Catalogue(ctx, 0, 10); len(p.Numbers) != 2 { // the page's list is kept from here
		t.Fatalf("catalogue before removal: %+v", p)
	}
	if _, err := e.RemoveNumber(ctx, admin, num1); err != nil {
		t.Fatal(err)
	}
	if p := e.Catalogue(ctx, 0, 10); len(p.Numbers) != 1 || p.Numbers[0].ID != num2 {
		t.Fatalf("catalogue after removal: %+v", p)
	}
	if _, err := e.RentFromBalance(ctx, "r2", bob, num1, 30); !errors.Is(err, domain.ErrNumberNotFound) {
		t.Fatalf("renting a removed number: %v", err)
	}
	if _, err := e.AddNumber(ctx, admin, num1); err != nil {
		t.Fatal(err)
	}
	if p := e.Catalogue(ctx, 0, 10); len(p.Numbers) != 2 {
		t.Fatalf("catalogue after adding it back: %+v", p)
	}
	if _, err := e.AddNumber(ctx, admin, "+888 0000 0999"); err != nil {
		t.Fatal(err)
	}
	if p := e.Catalogue(ctx, 0, 10); len(p.Numbers) != 3 || p.Numbers[2].ID != "+88800000999" {
		t.Fatalf("catalogue after a new number: %+v", p)
	}
	page, _ := e.AuditLog(ctx, 0, 10)
	if len(page.Entries) == 0 || page.Entries[len(page.Entries)-1].Action == "" {
		t.Fatalf("audit: %+v", page)
	}
	mustCheck(t, e)
}
