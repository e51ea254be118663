// Package domain holds Allot's types and rules: numbers and their rentals,
// wallets and their ledgers, invoices and payments, users, roles and the
// audit log.
//
// It is pure on purpose. Nothing here starts a goroutine, touches a file or
// the network, reads a clock or logs: time is passed in as `now`, and every
// change is split in two steps so that it can be journaled between them:
//
//	events, err := state.Decide(command, now) // pure decision, state untouched
//	state.Apply(event)                        // after the event is appended
//
// A decision that fails returns a typed error from errors.go and no events,
// so bad input never changes state. Apply never fails: an event is a fact that
// was already decided and journaled, and replaying it after a crash must give
// exactly the state it gave the first time.
//
// Money is integers of a currency's smallest unit, never floats: nanotons
// (Nano) for TON, millionths for USDT (Money carries which), and every sum
// is checked for overflow. Currencies are never converted into each other;
// the zero Currency is TON, what everything written before USDT holds.
package domain
