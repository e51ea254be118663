package domain

import (
	"fmt"
	"time"
)

// Ending a former renter's sessions (handover.go) is not all a returned
// number needs: a renter who set a cloud password on the number's Telegram
// account locks every later renter out of it, and only the account's owner
// knows the password. So a number that comes back to the operator (an
// admin reclaims it after expiry, or cancels the rental) owes a look at
// its account. With MTProto configured the bot signs in itself, reading the
// code from Fragment: a clean account is signed out again, one with a cloud
// password has its deletion asked for (Telegram finishes it a week later)
// and the number stays blocked until then. Without MTProto nobody here can
// look, so the check is left to the admins, who see which returned numbers
// still need one; the number is offered meanwhile (renters were warned).
// A transfer does not owe a check: the number stays rented.

// AccountCheck is the look at a returned number's account still owed.
type AccountCheck struct {
	From  UserID    `msgpack:"u"` // the holder it came back from
	Since time.Time `msgpack:"s"` // when it came back; identifies this check
	// Manual: nobody here can sign in (MTProto is not configured), so an
	// admin checks by hand and the number is offered meanwhile.
	Manual bool `msgpack:"m,omitempty"`
	// DeleteAt is set once a cloud password was found and the account's
	// deletion asked for: the deletion can be finished from then on.
	DeleteAt time.Time `msgpack:"d,omitempty"`
	// Blocked: this check blocked the number (for a pending deletion), so
	// finishing it unblocks; an admin's own block is left alone.
	Blocked bool `msgpack:"b,omitempty"`
	Alerted bool `msgpack:"al,omitempty"` // the admins were told it keeps failing
}

// Holds reports whether the check keeps the number from being offered:
// until the bot has looked (or handed the look to the admins).
func (a *AccountCheck) Holds() bool { return a != nil && !a.Manual }

// accountDue reports whether the bot should sign in to the account now:
// a check is owed and not left to the admins, nobody holds the number, its
// sessions are ended, and a pending deletion's wait is over.
func (n *Number) accountDue(now time.Time) bool {
	a := n.Account
	return a.Holds() && n.Handover == nil && n.Rental == nil && n.Hold == nil && !n.Removed &&
		!now.Before(a.DeleteAt)
}

// DeferAccountCheck decides leaving the check begun at since to the
// admins: nobody here can sign in. A check waiting for a deletion stays
// (the account is known to be locked); a check that is gone or replaced is
// ErrAlreadyDecided.
func (n *Number) DeferAccountCheck(since time.Time) (*AccountCheckDeferred, error) {
	a := n.Account
	if a == nil || !a.Since.Equal(since) || a.Manual || !a.DeleteAt.IsZero() {
		return nil, ErrAlreadyDecided
	}
	return &AccountCheckDeferred{Since: since}, nil
}

// AccountFound decides recording what signing in to the account found for
// the check begun at since: a deletion asked for (the number is blocked
// until v.Until), or the check done. A check that is gone or replaced is
// ErrAlreadyDecided.
func (n *Number) AccountFound(since time.Time, v AccountVerdict, now time.Time) (NumberEvent, error) {
	a := n.Account
	if a == nil || !a.Since.Equal(since) {
		return nil, ErrAlreadyDecided
	}
	switch v.Outcome {
	case AccountDeletionPending:
		if v.Until.IsZero() {
			return nil, fmt.Errorf("%w: a pending deletion needs its date", ErrBadAccountVerdict)
		}
		return &AccountDeletionAsked{Since: since, Until: v.Until, At: now,
			Reason: "cloud password left on the account: deletion asked, it finishes after " + v.Until.UTC().Format("2006-01-02 15:04 UTC")}, nil
	case AccountClean, AccountAbsent, AccountDeleted, AccountBanned:
		return &AccountChecked{Since: since, Outcome: v.Outcome, At: now}, nil
	}
	return nil, fmt.Errorf("%w: outcome %s", ErrBadAccountVerdict, v.Outcome)
}

// CheckedByAdmin decides recording that an admin checked the returned
// number's account by hand (a pending deletion included: the admin takes
// it over). ErrNoAccountCheck when none is owed.
func (n *Number) CheckedByAdmin(by UserID, now time.Time) (*AccountChecked, error) {
	if n.Account == nil {
		return nil, ErrNoAccountCheck
	}
	if err := by.Validate(); err != nil {
		return nil, err
	}
	return &AccountChecked{Since: n.Account.Since, Outcome: AccountCheckedByAdmin, By: by, At: now}, nil
}

// owesAccountCheck begins the check for the holder u who gave the number
// back at at.
func (n *Number) owesAccountCheck(u UserID, at time.Time) {
	n.Account = &AccountCheck{From: u, Since: at}
}

// AccountCheckDeferred records that the check is left to the admins.
type AccountCheckDeferred struct {
	Since time.Time `msgpack:"s"`
}

// AccountDeletionAsked records that the account has a cloud password and
// its deletion was asked for; the number is blocked until Until.
type AccountDeletionAsked struct {
	Since  time.Time `msgpack:"s"`
	Until  time.Time `msgpack:"t"`
	Reason string    `msgpack:"r"`
	At     time.Time `msgpack:"at"`
}

// AccountChecked records that the check begun at Since is done: the bot
// found Outcome, or an admin (By) checked by hand.
type AccountChecked struct {
	Since   time.Time      `msgpack:"s"`
	Outcome AccountOutcome `msgpack:"o"`
	By      UserID         `msgpack:"by,omitempty"`
	At      time.Time      `msgpack:"at"`
}

func (e *AccountCheckDeferred) applyNumber(n *Number) {
	if a := n.Account; a != nil && a.Since.Equal(e.Since) {
		a.Manual = true
	}
}

func (e *AccountDeletionAsked) applyNumber(n *Number) {
	a := n.Account
	if a == nil || !a.Since.Equal(e.Since) {
		return
	}
	a.DeleteAt, a.Alerted = e.Until, false
	if !n.Blocked {
		n.Blocked, n.Reason, a.Blocked = true, e.Reason, true
	} else if a.Blocked {
		n.Reason = e.Reason // a later date for the same block
	}
}

func (e *AccountChecked) applyNumber(n *Number) {
	a := n.Account
	if a == nil || !a.Since.Equal(e.Since) {
		return
	}
	if a.Blocked && n.Blocked {
		n.Blocked, n.Reason = false, ""
	}
	n.Account = nil
	switch {
	case e.Outcome == AccountBanned && !n.Blocked:
		n.Blocked, n.Reason = true, "Telegram bans this number"
	case e.Outcome == AccountClean:
		n.startHandover(HandoverChecked, 0, e.At) // the bot was signed in: no session of it may outlive a crash
	}
}
