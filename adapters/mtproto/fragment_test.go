package mtproto_test

import (
	"context"
	"testing"
	"time"

	"allot/adapters/fragment"
	"allot/adapters/fragment/fragmenttest"
	"allot/adapters/mtproto"
	"allot/adapters/mtproto/mtprototest"
	"allot/domain"
)

// The fragment client is the Codes the checker runs with: a check goes
// through against a fake fragment.com that receives the fake Telegram's
// codes, with an older code already showing there.
func TestChecker_CheckAccount_fragmentClient(t *testing.T) {
	t.Parallel()
	frag := fragmenttest.New()
	t.Cleanup(frag.Close)
	frag.AddNumber(num)
	ck, err := fragment.ParseCookies(frag.Cookies())
	if err != nil {
		t.Fatal(err)
	}
	client, err := fragment.New(fragment.Options{BaseURL: frag.URL(), Cookies: ck, Rate: 1000, Burst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := client.SetLoginCodes(ctx, num, true); err != nil {
		t.Fatal(err)
	}
	frag.ArriveCode(num, "97531", time.Now().Add(-time.Minute))

	var _ mtproto.Codes = client
	e := newEnv(t, func(o *mtproto.Options) { o.Codes = client })
	e.Deliver(func(number, code string) { frag.ArriveCode(number, code, time.Now()) })
	e.srv.AddAccount(num, mtprototest.Account{})
	e.mustVerdict(t, num, domain.AccountClean)
	if got := e.srv.Sessions(num); got != 0 {
		t.Errorf("Sessions = %d, want 0", got)
	}
}
