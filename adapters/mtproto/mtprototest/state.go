package mtprototest

import (
	"strings"
	"time"

	"github.com/gotd/td/tgerr"
)

// Account is a Telegram account on a number, as far as a check cares.
type Account struct {
	// Password: the account has a cloud password (2FA). Signing in with
	// the code alone then stops at SESSION_PASSWORD_NEEDED.
	Password bool
	// DeleteWait is how long Telegram makes the deletion of an account
	// with a password wait when the password is not given (7 days on
	// Telegram). 0 deletes at once.
	DeleteWait time.Duration
}

// The methods FailNext knows, by their TL names.
const (
	MethodSendCode      = "auth.sendCode"
	MethodResendCode    = "auth.resendCode"
	MethodSignIn        = "auth.signIn"
	MethodLogOut        = "auth.logOut"
	MethodDeleteAccount = "account.deleteAccount"
)

// number is the fake's state of one phone number.
type number struct {
	account   *Account  // nil: no account, sign-up required
	banned    bool      // Telegram refuses the number
	live      bool      // other sessions are open: the first code goes in-app
	deleted   bool      // the account was deleted
	requested time.Time // first deletion request without the password; zero: none
	signIns   int       // auth.signIn calls
	sessions  int       // auth keys signed in to the account
}

// authKey is what Telegram binds to one client's auth key.
type authKey struct {
	signedIn string // digits of the number whose account the key is signed in to
	passed   string // digits of a password account whose code the key passed
}

// issued is a login code handed out for a phone_code_hash.
type issued struct {
	number, code string
}

// digits accepts "+888…" or "888…" (spaces and dashes allowed) and
// returns its digits; "" when anything else is in it.
func digits(n string) string {
	var b strings.Builder
	for i, r := range n {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '-':
		default:
			return ""
		}
	}
	return b.String()
}

// numberOf returns the state of the number with digits d, made on first
// use. The caller holds s.mu.
func (s *Server) numberOf(d string) *number {
	n := s.numbers[d]
	if n == nil {
		n = &number{}
		s.numbers[d] = n
	}
	return n
}

// with runs f on number's state under the lock.
func (s *Server) with(num string, f func(*number)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.numberOf(digits(num)))
}

// AddAccount registers an account on number ("+888…"), replacing any
// account, deletion or deletion request it had.
func (s *Server) AddAccount(num string, a Account) {
	s.with(num, func(n *number) {
		n.account, n.deleted, n.requested = &a, false, time.Time{}
	})
}

// Ban makes Telegram refuse number: PHONE_NUMBER_BANNED.
func (s *Server) Ban(num string) {
	s.with(num, func(n *number) { n.banned = true })
}

// SessionsLive says whether other sessions (the renter's) are open on the
// number's account. While they are, sendCode sends the code in-app, where
// OnCode does not see it, and names Fragment as next_type: only a
// resendCode brings a code to Fragment.
func (s *Server) SessionsLive(num string, live bool) {
	s.with(num, func(n *number) { n.live = live })
}

// OnCode sets the function called with every code sent to Fragment by
// sendCode or resendCode: number as "+888…", code as 5 digits. It is
// called before the RPC answers, outside the Server's lock, so it may
// call the Server.
func (s *Server) OnCode(f func(number, code string)) {
	s.mu.Lock()
	s.onCode = f
	s.mu.Unlock()
}

// FailNext makes the next call of method (MethodSendCode, …) answer err
// instead of doing anything. Calls queue: each is used once, in order.
func (s *Server) FailNext(method string, err *tgerr.Error) {
	s.mu.Lock()
	s.faults[method] = append(s.faults[method], err)
	s.mu.Unlock()
}

// fault takes the next injected error for method, or nil.
func (s *Server) fault(method string) *tgerr.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[method]
	if len(q) == 0 {
		return nil
	}
	s.faults[method] = q[1:]
	return q[0]
}

// SetNow sets the fake's clock, which times the deletion wait.
func (s *Server) SetNow(t time.Time) {
	s.mu.Lock()
	s.now = t
	s.mu.Unlock()
}

// Advance moves the fake's clock on by d.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.mu.Unlock()
}

// Now is the fake's clock.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// Sessions counts the auth keys signed in to number's account: what a
// checker left open. A clean check leaves 0.
func (s *Server) Sessions(num string) int {
	var k int
	s.with(num, func(n *number) { k = n.sessions })
	return k
}

// SignIns counts the auth.signIn calls for number, right code or wrong.
func (s *Server) SignIns(num string) int {
	var k int
	s.with(num, func(n *number) { k = n.signIns })
	return k
}

// Deleted tells whether number's account was deleted.
func (s *Server) Deleted(num string) bool {
	var d bool
	s.with(num, func(n *number) { d = n.deleted })
	return d
}

// DeletionRequested returns when the deletion of number's account without
// its password was first asked for, and whether it was.
func (s *Server) DeletionRequested(num string) (time.Time, bool) {
	var at time.Time
	s.with(num, func(n *number) { at = n.requested })
	return at, !at.IsZero()
}
