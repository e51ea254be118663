package telegram

import (
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"strings"
	"time"
)

// A button that changes something carries a nonce, drawn when the button
// was drawn, which becomes the operation id of what it does: pressing it
// twice, or again after a restart, is the same operation and happens once.
//
// Telegram keeps old messages and their buttons for ever, and a person can
// send any callback data they like. So entities would have to remember every
// operation for ever to recognise a replay. Instead a nonce says when it was
// drawn, and the bot refuses one older than ButtonTTL (or from the future)
// as out of date, before anything acts on it; every entity that keys on
// such operations remembers them for longer than that (domain.OpRetention),
// or for ever (the wallet's ledger, the payments register). A forged nonce
// with a fresh time is only a new request, which the person could have made
// by opening the menu again.

// ButtonTTL is how long a button that changes something stays usable.
const ButtonTTL = 24 * time.Hour

// nonceSkew is how far in the future a nonce's time may be (clock steps).
const nonceSkew = 5 * time.Minute

// nonceVersion marks the nonce format; earlier nonces (8 upper-case
// base32 characters, no time) read as out of date.
const nonceVersion = "n"

// newNonce is "n", the minute it was drawn in base 36, and 4 random
// characters: 10 bytes of the 64 a button may carry.
func newNonce(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	random := strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))[:4]
	return nonceVersion + strconv.FormatInt(now.Unix()/60, 36) + random
}

// nonceFresh reports whether a nonce was drawn within ButtonTTL of now.
func nonceFresh(nonce string, now time.Time) bool {
	if len(nonce) < len(nonceVersion)+1+4 || !strings.HasPrefix(nonce, nonceVersion) {
		return false
	}
	minute, err := strconv.ParseInt(nonce[len(nonceVersion):len(nonce)-4], 36, 64)
	if err != nil || minute < 0 || minute > 1<<40 {
		return false
	}
	drawn := time.Unix(minute*60, 0)
	return !drawn.After(now.Add(nonceSkew)) && now.Sub(drawn) <= ButtonTTL
}
