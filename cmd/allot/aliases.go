package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// An operator moving from one of the seed bots brings its .env. Its names
// for Allot's variables are read as Allot's (seedAliases), and its
// variables that mean nothing here are named at start with what replaces
// them (seedRetired), so that nothing the operator set is silently
// ignored: an ADMIN_ID that no one read meant a bot without admins.

// seedAlias is a seed bot's name for one of Allot's variables. It is read
// only when Allot's own name is unset: Allot's name wins.
type seedAlias struct{ Seed, Name string }

var seedAliases = []seedAlias{
	{"TELEGRAM_TOKEN", "BOT_TOKEN"}, // the shop bot
	// The distribution bot's one admin, who approved staff and ran its
	// admin commands. ADMIN_IDS rather than OWNER_ID: the two have the
	// same rights here, and an OWNER_ID brought from the rental bot must
	// not push it out.
	{"ADMIN_ID", "ADMIN_IDS"},
	// The distribution bot's spreadsheet of accounts, e-mails and numbers
	// to hand out: what Allot calls the stock.
	{"SPREADSHEET_ACCOUNTS", "SPREADSHEET_STOCK"},
	// Short forms of the shop bot's names.
	{"RATE_LIMIT_OPERATIONS", "RATE_LIMIT_USER_OPERATIONS"},
	{"RATE_LIMIT_PAYMENTS", "RATE_LIMIT_USER_PAYMENTS"},
}

// seedRetired is a seed bot's variable that Allot does not read, and what
// to use instead.
type seedRetired struct{ Name, Instead string }

const (
	noRedis   = "Allot keeps its state in memory, made durable by its own journal and snapshots in DATA_DIR: no Redis"
	noCache   = "Allot keeps its state in memory and has no cache to expire"
	noHeleket = "Heleket is not used: payments are in TON, to TON_WALLET"
	noRefresh = "Fragment cookies are renewed by hand: FRAGMENT_COOKIES_FILE is re-read when it changes, " +
		"or an admin sends /fragment_cookies in a private chat"
	noTLS = "Allot serves plain HTTP on HTTP_ADDR: put TLS in the reverse proxy in front of it"
)

var seedRetiredVars = []seedRetired{
	{"REDIS_URI", noRedis},
	{"REDIS_URL", noRedis},
	{"TON_API_TOKEN", "payments are read from TON liteservers (TON_WALLET, TON_NETWORK, TON_CONFIG), which need no token"},
	{"METRICS_ENABLED", "metrics are always served at HTTP_ADDR /metrics, guarded by INTROSPECTION_TOKEN"},
	{"HEALTH_CHECK_INTERVAL", "/healthz and /readyz answer when asked: the prober sets the interval"},
	{"CACHE_TTL_USER", noCache},
	{"CACHE_TTL_SESSION", noCache},
	{"CACHE_TTL_PAYMENT", noCache},
	{"CACHE_TTL_RATE_LIMIT", noCache + "; the rate limits are RATE_LIMIT_USER_*"},
	{"MERCHANT_UUID", noHeleket},
	{"API_KEY", noHeleket},
	{"FRAGMENT_SEED_PHRASE", "Allot never holds a wallet's seed phrase: it reads Fragment as a logged-in browser " +
		"does, with FRAGMENT_COOKIES or FRAGMENT_COOKIES_FILE (buying stars is not part of Allot)"},
	{"FRAGMENT_AUTO_COOKIE_REFRESH", noRefresh},
	{"FRAGMENT_COOKIE_REFRESH_INTERVAL", noRefresh},
	{"SSL_CERT_PATH", noTLS},
	{"SSL_KEY_PATH", noTLS},
	{"SSL_CA_PATH", noTLS},
	{"REGIONS", ""}, // regionsNote says what, from the kinds file
}

// seedEnv is the environment as loadConfig reads it: Allot's names, with
// the seeds' names standing in for those that are unset.
type seedEnv struct {
	getenv func(string) string
	from   map[string]string // Allot's name → the seed's name its value is read from
	notes  []string          // what the start says about the names it read
}

