package fragmenttest

import (
	"strings"
	"time"
)

// number is the fake's state of one number of the account.
type number struct {
	restricted    bool
	codesOn       bool
	codes         []code // oldest first
	sessions      int
	terminations  int
	terminateHash string // handed out by a first terminatePhoneSessions
	version       int    // grows with every change the codes page shows: updateLoginCodes' lt
}

type code struct {
	code string
	at   time.Time
}

// digits accepts "+888…", "888…" or a number with spaces and returns its digits.
func digits(n string) string {
	var b strings.Builder
	for _, r := range n {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// AddNumber makes number (as "+888…") one of the account's, with login
// codes on, no code and no session. Adding it again changes nothing.
func (s *Server) AddNumber(num string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := digits(num)
	if s.numbers[d] == nil {
		s.numbers[d] = &number{codesOn: true}
	}
}

// RemoveNumber makes number no longer the account's (sold, say).
func (s *Server) RemoveNumber(num string) {
	s.mu.Lock()
	delete(s.numbers, digits(num))
	s.mu.Unlock()
}

// Restrict marks an account's number restricted by Fragment, or not.
func (s *Server) Restrict(num string, on bool) {
	s.with(num, func(n *number) { n.restricted = on; n.version++ })
}

// ArriveCode delivers a login code to number at time at, as Telegram
// does. A code for a number whose codes are off, or that is not the
// account's, is lost, as it would be.
func (s *Server) ArriveCode(num, c string, at time.Time) {
	s.with(num, func(n *number) {
		if n.codesOn {
			n.codes = append(n.codes, code{code: c, at: at})
			n.version++
		}
	})
}

// AddSession opens a Telegram session on number: someone logged in.
func (s *Server) AddSession(num string) {
	s.with(num, func(n *number) { n.sessions++; n.version++ })
}

// LoginCodesOn tells whether number receives login codes on Fragment.
func (s *Server) LoginCodesOn(num string) bool {
	var on bool
	s.with(num, func(n *number) { on = n.codesOn })
	return on
}

// Sessions is the count of sessions open on number.
func (s *Server) Sessions(num string) int {
	var k int
	s.with(num, func(n *number) { k = n.sessions })
	return k
}

// Terminations counts the confirmed terminatePhoneSessions on number.
func (s *Server) Terminations(num string) int {
	var k int
	s.with(num, func(n *number) { k = n.terminations })
	return k
}

// with runs f on an account's number under the lock; an unknown number
// is left alone.
func (s *Server) with(num string, f func(*number)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.numbers[digits(num)]; n != nil {
		f(n)
	}
}
