package fragment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// hashPage is where the api hash is read: the front page, which every
// client loads first.
const hashPage = "/"

var (
	// apiURLField is ajInit's "apiUrl":"\/api?hash=…" (or unescaped, or absolute).
	apiURLField = regexp.MustCompile(`"apiUrl"\s*:\s*"((?:[^"\\]|\\.)*)"`)
	// apiURLAnywhere is the fallback: /api?hash=… wherever it appears.
	apiURLAnywhere = regexp.MustCompile(`\\?/api\?hash=([0-9a-fA-F]+)`)
	hexHash        = regexp.MustCompile(`^[0-9a-fA-F]{1,128}$`)
)

// findAPIHash reads the api hash out of a page.
func findAPIHash(page string) (string, bool) {
	if m := apiURLField.FindStringSubmatch(page); m != nil {
		if h, ok := hashOfURL(m[1]); ok {
			return h, true
		}
	}
	if m := apiURLAnywhere.FindStringSubmatch(page); m != nil && hexHash.MatchString(m[1]) {
		return m[1], true
	}
	return "", false
}

// hashOfURL reads the hash of a JSON-escaped "/api?hash=…" or
// "https://fragment.com/api?hash=…".
func hashOfURL(escaped string) (string, bool) {
	var s string
	if json.Unmarshal([]byte(`"`+escaped+`"`), &s) != nil {
		s = strings.ReplaceAll(escaped, `\/`, `/`)
	}
	u, err := url.Parse(s)
	if err != nil || !strings.HasSuffix(u.Path, "/api") {
		return "", false
	}
	h := u.Query().Get("hash")
	return h, hexHash.MatchString(h)
}

var (
	walletInit    = regexp.MustCompile(`Wallet\.init\(\s*\{`)
	loggedInFalse = regexp.MustCompile(`["']?logged_in["']?\s*:\s*(?:false|0|null)\b`)
	emptyAddress  = regexp.MustCompile(`["']?address["']?\s*:\s*(?:""|''|null\b)`)
)

// loggedOut tells a page whose Wallet.init says the wallet is not logged
// in (logged_in false, or no address). A page without Wallet.init says
// nothing. That this means a lost login is inferred, not confirmed.
func loggedOut(s string) bool {
	loc := walletInit.FindStringIndex(s)
	if loc == nil {
		return false
	}
	args := s[loc[1]:]
	if len(args) > 4096 {
		args = args[:4096]
	}
	if i := strings.Index(args, "})"); i >= 0 {
		args = args[:i]
	}
	return loggedInFalse.MatchString(args) || emptyAddress.MatchString(args)
}

// apiHash returns the api hash for the session, fetching it once for all
// the calls that need it at the same time.
func (c *Client) apiHash(ctx context.Context, s session) (string, error) {
	if h := c.cachedHash(s.gen); h != "" {
		return h, nil
	}
	c.hashMu.Lock()
	defer c.hashMu.Unlock()
	if h := c.cachedHash(s.gen); h != "" {
		return h, nil
	}
	p, err := c.loadPage(ctx, s, hashPage, false)
	if errors.Is(err, errNotFound) {
		return "", badReply("the front page is not there")
	}
	if err != nil {
		return "", fmt.Errorf("fragment: fetching the api hash: %w", err)
	}
	h, ok := findAPIHash(p.html)
	if !ok {
		return "", badReply(`wanted "apiUrl":"/api?hash=…" in the front page`)
	}
	c.mu.Lock()
	c.stats.hashFetches++
	if s.gen == c.gen {
		c.hash = h
	}
	c.mu.Unlock()
	return h, nil
}

func (c *Client) cachedHash(gen uint64) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return ""
	}
	return c.hash
}

// dropHash forgets a hash Fragment refused, unless another call has
// already replaced it.
func (c *Client) dropHash(stale string) {
	c.mu.Lock()
	if c.hash == stale {
		c.hash = ""
	}
	c.mu.Unlock()
}

// api calls one of Fragment's methods. A refused api hash is fetched
// again and the call made once more: Fragment did nothing with it.
func (c *Client) api(ctx context.Context, s session, method string, form url.Values, safe bool) (map[string]json.RawMessage, error) {
	form.Set("method", method)
	for refreshed := false; ; refreshed = true {
		hash, err := c.apiHash(ctx, s)
		if err != nil {
			return nil, err
		}
		var fields map[string]json.RawMessage
		err = c.do(ctx, exchange{method: method, safe: safe, send: func(ctx context.Context) error {
			f, err := c.post(ctx, s, hash, form)
			fields = f
			return err
		}})
		if !errors.Is(err, errStaleHash) {
			return fields, err
		}
		if refreshed {
			return nil, badReply(`%s: Fragment refused a fresh api hash ("Bad request")`, method)
		}
		c.log.Debug("fragment: api hash refused; fetching a new one", "method", method)
		c.dropHash(hash)
	}
}
