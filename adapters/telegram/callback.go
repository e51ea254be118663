package telegram

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"allot/domain"
)

// Callback data: what an inline button carries back when it is pressed.
// Telegram allows 1–64 bytes and gives them back verbatim, from any client,
// at any time later: after a restart, after the state changed, or forged.
// So the data is versioned and validated here, against the bot's table of
// actions (actions.go), and every action the bot takes from it is decided
// again against the current state.
//
// Format v1: "1:<action>:<arg>:<arg>…", arguments without ':'.

// CallbackVersion is the version of the callback data this build writes.
const CallbackVersion = 1

// MaxCallbackBytes is Telegram's limit on callback data.
const MaxCallbackBytes = 64

// ErrStaleButton is a button this build cannot read: from an older format,
// malformed, or not one of ours. The person gets a polite answer.
var ErrStaleButton = errors.New("telegram: this button is no longer valid")

// Callback is decoded callback data: a button of the bot's, pressed.
type Callback struct {
	Action string
	Args   []string
}

// callbackArity is how many arguments action takes, and whether it is one.
func callbackArity(action string) (int, bool) {
	a, ok := actions[action]
	return a.args, ok
}

// EncodeCallback builds callback data for action with args, or an error if
// the action is unknown, an argument holds ':' or the result is too long.
func EncodeCallback(action string, args ...string) (string, error) {
	if n, ok := callbackArity(action); !ok || n != len(args) {
		return "", fmt.Errorf("telegram: callback %q with %d arguments", action, len(args))
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(CallbackVersion))
	b.WriteByte(':')
	b.WriteString(action)
	for _, a := range args {
		if strings.ContainsRune(a, ':') {
			return "", fmt.Errorf("telegram: callback argument %q holds ':'", a)
		}
		b.WriteByte(':')
		b.WriteString(a)
	}
	if b.Len() > MaxCallbackBytes {
		return "", fmt.Errorf("telegram: callback %q is %d bytes, the limit is %d", b.String(), b.Len(), MaxCallbackBytes)
	}
	return b.String(), nil
}

// DecodeCallback reads callback data; anything but a well-formed v1 button
// of a known action is ErrStaleButton. The load test reads the bot's
// buttons with it as the bot does.
func DecodeCallback(data string) (Callback, error) {
	if data == "" || len(data) > MaxCallbackBytes {
		return Callback{}, ErrStaleButton
	}
	parts := strings.Split(data, ":")
	if len(parts) < 2 || parts[0] != strconv.Itoa(CallbackVersion) {
		return Callback{}, ErrStaleButton
	}
	n, ok := callbackArity(parts[1])
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
func (c Callback) User(i int) (domain.UserID, error) {
	if i >= len(c.Args) {
		return 0, ErrStaleButton
	}
	v, err := strconv.ParseInt(c.Args[i], 10, 64)
	if err != nil || v <= 0 || v > 1<<52 {
		return 0, ErrStaleButton
	}
	return domain.UserID(v), nil
}

// Number returns argument i as a canonical +888 number, or ErrStaleButton.
func (c Callback) Number(i int) (string, error) {
	if i >= len(c.Args) {
		return "", ErrStaleButton
	}
	id, err := domain.ParseNumber(c.Args[i])
	if err != nil {
		return "", ErrStaleButton
	}
	return id, nil
}