// withSeedNames decides, once, which seed names stand in for Allot's.
func withSeedNames(getenv func(string) string) *seedEnv {
	e := &seedEnv{getenv: getenv, from: map[string]string{}}
	for _, a := range seedAliases {
		switch {
		case strings.TrimSpace(getenv(a.Seed)) == "":
		case strings.TrimSpace(getenv(a.Name)) != "":
			e.notes = append(e.notes, fmt.Sprintf("%s is ignored: %s is set too, and Allot's name wins", a.Seed, a.Name))
		default:
			e.from[a.Name] = a.Seed
			e.notes = append(e.notes, fmt.Sprintf("%s is read as %s (a seed bot's name): rename it to %s", a.Seed, a.Name, a.Name))
		}
	}
	return e
}

// get is getenv with the seed names in.
func (e *seedEnv) get(name string) string {
	if seed, ok := e.from[name]; ok {
		return e.getenv(seed)
	}
	return e.getenv(name)
}

// blame adds to each error about a variable read under a seed name that
// name, the one the operator set. Joined errors are taken apart first, so
// only the errors about that variable say so.
func (e *seedEnv) blame(errs []error) []error {
	var out []error
	for _, err := range leaves(errs) {
		for _, a := range seedAliases {
			if e.from[a.Name] == a.Seed && mentions(err.Error(), a.Name) {
				err = fmt.Errorf("%w (the value is %s's, the seed bots' name for %s)", err, a.Seed, a.Name)
			}
		}
		out = append(out, err)
	}
	return out
}

// leaves flattens the trees errors.Join makes and drops nils. An error
// with several wrapped ones and words of its own (fmt.Errorf with two %w)
// stays whole.
func leaves(errs []error) []error {
	var out []error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok && err.Error() == joinedText(j.Unwrap()) {
			out = append(out, leaves(j.Unwrap())...)
			continue
		}
		out = append(out, err)
	}
	return out
}

// joinedText is what errors.Join(errs...) says.
func joinedText(errs []error) string {
	var s []string
	for _, err := range errs {
		if err != nil {
			s = append(s, err.Error())
		}
	}
	return strings.Join(s, "\n")
}

// mentions reports whether msg names the variable name as a whole word.
func mentions(msg, name string) bool {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b`).MatchString(msg)
}

// warnings are said once at start: the seed names read or ignored, and the
// seed variables set that mean nothing here, with what replaces each.
func (e *seedEnv) warnings(c *config) []string {
	w := slices.Clone(e.notes)
	for _, r := range seedRetiredVars {
		v := strings.TrimSpace(e.getenv(r.Name))
		switch {
		case v == "":
		case r.Name == "REGIONS":
			w = append(w, regionsNote(v, c))
		default:
			w = append(w, fmt.Sprintf("%s is set but not read: %s", r.Name, r.Instead))
		}
	}
	return w
}

// regionsNote explains the distribution bot's REGIONS: Allot's regions are
// the kinds file's list until admins change them in the chat.
func regionsNote(seed string, c *config) string {
	const how = "; admins change them in the chat with /add_region and /remove_region"
	if c.KindsFile == "" {
		return `REGIONS is set but not read: the regions are the "regions" list of the kinds file ` +
			"(KINDS_FILE, unset: distribution is off)" + how
	}
	list := strings.FieldsFunc(seed, func(r rune) bool { return r == ',' || r == ' ' })
	if slices.Equal(list, c.Kinds.Regions) {
		return fmt.Sprintf(`REGIONS is set but not read: KINDS_FILE's "regions" are, and they are the same%s`, how)
	}
	return fmt.Sprintf(`REGIONS is set but not read: the regions offered are KINDS_FILE's "regions" (%s), not REGIONS' (%s): `+
		"edit the kinds file%s", strings.Join(c.Kinds.Regions, ", "), strings.Join(list, ", "), how)
}
