package mtproto

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"time"
)

// Defaults of New for the Options left zero.
const (
	DefaultCodeWait    = 2 * time.Minute // a code shows on Fragment within seconds; this rides out a slow relay
	DefaultCodePoll    = 5 * time.Second // gentle on fragment.com's rate limits
	DefaultReason      = "Returned rental number"
	DefaultDialTimeout = 15 * time.Second
)

// Options configure New.
type Options struct {
	// AppID and AppHash are the app's credentials from my.telegram.org
	// (API_ID, API_HASH). AppHash is a secret: it is sent to Telegram in
	// auth.sendCode and nowhere else, and prints redacted.
	AppID   int
	AppHash string
	// Codes reads the login codes Fragment shows: the fragment client.
	Codes Codes
	// CodeWait is how long a check waits for the code to appear on
	// Fragment: DefaultCodeWait.
	CodeWait time.Duration
	// CodePoll is how often it looks: DefaultCodePoll.
	CodePoll time.Duration
	// Reason is sent with account.deleteAccount: DefaultReason.
	Reason string
	// Server and ServerKeys replace Telegram's production data centres by
	// one server, as DC 2 (a mtprototest.Server in tests, the playground's
	// fake): its host:port and its public keys. Both empty: real Telegram.
	Server     string
	ServerKeys []*rsa.PublicKey
	// DialTimeout bounds each connection attempt and key exchange:
	// DefaultDialTimeout. A check gives up after three failed attempts
	// in a row (ErrUnavailable).
	DialTimeout time.Duration
	// Now is the clock that dates a pending deletion: time.Now.
	Now func() time.Time
	// Logger gets a line per check (number, outcome or error class) and
	// debug lines per step. Nil logs nothing. Codes, the app hash and the
	// auth key are never logged.
	Logger *slog.Logger
}

var appHashPattern = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// withDefaults checks o and fills in its zero fields. Its errors name the
// setting but never quote a credential.
func (o Options) withDefaults() (Options, error) {
	if err := o.check(); err != nil {
		return o, err
	}
	o.CodeWait = orDefault(o.CodeWait, DefaultCodeWait)
	o.CodePoll = orDefault(o.CodePoll, DefaultCodePoll)
	o.DialTimeout = orDefault(o.DialTimeout, DefaultDialTimeout)
	o.Reason = orDefault(o.Reason, DefaultReason)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

func (o Options) check() error {
	switch {
	case o.AppID <= 0:
		return errors.New("mtproto: API_ID must be a positive number (the app's api_id from my.telegram.org)")
	case !appHashPattern.MatchString(o.AppHash):
		return errors.New("mtproto: API_HASH must be 32 hexadecimal characters (the app's api_hash from my.telegram.org)")
	case o.Codes == nil:
		return errors.New("mtproto: Codes is required: login codes are read through it")
	case o.CodeWait < 0 || o.CodePoll < 0 || o.DialTimeout < 0:
		return errors.New("mtproto: CodeWait, CodePoll and DialTimeout cannot be negative")
	}
	return o.checkServer()
}

func (o Options) checkServer() error {
	if o.Server == "" && len(o.ServerKeys) == 0 {
		return nil
	}
	if o.Server == "" || len(o.ServerKeys) == 0 {
		return errors.New("mtproto: Server and ServerKeys go together: a server's keys are not Telegram's")
	}
	for _, k := range o.ServerKeys {
		if k == nil || k.N == nil {
			return errors.New("mtproto: ServerKeys holds an empty key")
		}
	}
	host, port, err := net.SplitHostPort(o.Server)
	if p, perr := strconv.Atoi(port); err != nil || perr != nil || host == "" || p <= 0 || p > 65535 {
		return fmt.Errorf("mtproto: Server %q must be host:port", o.Server)
	}
	return nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// redacted stands in for the app hash wherever Options or a Checker print.
const redacted = "[redacted]"

// String shows the settings with the app hash redacted.
func (o Options) String() string {
	return fmt.Sprintf("mtproto.Options{AppID: %d, AppHash: %s, Server: %q, ServerKeys: %d, CodeWait: %v, CodePoll: %v, DialTimeout: %v}",
		o.AppID, redacted, o.Server, len(o.ServerKeys), o.CodeWait, o.CodePoll, o.DialTimeout)
}

// Format makes every verb (%v, %+v, %#v, %s, %x, …) print String, so
// that no way of printing Options shows the app hash.
func (o Options) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, o.String()) }

// LogValue keeps the app hash out of slog.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("app_id", o.AppID), slog.String("app_hash", redacted), slog.String("server", o.Server))
}
