package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/xssnick/tonutils-go/address"

	"allot/actors"
	"allot/adapters/ton"
	"allot/domain"
)

// usdtConfig is USDT_MASTER: which jetton master's USDT the watcher reads.
type usdtConfig struct {
	// Master is the USDT jetton master; nil when USDT is off (USDT_MASTER
	// is `off`, or unset on testnet, where Tether's master does not exist).
	Master *address.Address
}

// usdtFromEnv reads USDT_MASTER: unset is the real USDT master on mainnet
// and off on testnet; `off` is off; anything else must be a jetton
// master's address on the network TON_NETWORK names. The error names the
// variable.
func usdtFromEnv(getenv func(string) string, testnet bool) (usdtConfig, error) {
	v := strings.TrimSpace(getenv("USDT_MASTER"))
	switch {
	case strings.EqualFold(v, "off"):
		return usdtConfig{}, nil
	case v == "" && testnet:
		return usdtConfig{}, nil
	case v == "":
		v = ton.USDTMaster
	}
	m, err := ton.ParseWallet(v, testnet)
	if err != nil {
		return usdtConfig{}, fmt.Errorf("USDT_MASTER: want the USDT jetton master's address or `off`: %w", err)
	}
	return usdtConfig{Master: m}, nil
}

// usdtSource is the watcher's ChainSource: a TON-only ton.Source until our
// USDT jetton wallet is known, then one that reads USDT too. Swapping the
// source between polls is safe because a Source keeps no state between
// calls but its counters (the cursor is the watcher's); it is simpler than
// stopping and restarting the watcher, which /readyz and the bot hold.
type usdtSource struct{ cur atomic.Pointer[ton.Source] }

var (
	_ actors.ChainSource   = (*usdtSource)(nil)
	_ actors.RejectCounter = (*usdtSource)(nil)
)

// Since reads through the current source.
func (s *usdtSource) Since(ctx context.Context, after domain.ChainCursor) ([]domain.Payment, domain.ChainCursor, error) {
	return s.cur.Load().Since(ctx, after)
}

// Rejected is the current source's count of refused jetton notifications
// (the TON-only source refuses none, so nothing is lost by the swap).
func (s *usdtSource) Rejected() map[string]uint64 { return s.cur.Load().Rejected() }

// usdtOptions are what a usdtReader needs; Chain and Runner are the same
// liteserver client in production (ton.Client), fakes in tests.
type usdtOptions struct {
	Engine  *actors.Engine
	Chain   ton.Chain
	Runner  ton.GetMethodRunner
	Wallet  *address.Address // TON_WALLET
	Master  *address.Address // USDT_MASTER; nil: USDT off
	Testnet bool
	Log     *slog.Logger
	Alert   func(text string) // tells the admins (the bot, once it exists)
	// MinRetry and MaxRetry bound the pause between attempts to resolve
	// the jetton wallet; defaults 5 s and 10 min.
	MinRetry, MaxRetry time.Duration
	// Timeout bounds one attempt; default 30 s.
	Timeout time.Duration
}

// usdtReader finds our USDT jetton wallet (in the journal, else from the
// master) and makes the watcher's source read USDT once it has it. Until
// then TON payments are read as always, USDT is not, and /readyz says why;
// a background retry with backoff keeps asking the master.
type usdtReader struct {
	opts usdtOptions
	src  usdtSource

	mu       sync.Mutex
	problem  string    // why USDT is not read; "" when it is, or is off
	unreadAt time.Time // since when USDT has not been read; zero when it is
	jetton   *address.Address

	stop context.CancelFunc
	done chan struct{}
}

