package playground

import "errors"

// Errors of the playground's parts, which the page answers with a 4xx: they
// are what the person at the page got wrong.
var (
	// ErrBadPerson is a person People cannot make: a bad name or role.
	ErrBadPerson = errors.New("playground: bad person")
	// ErrUnknownPerson is a request naming nobody People know.
	ErrUnknownPerson = errors.New("playground: no such person")
	// ErrNotYours is paying someone else's invoice from one's wallet.
	ErrNotYours = errors.New("playground: the invoice is someone else's")
	// ErrUnknownNumber is a login from the simulated app to a number the
	// playground's Fragment account does not hold.
	ErrUnknownNumber = errors.New("playground: no such number on Fragment")
)
