package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"allot/actors"
	"allot/adapters/fragment"
	"allot/adapters/httpapi"
	"allot/adapters/telegram"
	"allot/domain"
)

// fragmentConfig is the login-code relay's settings: the operator's
// fragment.com login (FRAGMENT_COOKIES, the seed's name, or a file named
// by FRAGMENT_COOKIES_FILE that is re-read when it changes), FRAGMENT_URL,
// and the pace (FRAGMENT_RATE requests a second, CODE_WATCH for how long a
// renter's wait for a code lasts). Without cookies the relay is off.
type fragmentConfig struct {
	Cookies     fragment.Cookies
	CookiesFile string
	URL         string
	Rate        float64
	CodeWatch   time.Duration
}

func (f fragmentConfig) enabled() bool { return !f.Cookies.IsZero() || f.CookiesFile != "" }

// fragmentFromEnv reads the relay's settings; each error names its
// variable and never quotes a cookie.
func fragmentFromEnv(getenv func(string) string) (fragmentConfig, error) {
	var c fragmentConfig
	var errs []error
	bad := func(name string, err error) { errs = append(errs, fmt.Errorf("%s: %w", name, err)) }
	header, file := strings.TrimSpace(getenv("FRAGMENT_COOKIES")), strings.TrimSpace(getenv("FRAGMENT_COOKIES_FILE"))
	switch {
	case header != "" && file != "":
		bad("FRAGMENT_COOKIES", errors.New("set it or FRAGMENT_COOKIES_FILE, not both"))
	case header != "":
		ck, err := fragment.ParseCookies(header)
		if err != nil {
			bad("FRAGMENT_COOKIES", err)
		}
		c.Cookies = ck
	case file != "":
		ck, err := readCookiesFile(file)
		if err != nil {
			bad("FRAGMENT_COOKIES_FILE", err)
		}
		c.Cookies, c.CookiesFile = ck, file
	}
	c.URL = fragment.DefaultBaseURL
	if v := strings.TrimSpace(getenv("FRAGMENT_URL")); v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("FRAGMENT_URL", fmt.Errorf("want an http(s) URL, got %q", v))
		}
		c.URL = strings.TrimRight(v, "/")
	}
	if v := strings.TrimSpace(getenv("FRAGMENT_RATE")); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 || r > 20 {
			bad("FRAGMENT_RATE", fmt.Errorf("want requests a second, more than 0 and at most 20, got %q", v))
		}
		c.Rate = r
	}
	if v := strings.TrimSpace(getenv("CODE_WATCH")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 10*time.Second || d > time.Hour {
			bad("CODE_WATCH", fmt.Errorf("want a duration from 10s to 1h, got %q", v))
		}
		c.CodeWatch = d
	}
	return c, errors.Join(errs...)
}

// readCookiesFile reads a cookie header from a file (a browser's Cookie
// line, trailing newline and all).
func readCookiesFile(path string) (fragment.Cookies, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return fragment.Cookies{}, err
	}
	return fragment.ParseCookies(strings.TrimSpace(string(b)))
}

// relay is the running login-code relay: the Fragment client, and what
// keeps its login fresh and tells the admins when it is lost.
type relay struct {
	client *fragment.Client
	stop   context.CancelFunc
	done   sync.WaitGroup
}

// startRelay makes the Fragment client; nil without cookies. A cookie file
// is re-read when it changes; alert is told, once per loss, when the login
// expires.
func startRelay(ctx context.Context, cfg fragmentConfig, log *slog.Logger, alert func(string)) (*relay, error) {
	if !cfg.enabled() {
		return nil, nil
	}
	c, err := fragment.New(fragment.Options{BaseURL: cfg.URL, Cookies: cfg.Cookies, Rate: cfg.Rate, Log: log})
	if err != nil {
		return nil, fmt.Errorf("FRAGMENT_URL: %w", err)
	}
	ctx, stop := context.WithCancel(ctx)
	r := &relay{client: c, stop: stop}
	r.done.Add(1)
	go r.watch(ctx, cfg.CookiesFile, log, alert)
	return r, nil
}

