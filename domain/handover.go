package domain

import "time"

// A rented +888 number is only worth renting if the renter can log in with
// it, and only safe to hand on if the one before cannot any more. So
// whenever a holder loses a number (the rental expires, an admin cancels
// it, a transfer is accepted) the number owes a hand-over: every session on
// it is ended through Fragment before anyone else may have it. And its login
// codes are on exactly while it is rented, so an idle number cannot be
// entered. Both are chores an outside worker does (actors/handover.go); the
// number records each as done once Fragment confirmed it, and is offered
// again only then.

// CodesState is what Fragment last confirmed of a number's login codes.
type CodesState uint8

// The login-code states. Unknown is every number's state until Fragment
// first confirms one (numbers from before the relay included).
const (
	CodesUnknown CodesState = iota
	CodesOn
	CodesOff
)

var codesNames = [...]string{"unknown", "on", "off"}

// String names the state in logs and on the admins' screens.
func (s CodesState) String() string {
	if int(s) < len(codesNames) {
		return codesNames[s]
	}
	return "codes(?)"
}

// Hand-over reasons: why a holder lost the number.
const (
	HandoverExpired     = "expired"
	HandoverCancelled   = "cancelled"
	HandoverTransferred = "transferred"
	// HandoverChecked: the bot itself signed in to check the account
	// (account.go). It signs out again, but a crash between the two would
	// leave its session behind, so every session is ended once more.
	HandoverChecked = "checked"
)

// Handover is the clean hand-over a number owes since From lost it.
type Handover struct {
	Reason  string    `msgpack:"r"`
	From    UserID    `msgpack:"u"`
	Since   time.Time `msgpack:"s"` // identifies this hand-over: a later one has a later Since
	Alerted bool      `msgpack:"al,omitempty"`
}

// Chore is what a number owes Fragment now: its login codes set, its
// sessions ended, or nothing.
type Chore struct {
	Codes       CodesState // the state to set; CodesUnknown when they are as they should be
	EndSessions bool
	Since       time.Time // the hand-over the sessions are ended for
	// CheckAccount: sign in to the returned number's account (account.go),
	// for the check begun at CheckSince. Its login codes are on for it.
	CheckAccount bool
	CheckSince   time.Time
}

// Any reports whether there is anything to do.
func (c Chore) Any() bool { return c.Codes != CodesUnknown || c.EndSessions || c.CheckAccount }

// wantCodes is the login-code state the number should have: on while
// someone rents it or the bot signs in to check its account, off otherwise.
func (n *Number) wantCodes(now time.Time) CodesState {
	if n.Rental != nil && !n.Rental.Expired && !n.Removed || n.accountDue(now) {
		return CodesOn
	}
	return CodesOff
}

// Chore is what the number owes Fragment at now. Codes go off before the
// sessions are ended, so nobody logs in again between the two; an account
// check comes after both, with the codes on for it.
func (n *Number) Chore(now time.Time) Chore {
	var c Chore
	if want := n.wantCodes(now); want != n.Codes {
		c.Codes = want
	}
	if h := n.Handover; h != nil {
		c.EndSessions, c.Since = true, h.Since
	}
	if n.accountDue(now) {
		c.CheckAccount, c.CheckSince = true, n.Account.Since
	}
	return c
}

// SetCodes decides recording that Fragment confirmed the login codes are
// now to; nil when that is already recorded.
func (n *Number) SetCodes(to CodesState, now time.Time) *LoginCodesSet {
	if to == n.Codes || to == CodesUnknown {
		return nil
	}
	return &LoginCodesSet{To: to, At: now}
}

// SessionsEnded decides recording that every session on the number was
// ended for the hand-over that began at since (skipped: the relay is off,
// so nothing could be ended, and the number is not held back for it). A
// hand-over that is over or was replaced is ErrAlreadyDecided.
func (n *Number) SessionsEnded(since time.Time, skipped bool, now time.Time) (*HandoverDone, error) {
	if n.Handover == nil || !n.Handover.Since.Equal(since) {
		return nil, ErrAlreadyDecided
	}
	return &HandoverDone{Since: since, Skipped: skipped, At: now}, nil
}

// AlertHandover decides recording that the admins were told the hand-over
// (or, with none pending, the account check) keeps failing, so that they
// are told once.
func (n *Number) AlertHandover(why string) (*HandoverAlerted, error) {
	switch {
	case n.Handover != nil && !n.Handover.Alerted:
	case n.Handover == nil && n.Account != nil && !n.Account.Alerted:
	default:
		return nil, ErrAlreadyDecided
	}
	return &HandoverAlerted{Why: why}, nil
}

// startHandover begins a hand-over from user at at. A pending one is
// replaced: the sessions are ended once, for the latest loss.
func (n *Number) startHandover(reason string, user UserID, at time.Time) {
	n.Handover = &Handover{Reason: reason, From: user, Since: at}
}

// LoginCodesSet records that Fragment confirmed the login codes on or off.
type LoginCodesSet struct {
	To CodesState `msgpack:"to"`
	At time.Time  `msgpack:"at"`
}

// HandoverDone records that every session on the number was ended for the
// hand-over begun at Since (or, Skipped, that the relay was off).
type HandoverDone struct {
	Since   time.Time `msgpack:"s"`
	Skipped bool      `msgpack:"sk,omitempty"`
	At      time.Time `msgpack:"at"`
}

// HandoverAlerted records that the admins were told a hand-over keeps failing.
type HandoverAlerted struct {
	Why string `msgpack:"w"`
}

func (e *LoginCodesSet) applyNumber(n *Number) { n.Codes = e.To }
func (e *HandoverDone) applyNumber(n *Number) {
	if n.Handover != nil && n.Handover.Since.Equal(e.Since) {
		n.Handover = nil
	}
}
func (e *HandoverAlerted) applyNumber(n *Number) {
	switch {
	case n.Handover != nil:
		n.Handover.Alerted = true
	case n.Account != nil:
		n.Account.Alerted = true
	}
}
