package domain

import (
	"errors"
	"fmt"
)

// Sentinel errors of every decision. Each is a refusal that leaves the state
// unchanged; the bot maps each to a short translated sentence, so adding one
// here means adding its text to the catalogs too.
var (
	ErrBadAmount       = errors.New("domain: amount must be positive")
	ErrAmountTooLarge  = errors.New("domain: amount too large")
	ErrOverflow        = errors.New("domain: amount overflows")
	ErrBadOp           = errors.New("domain: missing operation id")
	ErrBadUser         = errors.New("domain: invalid user id")
	ErrBadNumber       = errors.New("domain: invalid number")
	ErrBadPeriod       = errors.New("domain: no price for that period")
	ErrNumberNotFound  = errors.New("domain: unknown number")
	ErrNumberExists    = errors.New("domain: number already exists")
	ErrNotAvailable    = errors.New("domain: number is not available")
	ErrBlocked         = errors.New("domain: number is blocked")
	ErrNotBlocked      = errors.New("domain: number is not blocked")
	ErrNotRenter       = errors.New("domain: you are not the renter")
	ErrNotRented       = errors.New("domain: number is not rented")
	ErrNotExpired      = errors.New("domain: rental has not expired")
	ErrNoHold          = errors.New("domain: no reservation for that operation")
	ErrHoldExpired     = errors.New("domain: reservation expired")
	ErrPriceChanged    = errors.New("domain: price changed")
	ErrSelfTransfer    = errors.New("domain: cannot transfer to yourself")
	ErrUnknownUser     = errors.New("domain: unknown user")
	ErrTransferPending = errors.New("domain: a transfer is already pending")
	ErrNoTransfer      = errors.New("domain: no pending transfer")
	ErrNotRecipient    = errors.New("domain: transfer is offered to someone else")
	ErrTransferExpired = errors.New("domain: transfer offer expired")
	ErrBusy            = errors.New("domain: number has a pending operation")
	ErrDuplicateOp     = errors.New("domain: operation already applied")
	ErrEntryNotFound   = errors.New("domain: no ledger entry for that operation")
	ErrEntryFinal      = errors.New("domain: ledger entry already final")
	ErrInvoiceNotFound = errors.New("domain: unknown invoice")
	ErrInvoiceExpired  = errors.New("domain: invoice expired")
	ErrInvoiceClosed   = errors.New("domain: invoice is no longer open")
	ErrDuplicateTx     = errors.New("domain: transaction already applied")
	ErrBadCode         = errors.New("domain: invalid invoice code")
	ErrNotPermitted    = errors.New("domain: not permitted")
	ErrBadNickname     = errors.New("domain: invalid nickname")
	ErrAlreadyDecided  = errors.New("domain: already decided")
	ErrNotPending      = errors.New("domain: not awaiting approval")
	ErrOrphanNotFound  = errors.New("domain: unknown orphan payment")
	ErrBadProxy        = errors.New("domain: invalid proxy")
	ErrProxyNotFound   = errors.New("domain: unknown proxy")
	ErrProxyExists     = errors.New("domain: proxy already in stock")
	ErrProxyTaken      = errors.New("domain: proxy is taken")
	ErrProxyExpired    = errors.New("domain: proxy expired")
	ErrBadKinds        = errors.New("domain: bad resource kinds")
	ErrOutOfStock      = errors.New("domain: out of stock")
	ErrBadRegion       = errors.New("domain: unknown region")
	ErrUnknownKind     = errors.New("domain: unknown resource kind")
	ErrItemNotFound    = errors.New("domain: unknown item")
	ErrNoAccountCheck  = errors.New("domain: no account check is owed for this number")
	// ErrBadAccountVerdict is an account checker's answer that makes no
	// sense (an unknown outcome, a pending deletion without a date).
	ErrBadAccountVerdict = errors.New("domain: bad account check verdict")
)

// InsufficientFundsError says how much is missing, so the bot can offer a
// top-up of exactly that amount.
// Balance and Need are in Currency's smallest unit (TON when zero): a
// purchase in one currency is never paid from another's balance.
type InsufficientFundsError struct {
	Balance  Nano
	Need     Nano
	Currency Currency
}

// ErrInsufficientFunds is the sentinel InsufficientFundsError matches with errors.Is.
var ErrInsufficientFunds = errors.New("domain: insufficient funds")

// Error says what the balance holds and what was needed, for the log.
func (e *InsufficientFundsError) Error() string {
	return fmt.Sprintf("domain: insufficient funds: balance %s, need %s",
		Money{Currency: e.Currency, Units: int64(e.Balance)}, Money{Currency: e.Currency, Units: int64(e.Need)})
}

// Is makes errors.Is(err, ErrInsufficientFunds) true.
func (e *InsufficientFundsError) Is(target error) bool { return target == ErrInsufficientFunds }