// watch re-reads the cookie file when it changes and tells the admins,
// once each time, that the Fragment login expired.
func (r *relay) watch(ctx context.Context, file string, log *slog.Logger, alert func(string)) {
	defer r.done.Done()
	var seen time.Time
	if st, err := os.Stat(file); file != "" && err == nil {
		seen = st.ModTime()
	}
	expired := false
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if st, err := os.Stat(file); file != "" && err == nil && st.ModTime().After(seen) {
			seen = st.ModTime()
			if ck, err := readCookiesFile(file); err != nil {
				log.Warn("FRAGMENT_COOKIES_FILE changed but cannot be used", "err", err)
			} else {
				r.client.SetCookies(ck)
				log.Info("Fragment cookies re-read from FRAGMENT_COOKIES_FILE")
			}
		}
		h := r.client.Health()
		lost := h.State == fragment.HealthDegraded && strings.Contains(h.Why, "expired")
		if lost && !expired {
			alert(h.Why)
		}
		expired = lost
	}
}

func (r *relay) close() {
	if r == nil {
		return
	}
	r.stop()
	r.done.Wait()
	_ = r.client.Close()
}

// state is the relay's line in /readyz.
func (r *relay) state() string {
	if r == nil {
		return "off"
	}
	h := r.client.Health()
	if h.State == fragment.HealthDegraded {
		return "degraded (" + h.Why + ")"
	}
	return h.State
}

// setCookies takes fresh cookies an admin sent the bot.
func (r *relay) setCookies(header string) error {
	ck, err := fragment.ParseCookies(header)
	if err != nil {
		return err
	}
	r.client.SetCookies(ck)
	return nil
}

// codes is the relay as the bot's port: Fragment's "not ours" becomes the
// bot's, so the renter is told to ask the operator.
type codes struct{ c *fragment.Client }

func (c codes) LoginCodes(ctx context.Context, number string) ([]domain.LoginCode, error) {
	got, err := c.c.LoginCodes(ctx, number)
	if errors.Is(err, fragment.ErrNotOwned) {
		err = fmt.Errorf("%w: %w", telegram.ErrCodesNotOwned, err)
	}
	return got, err
}

// startNumberSync syncs the catalogue with the Fragment account every
// actors.DefaultNumberSync, and tells the admins when a sync changed
// something or failed; nil with the relay off.
func startNumberSync(eng *actors.Engine, rel *relay, log *slog.Logger, bot func() *telegram.Bot) *actors.NumberSync {
	if rel == nil {
		return nil
	}
	return eng.StartNumberSync(owned{rel.client}, actors.DefaultNumberSync, func(r actors.SyncReport, err error) {
		level := slog.LevelInfo
		if err != nil {
			level = slog.LevelWarn
		}
		log.Log(context.Background(), level, "numbers synced with Fragment", "added", len(r.Added),
			"blocked", len(r.Blocked), "unblocked", len(r.Unblocked), "owned", r.Owned, "err", err)
		if b := bot(); b != nil {
			b.AlertNumbersSync(r, err)
		}
	})
}

// owned is the relay as the catalogue sync's port: the account's numbers,
// without what only Fragment's page says of them.
type owned struct{ c *fragment.Client }

func (o owned) MyNumbers(ctx context.Context) ([]domain.OwnedNumber, error) {
	got, err := o.c.MyNumbers(ctx)
	out := make([]domain.OwnedNumber, len(got))
	for i, n := range got {
		out[i] = domain.OwnedNumber{Number: n.Number, Restricted: n.Restricted}
	}
	return out, err
}

// fragmentCounts reads the client's counters for /metrics; nil with the
// relay off.
func (r *relay) fragmentCounts() func() httpapi.FragmentCounts {
	if r == nil {
		return nil
	}
	return func() httpapi.FragmentCounts {
		st := r.client.Stats()
		calls := make(map[httpapi.FragmentCall]uint64, len(st.Calls))
		for c, n := range st.Calls {
			calls[httpapi.FragmentCall{Method: c.Method, Outcome: c.Outcome}] = n
		}
		return httpapi.FragmentCounts{Calls: calls, Requests: st.Requests, Retries: st.Retries}
	}
}

var (
	_ telegram.LoginCodes = codes{}
	_ actors.Fragment     = (*fragment.Client)(nil)
	_ actors.OwnedNumbers = owned{}
)