// newUSDTReader returns a reader whose source reads TON only, until start
// finds the jetton wallet.
func newUSDTReader(o usdtOptions) *usdtReader {
	if o.MinRetry <= 0 {
		o.MinRetry = 5 * time.Second
	}
	if o.MaxRetry < o.MinRetry {
		o.MaxRetry = max(o.MinRetry, 10*time.Minute)
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	r := &usdtReader{opts: o}
	r.src.cur.Store(r.newSource(nil))
	return r
}

// newSource is a Source of our wallet, reading USDT from jetton when not nil.
func (r *usdtReader) newSource(jetton *address.Address) *ton.Source {
	opts := []ton.Option{ton.WithTestnet(r.opts.Testnet), ton.WithLogger(r.opts.Log)}
	if jetton != nil {
		opts = append(opts, ton.WithUSDT(ton.JettonAccount{Wallet: jetton}))
	}
	return ton.NewSource(r.opts.Chain, r.opts.Wallet, opts...)
}

// source is what the watcher reads through.
func (r *usdtReader) source() actors.ChainSource { return &r.src }

// start tries once to find the jetton wallet (bounded by the Timeout) and,
// if that fails, keeps trying in the background until close. With USDT
// off it does nothing.
func (r *usdtReader) start(ctx context.Context) {
	r.done = make(chan struct{})
	if r.opts.Master == nil {
		close(r.done)
		return
	}
	err := r.attempt(ctx)
	if err == nil {
		close(r.done)
		return
	}
	r.failed(err, true)
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = cancel
	go func() {
		defer close(r.done)
		r.retry(bg)
	}()
}

// attempt finds the jetton wallet once and, found, makes the source read
// USDT.
func (r *usdtReader) attempt(ctx context.Context) error {
	actx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	jetton, cached, err := r.resolve(actx)
	if err != nil {
		return err
	}
	r.use(jetton, cached)
	return nil
}

// retry asks again with truncated exponential backoff and full jitter
// until the wallet is found or ctx ends.
func (r *usdtReader) retry(ctx context.Context) {
	wait := r.opts.MinRetry
	for {
		t := time.NewTimer(wait/2 + rand.N(wait/2+1))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		err := r.attempt(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		r.failed(err, false)
		wait = min(wait*2, r.opts.MaxRetry)
	}
}

// resolve returns our jetton wallet: the one the journal remembers, else
// the master's answer, which it remembers durably before returning it.
// cached says which.
func (r *usdtReader) resolve(ctx context.Context) (_ *address.Address, cached bool, err error) {
	master, owner := ton.Raw(r.opts.Master), ton.Raw(r.opts.Wallet)
	raw, ok, err := r.opts.Engine.JettonWallet(ctx, master, owner)
	if err != nil {
		return nil, false, err
	}
	if ok {
		a, err := address.ParseRawAddr(raw)
		if err == nil {
			return a, true, nil
		}
		r.opts.Log.Warn("the remembered USDT jetton wallet is unreadable: asking the master again", "err", err)
	}
	a, err := ton.ResolveJettonWallet(ctx, r.opts.Runner, r.opts.Master, r.opts.Wallet)
	if err != nil {
		return nil, false, err
	}
	if err := r.opts.Engine.RememberJettonWallet(ctx, master, owner, ton.Raw(a)); err != nil {
		return nil, false, err
	}
	return a, false, nil
}

// use makes the source read USDT from jetton, and tells the admins which
// stretch of time went unread if USDT was not read for a while.
func (r *usdtReader) use(jetton *address.Address, cached bool) {
	r.src.cur.Store(r.newSource(jetton))
	r.mu.Lock()
	since := r.unreadAt
	r.problem, r.unreadAt, r.jetton = "", time.Time{}, jetton
	r.mu.Unlock()
	r.opts.Log.Info("reading USDT payments", "jetton_wallet", ton.Raw(jetton), "from_journal", cached)
	if !since.IsZero() && r.opts.Alert != nil {
		r.opts.Alert(usdtResumedAlert(since, time.Now()))
	}
}

// failed records why the jetton wallet is unknown, for /readyz; the first
// failure is also logged at Warn and told to the admins.
func (r *usdtReader) failed(err error, first bool) {
	why := oneLine(err.Error(), 200)
	r.mu.Lock()
	r.problem = why
	if r.unreadAt.IsZero() {
		r.unreadAt = time.Now()
	}
	r.mu.Unlock()
	if !first {
		r.opts.Log.Info("USDT jetton wallet still unresolved; retrying", "err", why)
		return
	}
	r.opts.Log.Warn("USDT jetton wallet unresolved: TON payments are read, USDT payments are not until it is", "err", why)
	if r.opts.Alert != nil {
		r.opts.Alert("USDT payments are not being read: our USDT jetton wallet could not be resolved (" + why +
			"). The bot keeps trying; TON payments work.")
	}
}

// usdtResumedAlert is the admins' text once USDT is read again: the time
// in which USDT payments arrived unread, and what to do.
func usdtResumedAlert(from, to time.Time) string {
	const layout = "2006-01-02 15:04 UTC"
	return fmt.Sprintf("USDT payments are read again. USDT that arrived between %s and %s was not credited: "+
		"check the wallet's USDT transfers in an explorer and credit them with /adjust.",
		from.UTC().Format(layout), to.UTC().Format(layout))
}

// degraded is /readyz's reason when USDT is on and not read; "" otherwise.
// A nil reader (TON off) is never degraded.
func (r *usdtReader) degraded() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.problem == "" {
		return ""
	}
	return "USDT jetton wallet unresolved: " + r.problem
}

// Master is the jetton master USDT pay links name (ton.PayLinks, the
// bot's telegram.Config.PayLinks), nil while USDT is off; a nil reader
// (TON off) answers nil.
func (r *usdtReader) Master() *address.Address {
	if r == nil {
		return nil
	}
	return r.opts.Master
}

// Ready reports whether USDT payments are read now: our jetton wallet is
// known. The bot asks it each time it would offer a USDT invoice, so one
// resolved by a retry is offered at once (telegram.Config.USDTReady).
func (r *usdtReader) Ready() bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.jetton != nil
}

// state is the reader's word for the start's log line.
func (r *usdtReader) state() string {
	switch {
	case r == nil || r.opts.Master == nil:
		return "off"
	case r.degraded() != "":
		return r.degraded()
	}
	return "on"
}

// close stops the background retry and waits for it; a reader never
// started has none.
func (r *usdtReader) close() {
	if r == nil || r.done == nil {
		return
	}
	if r.stop != nil {
		r.stop()
	}
	<-r.done
}

// tonReadiness is /readyz's ton line: "off", "ok", or "degraded" with
// every reason known (a history gap, USDT not read), "; "-separated. A
// chain that does not answer degrades payments but not the bot.
func tonReadiness(w *actors.Watcher, usdt *usdtReader) string {
	if w == nil {
		return "off"
	}
	var why []string
	if g, open := w.Gap(); open {
		why = append(why, "history gap since "+gapSince(g))
	}
	if u := usdt.degraded(); u != "" {
		why = append(why, u)
	}
	switch {
	case len(why) > 0:
		return "degraded — " + strings.Join(why, "; ")
	case !w.Healthy():
		return "degraded"
	}
	return "ok"
}

// oneLine keeps an error readable in a line of /readyz: its first line, at
// most n bytes (cut at a rune boundary).
func oneLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
