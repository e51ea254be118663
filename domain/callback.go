package domain

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Callback data: what an inline button carries back when it is pressed.
// Telegram allows 1–64 bytes and gives them back verbatim, from any client,
// at any time later: after a restart, after the state changed, or forged.
// So the data is versioned and validated here, and every action the bot
// takes from it is decided again against the current state.
//
// Format v1: "1:<action>:<arg>:<arg>…", arguments without ':'.

// CallbackVersion is the version of the callback data this build writes.
const CallbackVersion = 1

// MaxCallbackBytes is Telegram's limit on callback data.
const MaxCallbackBytes = 64

// ErrStaleButton is a button this build cannot read: from an older format,
// malformed, or not one of ours. The person gets a polite answer.
var ErrStaleButton = errors.New("domain: this button is no longer valid")

// Callback is decoded callback data.
type Callback struct {
	Action string
	Args   []string
}

// callbackArity is the number of arguments each action takes: the list of
// every button the bot has. Adding an action is adding a line here.
var callbackArity = map[string]int{
	"menu": 0, // main menu
	"cat":  1, // catalogue page
	"num":  2, // number, catalogue page to go back to
	"per":  2, // number, days: choose how to pay
	"pay":  4, // number, days, method (b/bu = balance in TON/USDT, t/u = invoice in TON/USDT), nonce
	"my":   0, // my rentals
	"mine": 1, // one of my rentals
	"rnw":  2, // number, days: renew, choose how to pay
	"rnp":  4, // number, days, method, nonce: renew and pay
	"trf":  1, // number: ask to whom to transfer
	"tcx":  1, // number: cancel my offer
	"acc":  1, // number: accept a transfer offered to me
	"dec":  1, // number: decline it
	"hist": 2, // number, page: ownership history
	"wal":  1, // wallet, history page
	"top":  2, // top-up amount in TON, nonce
	"tpu":  2, // top-up amount in USDT, nonce
	"icx":  1, // invoice code: cancel it
	"lang": 1, // language code
	"adm":  0, // admin menu
	"noop": 0, // a label that does nothing
	"code": 1, // number: show its latest login code, and wait for a new one

	// Distribution (approved staff; see adapters/telegram/distrib.go).
	"st":   0, // ask for staff access: the bot asks for a work nickname
	"sapv": 2, // admin: approve a person's staff request; user id, request number
	"srej": 2, // admin: reject it; user id, request number
	"dm":   0, // distribution menu: the kinds
	"dk":   1, // kind: choose a region
	"dr":   2, // kind, region: choose how many
	"dq":   3, // kind, region, count: choose a variant (or issue)
	"dv":   5, // kind, region, count, variant, nonce: issue
	"fb":   2, // item id, status: feedback on an issued item
	"rp":   1, // item id: give a replacement for a blocked item
	"sts":  2, // statistics: category, period (d, w, m)
	"acf":  2, // admin: confirm a destructive command; command, nonce

	// Proxies (approved staff; see adapters/telegram/proxies.go).
	"pxm":  0, // proxy menu
	"pxa":  0, // add: choose the type
	"pxt":  1, // add: type chosen (h = HTTP, s = SOCKS5)
	"pxr":  1, // add: toggle a resource (kind code), or "." when done
	"pxd":  1, // add: duration in days
	"pxg":  0, // get: choose resources
	"pxgr": 1, // get: toggle a resource (kind code), or "." when done
	"pxc":  2, // country: "a" of the proxy being added, "g" of the one wanted; ISO code, or "-" for any (g only)
	"pxl":  1, // get: list page
	"pxs":  1, // get: reserve the proxy with this ref
	"pxok": 1, // get: confirm the reserved proxy
	"pxno": 1, // get: give the reserved proxy back
}

// CallbackActions lists every action of the vocabulary, sorted: the bot's
// table of who may press what walks it (adapters/telegram/access.go).
func CallbackActions() []string {
	out := make([]string, 0, len(callbackArity))
	for a := range callbackArity {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// CallbackArity is how many arguments action takes, and whether it is one.
func CallbackArity(action string) (int, bool) {
	n, ok := callbackArity[action]
	return n, ok
}

// EncodeCallback builds callback data for action with args, or an error if
// the action is unknown, an argument holds ':' or the result is too long.
func EncodeCallback(action string, args ...string) (string, error) {
	if n, ok := callbackArity[action]; !ok || n != len(args) {
		return "", fmt.Errorf("domain: callback %q with %d arguments", action, len(args))
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(CallbackVersion))
	b.WriteByte(':')
	b.WriteString(action)
	for _, a := range args {
		if strings.ContainsRune(a, ':') {
			return "", fmt.Errorf("domain: callback argument %q holds ':'", a)
		}
		b.WriteByte(':')
		b.WriteString(a)
	}
	if b.Len() > MaxCallbackBytes {
		return "", fmt.Errorf("domain: callback %q is %d bytes, the limit is %d", b.String(), b.Len(), MaxCallbackBytes)
	}
	return b.String(), nil
}

// DecodeCallback reads callback data; anything but a well-formed v1 button
// of a known action is ErrStaleButton.
func DecodeCallback(data string) (Callback, error) {
	if data == "" || len(data) > MaxCallbackBytes {
		return Callback{}, ErrStaleButton
	}
	parts := strings.Split(data, ":")
	if len(parts) < 2 || parts[0] != strconv.Itoa(CallbackVersion) {
		return Callback{}, ErrStaleButton
	}
	n, ok := callbackArity[parts[1]]
	if !ok || len(parts)-2 != n {
		return Callback{}, ErrStaleButton
	}
	for _, a := range parts[2:] {
		if a == "" {
			return Callback{}, ErrStaleButton
		}
	}
	return Callback{Action: parts[1], Args: parts[2:]}, nil
}

// Int returns argument i as a non-negative int, or ErrStaleButton.
func (c Callback) Int(i int) (int, error) {
	if i >= len(c.Args) {
		return 0, ErrStaleButton
	}
	v, err := strconv.Atoi(c.Args[i])
	if err != nil || v < 0 || v > 1_000_000 {
		return 0, ErrStaleButton
	}
	return v, nil
}

// User returns argument i as a Telegram user id (positive, at most 2^52:
// ids are larger than Int allows), or ErrStaleButton.
func (c Callback) User(i int) (UserID, error) {
	if i >= len(c.Args) {
		return 0, ErrStaleButton
	}
	v, err := strconv.ParseInt(c.Args[i], 10, 64)
	if err != nil || v <= 0 || v > 1<<52 {
		return 0, ErrStaleButton
	}
	return UserID(v), nil
}

// Number returns argument i as a canonical +888 number, or ErrStaleButton.
func (c Callback) Number(i int) (string, error) {
	if i >= len(c.Args) {
		return "", ErrStaleButton
	}
	id, err := ParseNumber(c.Args[i])
	if err != nil {
		return "", ErrStaleButton
	}
	return id, nil
}
