package fragment_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"allot/adapters/fragment"
	"allot/adapters/fragment/fragmenttest"
	"allot/domain"
)

// target is what the contract runs against: a client, a number of its
// account, and the fake behind it (nil for the real fragment.com, where
// nothing can be arranged and only what holds anyway is checked).
type target struct {
	c           *fragment.Client
	number      string
	fake        *fragmenttest.Server
	destructive bool // may end sessions and toggle codes on the number
}

// TestContract_Fake runs the contract against the fake in each of the
// variants the real protocol may have.
func TestContract_Fake(t *testing.T) {
	variants := map[string][]fragmenttest.Option{
		"default":                {},
		"toggle replies {}":      {fragmenttest.WithToggleReply(fragmenttest.ToggleEmptyJSON)},
		"toggle replies nothing": {fragmenttest.WithToggleReply(fragmenttest.ToggleNoBody)},
		"html left out":          {fragmenttest.WithUnchangedHTMLOmitted(true)},
		"terminate_hash always":  {fragmenttest.WithTerminateHashWhenIdle(true)},
		"plain apiUrl":           {fragmenttest.WithAPIURL(fragmenttest.APIURLPlain)},
		"absolute apiUrl":        {fragmenttest.WithAPIURL(fragmenttest.APIURLAbsolute)},
		"pages of one":           {fragmenttest.WithPageSize(1)},
		"pages of one with href": {fragmenttest.WithPageSize(1), fragmenttest.WithNextHref(true)},
	}
	for name, opts := range variants {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, opts, nil)
			e.srv.AddNumber("+88800000001")
			e.srv.AddNumber("+88899999999")
			runContract(t, target{c: e.c, number: num1, fake: e.srv, destructive: true})
		})
	}
}

// TestContract_Real runs the contract against fragment.com itself when
// FRAGMENT_COOKIES (a browser's Cookie header) and FRAGMENT_TEST_NUMBER
// (a number of that account) are set; FRAGMENT_TEST_DESTRUCTIVE=1 also
// ends the number's sessions and turns its codes on. It needs
// credentials, so CI skips it like everyone else.
func TestContract_Real(t *testing.T) {
	header, number := os.Getenv("FRAGMENT_COOKIES"), os.Getenv("FRAGMENT_TEST_NUMBER")
	if header == "" || number == "" {
		t.Skip("FRAGMENT_COOKIES and FRAGMENT_TEST_NUMBER are not set")
	}
	c, err := fragment.New(fragment.Options{BaseURL: os.Getenv("FRAGMENT_URL"), Cookies: mustCookies(t, header)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	runContract(t, target{c: c, number: number, destructive: os.Getenv("FRAGMENT_TEST_DESTRUCTIVE") == "1"})
}

func runContract(t *testing.T, tg target) {
	t.Run("MyNumbers lists the number", func(t *testing.T) { contractMyNumbers(t, tg) })
	t.Run("LoginCodes", func(t *testing.T) { contractLoginCodes(t, tg) })
	t.Run("SetLoginCodes", func(t *testing.T) { contractSetLoginCodes(t, tg) })
	t.Run("TerminateSessions", func(t *testing.T) { contractTerminate(t, tg) })
	t.Run("a number not the account's", func(t *testing.T) { contractNotOwned(t, tg) })
	if h := tg.c.Health(); h.State != fragment.HealthOK {
		t.Errorf("Health after the contract = %+v, want ok", h)
	}
}

func contractMyNumbers(t *testing.T, tg target) {
	nums, err := tg.c.MyNumbers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(nums, func(n fragment.OwnedNumber) bool { return n.Number == tg.number }) {
		t.Fatalf("MyNumbers has %d numbers, not %s", len(nums), tg.number)
	}
	if tg.fake != nil && len(nums) != 3 {
		t.Errorf("MyNumbers has %d numbers, want 3: %+v", len(nums), nums)
	}
}

func contractLoginCodes(t *testing.T, tg target) {
	ctx := context.Background()
	codes, err := tg.c.LoginCodes(ctx, tg.number)
	if err != nil {
		t.Fatal(err)
	}
	if tg.fake == nil {
		checkCodesShape(t, codes)
		return
	}
	if len(codes) != 0 {
		t.Fatalf("a number without codes has %d", len(codes))
	}
	t1 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	tg.fake.ArriveCode(tg.number, "52817", t1)
	tg.fake.ArriveCode(tg.number, "60493", t1.Add(time.Minute))
	codes, err = tg.c.LoginCodes(ctx, tg.number)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 2 || codes[0].Code != "60493" || codes[1].Code != "52817" ||
		!codes[0].At.Equal(t1.Add(time.Minute)) || !codes[1].At.Equal(t1) {
		t.Errorf("codes = %d, want 60493 then 52817 with their times", len(codes))
	}
}

// checkCodesShape checks what holds of any real list: digits, newest first.
func checkCodesShape(t *testing.T, codes []domain.LoginCode) {
	for i, c := range codes {
		if len(c.Code) < 4 || len(c.Code) > 8 {
			t.Errorf("code %d has %d characters", i, len(c.Code))
		}
		if i > 0 && !c.At.IsZero() && c.At.After(codes[i-1].At) {
			t.Errorf("code %d is newer than code %d", i, i-1)
		}
	}
}

func contractSetLoginCodes(t *testing.T, tg target) {
	if !tg.destructive {
		t.Skip("FRAGMENT_TEST_DESTRUCTIVE is not 1")
	}
	ctx := context.Background()
	for _, on := range []bool{false, false, true, true} {
		if tg.fake == nil && !on {
			continue // never leave a real number without its codes
		}
		if err := tg.c.SetLoginCodes(ctx, tg.number, on); err != nil {
			t.Fatalf("SetLoginCodes(%v): %v", on, err)
		}
		if tg.fake != nil && tg.fake.LoginCodesOn(tg.number) != on {
			t.Fatalf("after SetLoginCodes(%v) the fake says %v", on, !on)
		}
	}
}

func contractTerminate(t *testing.T, tg target) {
	if !tg.destructive {
		t.Skip("FRAGMENT_TEST_DESTRUCTIVE is not 1")
	}
	ctx := context.Background()
	if tg.fake != nil {
		tg.fake.AddSession(tg.number)
		tg.fake.AddSession(tg.number)
	}
	for i := range 2 { // the second call finds nothing to end: still nil
		if err := tg.c.TerminateSessions(ctx, tg.number); err != nil {
			t.Fatalf("TerminateSessions #%d: %v", i+1, err)
		}
	}
	if tg.fake != nil && (tg.fake.Sessions(tg.number) != 0 || tg.fake.Terminations(tg.number) < 1) {
		t.Errorf("sessions %d, terminations %d; want 0 and at least 1",
			tg.fake.Sessions(tg.number), tg.fake.Terminations(tg.number))
	}
}

func contractNotOwned(t *testing.T, tg target) {
	if tg.fake == nil {
		t.Skip("no number known not to be the account's on fragment.com, and the real wording is unknown")
	}
	ctx := context.Background()
	const other = "+88855555555"
	_, err := tg.c.LoginCodes(ctx, other)
	errs := []error{err, tg.c.TerminateSessions(ctx, other), tg.c.SetLoginCodes(ctx, other, true)}
	for i, err := range errs {
		if !errors.Is(err, fragment.ErrNotOwned) {
			t.Errorf("call %d on a number not the account's: %v, want ErrNotOwned", i, err)
		}
	}
}
