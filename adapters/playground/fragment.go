package playground

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"sort"
	"time"

	"allot/actors"
	"allot/adapters/fragment"
	"allot/adapters/fragment/fragmenttest"
	"allot/adapters/telegram"
	"allot/domain"
)

// ErrUnknownNumber is a login from the simulated app to a number the
// playground's Fragment account does not hold.
var ErrUnknownNumber = errors.New("playground: no such number on Fragment")

// Fragment is the playground's fragment.com: the fake (fragmenttest) on a
// loopback port, and the real client pointed at it. Give the engine
// Client() for its hand-overs; the bot's login codes go through the same
// client. It is safe for concurrent use.
type Fragment struct {
	fake   *fragmenttest.Server
	client *fragment.Client
}

// StartFragment starts the fake fragment.com, with no numbers yet (New
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

// own makes every catalogue number one of the account's, so that the
// hand-overs, the codes and the catalogue sync find them.
func (f *Fragment) own(ctx context.Context, eng *actors.Engine) []actors.NumberView {
	page := eng.Catalogue(ctx, 0, 1<<20)
	for _, n := range page.Numbers {
		f.fake.AddNumber(n.ID)
	}
	return page.Numbers
}

// align switches login codes off on numbers nobody holds: the fake starts
// every number with codes on, the engine has them on only while rented.
// It runs once, at start, so a restarted playground shows the truth.
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
// account's (see own).
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

// view lists the catalogue's numbers with their state at the fake, and
// makes any number added since the start the account's.
func (f *Fragment) view(ctx context.Context, eng *actors.Engine) []FragmentNumber {
	numbers := f.own(ctx, eng)
	out := make([]FragmentNumber, 0, len(numbers))
	for _, n := range numbers {
		out = append(out, FragmentNumber{Number: n.ID, CodesOn: f.fake.LoginCodesOn(n.ID),
			Sessions: f.fake.Sessions(n.ID), Ended: f.fake.Terminations(n.ID), Status: n.Status.String()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// codes is the client as the bot's port: Fragment's "not ours" becomes
// the bot's, as cmd/allot does for the real relay.
type codes struct{ c *fragment.Client }

func (c codes) LoginCodes(ctx context.Context, number string) ([]domain.LoginCode, error) {
	got, err := c.c.LoginCodes(ctx, number)
	if errors.Is(err, fragment.ErrNotOwned) {
		err = fmt.Errorf("%w: %w", telegram.ErrCodesNotOwned, err)
	}
	return got, err
}

// owned is the client as the catalogue sync's port, for the admin's
// /sync_numbers.
type owned struct{ c *fragment.Client }

func (o owned) MyNumbers(ctx context.Context) ([]domain.OwnedNumber, error) {
	got, err := o.c.MyNumbers(ctx)
	out := make([]domain.OwnedNumber, len(got))
	for i, n := range got {
		out[i] = domain.OwnedNumber{Number: n.Number, Restricted: n.Restricted}
	}
	return out, err
}

var (
	_ telegram.LoginCodes = codes{}
	_ actors.OwnedNumbers = owned{}
)

// fragmentState is the simulated Telegram app's view: every number, whether
// its login codes reach Fragment and how many sessions it has.
func (p *Playground) fragmentState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]FragmentNumber{"numbers": p.frag.view(r.Context(), p.eng)})
}

// logIn is the simulated app's "Log in with this number". The answer
// carries the code for tests; the page does not show it: the renter reads
// it through the bot, as on Telegram.
func (p *Playground) logIn(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Number string `json:"number"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if !slices.ContainsFunc(p.frag.view(r.Context(), p.eng), func(n FragmentNumber) bool { return n.Number == req.Number }) {
		fail(w, ErrUnknownNumber)
		return
	}
	code, err := p.frag.LogIn(req.Number)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"code": code})
}
