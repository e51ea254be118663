package domain

import (
	"fmt"
	"time"
)

// AccountOutcome is what a look at a returned number's Telegram account
// found: whether the next renter can sign in to it.
type AccountOutcome uint8

// The outcomes of an account check. Clean, Absent and Deleted leave the
// number ready for the next renter; DeletionPending keeps it blocked until
// Telegram lets the deletion finish; Banned blocks it for good.
const (
	// AccountClean: signed in without a cloud password; the checker's own
	// session was logged out again.
	AccountClean AccountOutcome = iota + 1
	// AccountAbsent: no account is registered on the number; the next
	// renter signs up afresh in the official app.
	AccountAbsent
	// AccountDeleted: the account had a cloud password and is deleted now.
	AccountDeleted
	// AccountDeletionPending: the account has a cloud password; its deletion
	// is asked for and Telegram lets it finish only at the verdict's Until.
	AccountDeletionPending
	// AccountBanned: Telegram refuses the number altogether.
	AccountBanned
	// AccountCheckedByAdmin: an admin checked the account by hand.
	AccountCheckedByAdmin
)

var accountOutcomeNames = [...]string{"", "clean", "absent", "deleted", "deletion_pending", "banned", "admin"}

// String names the outcome in logs and on the admins' screens.
func (o AccountOutcome) String() string {
	if int(o) < len(accountOutcomeNames) && o > 0 {
		return accountOutcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", o)
}

// AccountVerdict is an account check's finding. Until is set for
// AccountDeletionPending: the earliest moment the deletion can be finished.
type AccountVerdict struct {
	Outcome AccountOutcome
	Until   time.Time
}
