package mtproto

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"

	"allot/domain"
)

// serverDC is the data centre a custom Server plays: the client's default.
const serverDC = 2

// Checker checks returned numbers' accounts (CheckAccount). It holds
// settings only, each check its own client, so it is safe for concurrent
// use; checks of one number at once would race each other's codes, so
// callers run those one at a time.
type Checker struct {
	appID       int
	appHash     string
	codes       Codes
	codeWait    time.Duration
	codePoll    time.Duration
	dialTimeout time.Duration
	reason      string
	server      string
	dcs         dcs.List             // zero: Telegram's production DCs
	keys        []telegram.PublicKey // nil: gotd's built-in production keys
	now         func() time.Time
	log         *slog.Logger
}

// New checks o and makes a Checker. It dials nothing.
func New(o Options) (*Checker, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Checker{
		appID: o.AppID, appHash: o.AppHash, codes: o.Codes, codeWait: o.CodeWait, codePoll: o.CodePoll,
		dialTimeout: o.DialTimeout, reason: o.Reason, server: o.Server, now: o.Now, log: o.Logger,
	}
	if o.Server != "" {
		c.dcs, c.keys = serverDCs(o.Server), publicKeys(o.ServerKeys)
	}
	return c, nil
}

func serverDCs(addr string) dcs.List {
	host, port, _ := net.SplitHostPort(addr) // checked by Options.check
	p, _ := strconv.Atoi(port)
	ip := net.ParseIP(host)
	return dcs.List{Options: []tg.DCOption{{
		ID: serverDC, Static: true, IPAddress: host, Port: p, Ipv6: ip != nil && ip.To4() == nil,
	}}}
}

func publicKeys(keys []*rsa.PublicKey) []telegram.PublicKey {
	out := make([]telegram.PublicKey, len(keys))
	for i, k := range keys {
		out[i] = telegram.PublicKey{RSA: k}
	}
	return out
}

// String names the Checker's app and server, never its app hash.
func (c Checker) String() string {
	server := c.server
	if server == "" {
		server = "telegram"
	}
	return fmt.Sprintf("mtproto.Checker{AppID: %d, AppHash: %s, Server: %s}", c.appID, redacted, server)
}

// Format makes every verb print String: see Options.Format.
func (c Checker) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

// CheckAccount signs in to number's account ("+888…") and finds out
// whether the next renter can sign in to it: clean (it logged its own
// session out again), absent, deleted, deletion pending (Until says till
// when), or banned. The package doc has the steps. An error means the
// check did not finish and may be run again; its sentinel says why. ctx
// bounds the whole check, the wait for the code included.
func (c *Checker) CheckAccount(ctx context.Context, number string) (domain.AccountVerdict, error) {
	v, err := c.check(ctx, number)
	c.report(number, v, err)
	return v, err
}

func (c *Checker) check(ctx context.Context, number string) (domain.AccountVerdict, error) {
	if err := checkNumber(number); err != nil {
		return domain.AccountVerdict{}, err
	}
	seen, err := c.codes.LoginCodes(ctx, number)
	if err != nil {
		return domain.AccountVerdict{}, fmt.Errorf("mtproto: read the codes already on Fragment: %w", err)
	}
	a := &attempt{c: c, outer: ctx, number: number, phone: number[1:], seen: noteCodes(seen)}
	return c.run(ctx, a)
}

// checkNumber accepts a number only in its canonical "+888…" form: the
// form Telegram and Fragment are asked about, so a typo never dials.
func checkNumber(number string) error {
	canon, err := domain.ParseNumber(number)
	if err != nil || canon != number {
		return fmt.Errorf("%w: want + then 888 and 4 to 10 digits", ErrBadNumber)
	}
	return nil
}

// run connects a fresh client and runs a on it. The client keeps its
// session (the auth key) in memory only: no storage is given, so gotd
// saves nothing, and the key goes with the client when run returns.
func (c *Checker) run(ctx context.Context, a *attempt) (domain.AccountVerdict, error) {
	client := telegram.NewClient(c.appID, c.appHash, c.clientOptions())
	var (
		v   domain.AccountVerdict
		err error
		ran bool
	)
	runErr := client.Run(ctx, func(ctx context.Context) error {
		a.api = client.API()
		v, err = a.run(ctx)
		ran = true
		return nil
	})
	switch {
	case ran && runErr != nil && errors.Is(err, ErrUnavailable):
		return v, fmt.Errorf("%w (connection: %v)", err, runErr)
	case ran:
		return v, err
	case ctx.Err() != nil:
		return v, fmt.Errorf("mtproto: connect: %w", ctx.Err())
	}
	return v, fmt.Errorf("%w: connect: %v", ErrUnavailable, runErr)
}

// clientOptions leave gotd's logger off (it logs auth key ids), its
// updates off (a check needs none), and make it give up reconnecting
// after three attempts in a row instead of retrying for ever.
func (c *Checker) clientOptions() telegram.Options {
	return telegram.Options{
		DCList:              c.dcs,
		PublicKeys:          c.keys,
		DialTimeout:         c.dialTimeout,
		ExchangeTimeout:     c.dialTimeout,
		ReconnectionBackoff: reconnectBackoff,
		NoUpdates:           true,
	}
}

func reconnectBackoff() backoff.BackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.MaxElapsedTime = 200*time.Millisecond, 2*time.Second, 0
	return backoff.WithMaxRetries(b, 2)
}

// report logs a check's end: the number and the outcome, or the error's
// class, never its text (a Codes error is not ours to vouch for).
func (c *Checker) report(number string, v domain.AccountVerdict, err error) {
	if err != nil {
		attrs := []any{"number", number, "class", errClass(err)}
		if rpc := rpcType(err); rpc != "" {
			attrs = append(attrs, "rpc", rpc)
		}
		if d := RetryAfter(err); d > 0 {
			attrs = append(attrs, "retry_after", d)
		}
		c.log.Warn("mtproto: account check failed", attrs...)
		return
	}
	attrs := []any{"number", number, "outcome", v.Outcome.String()}
	if !v.Until.IsZero() {
		attrs = append(attrs, "until", v.Until)
	}
	c.log.Info("mtproto: account checked", attrs...)
}
