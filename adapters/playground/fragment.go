package playground

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"sort"
	"time"

	"allot/actors"
	"allot/adapters/fragment"
	"allot/adapters/fragment/fragmenttest"
	"allot/domain"
)

// Fragment is the playground's fragment.com: the fake (fragmenttest) on a
// loopback port, and the real client pointed at it. Give the engine
// Client() for its hand-overs; the bot's login codes go through the same
// client. It is safe for concurrent use.
type Fragment struct {
	fake   *fragmenttest.Server
	client *fragment.Client
}

// StartFragment starts the fake fragment.com, with no numbers yet (Align
// gives it the catalogue's), and the client logged in to it.
func StartFragment() (*Fragment, error) {
	fake := fragmenttest.New()
	ck, err := fragment.ParseCookies(fake.Cookies())
	if err == nil {
		var c *fragment.Client
		// Loopback: no need to be as polite as with fragment.com.
		if c, err = fragment.New(fragment.Options{BaseURL: fake.URL(), Cookies: ck, Rate: 50, Burst: 50}); err == nil {
			return &Fragment{fake: fake, client: c}, nil
		}
	}
	fake.Close()
	return nil, fmt.Errorf("playground: fake Fragment: %w", err)
}

// Client is the real Fragment client talking to the fake.
func (f *Fragment) Client() *fragment.Client { return f.client }

// Fake is the fake fragment.com, for tests that look at it directly.
func (f *Fragment) Fake() *fragmenttest.Server { return f.fake }

// URL is the fake's base URL.
func (f *Fragment) URL() string { return f.fake.URL() }

// Cookies is a Cookie header logged in to the fake.
func (f *Fragment) Cookies() string { return f.fake.Cookies() }

// Close stops the client and the fake. Best after the engine closed: a
// hand-over still owed then fails and is resumed at the next start, against
// a new fake.
func (f *Fragment) Close() {
	_ = f.client.Close()
	f.fake.Close()
}

// Catalogue is where the fake learns which numbers the account holds and
// who holds them; *actors.Engine is one. Safe for concurrent use.
type Catalogue interface {
	Catalogue(ctx context.Context, page, size int) actors.CataloguePage
}

// Align makes every number of cat the account's, so that the hand-overs,
// the codes and the catalogue sync find them, and switches login codes off
// on numbers nobody holds: the fake starts every number with codes on, the
// engine has them on only while rented. Call it once, at start, so that a
// restarted playground shows the truth.
func (f *Fragment) Align(ctx context.Context, cat Catalogue) {
	f.align(ctx, f.own(ctx, cat))
}

// own makes every catalogue number one of the account's.
func (f *Fragment) own(ctx context.Context, cat Catalogue) []actors.NumberView {
	page := cat.Catalogue(ctx, 0, 1<<20)
	for _, n := range page.Numbers {
		f.fake.AddNumber(n.ID)
	}
	return page.Numbers
}

// align switches login codes off on numbers nobody holds.
func (f *Fragment) align(ctx context.Context, numbers []actors.NumberView) {
	for _, n := range numbers {
		held := n.Status == domain.StatusRented || n.Status == domain.StatusReserved || n.Status == domain.StatusHandover
		if !held && f.fake.LoginCodesOn(n.ID) {
			_ = f.client.SetLoginCodes(ctx, n.ID, false) // a failure leaves the page showing "on", no more
		}
	}
}

// LogIn is someone logging in to Telegram with number in the simulated
// app: a fresh 5-digit code arrives at Fragment (lost when codes are off,
// as on Telegram) and the app gets a session. The number must be the
// account's (see Align).
func (f *Fragment) LogIn(number string) (string, error) {
	k, err := rand.Int(rand.Reader, big.NewInt(100000))
	if err != nil {
		return "", err
	}
	code := fmt.Sprintf("%05d", k.Int64())
	// Fragment's page gives times to the second: a code stamped in the
	// second the rental began would read as older than the rental, and the
	// bot would hide it. Stamp it at the next whole second.
	f.fake.ArriveCode(number, code, time.Now().Truncate(time.Second).Add(time.Second))
	f.fake.AddSession(number)
	return code, nil
}

// FragmentNumber is a number of the account as the page's simulated
// Telegram app shows it.
type FragmentNumber struct {
	Number   string `json:"number"`
	CodesOn  bool   `json:"codes_on"`
	Sessions int    `json:"sessions"`
	Ended    int    `json:"ended"` // times Fragment ended all its sessions
	Status   string `json:"status"`
}

// Numbers lists the numbers of cat with their state at the fake, and makes
// any number added since the start the account's.
func (f *Fragment) Numbers(ctx context.Context, cat Catalogue) []FragmentNumber {
	numbers := f.own(ctx, cat)
	out := make([]FragmentNumber, 0, len(numbers))
	for _, n := range numbers {
		out = append(out, FragmentNumber{Number: n.ID, CodesOn: f.fake.LoginCodesOn(n.ID),
			Sessions: f.fake.Sessions(n.ID), Ended: f.fake.Terminations(n.ID), Status: n.Status.String()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}
