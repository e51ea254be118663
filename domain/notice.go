package domain

import (
	"slices"
	"time"
)

// Some of a number's events must reach a person who did not ask: a
// reminder that the rental ends soon, its expiry, a reservation that
// lapsed unpaid. The event that raises such a notice also records it as
// owed in the number's state, in the same record, and the notice stays
// owed until the bot reports it told (NoticeTold). Recovery raises every
// notice still owed again, so a crash between the durable event and
// Telegram taking the message only delays it: a notice is told at least
// once. A crash after Telegram took it but before NoticeTold is durable
// tells it twice, since sendMessage has no idempotency key that would make
// sending it again safe.
//
// The owed set stays small. A notice replaces an older one of the same
// kind to the same person (a later reminder says less time is left; one
// "reservation lapsed" is enough), every event drops the notices it made
// untrue (a renewal moves the end a reminder names, the expiry ends the
// rental a reminder was about, an admin reviving a rental takes back its
// expiry), and at most maxNotices are kept, the oldest going first: a
// number owes notices only while the bot cannot reach Telegram.
//
// A transfer offer that lapsed (TransferClosed "expired") is told to
// nobody, as before notices were owed, so it owes nothing; telling the
// offerer would take a translated reason first (the notice's text shows
// the raw why).

// NoticeKind is what an owed notice tells. Stored on disk: only add.
type NoticeKind uint8

// The kinds of owed notices.
const (
	NoticeReminder   NoticeKind = iota + 1 // the rental ends soon
	NoticeExpired                          // the rental has ended
	NoticeHoldLapsed                       // a reservation lapsed unpaid
)

// maxNotices bounds a number's owed notices. By the rules above there is
// at most one of each kind per person, and only a long Telegram outage with
// many people reserving the number in turn comes near it.
const maxNotices = 8

// lapsed is the reason the tick (and the payments' invoice expiry) gives
// a reservation that ran out of time: only that release raises a notice,
// a cancel being the person's own doing.
const lapsed = "expired"

// OwedNotice is a notice the number owes a person until the bot tells it.
type OwedNotice struct {
	// Seq is the journal sequence of the event that raised it: its id,
	// which the bot's acknowledgement names.
	Seq   uint64     `msgpack:"sq"`
	About NoticeKind `msgpack:"k"`
	User  UserID     `msgpack:"u"`
	Until time.Time  `msgpack:"t,omitempty"`  // the rental's end (reminder, expiry)
	Step  int        `msgpack:"s,omitempty"`  // the reminder's step
	Op    OpID       `msgpack:"op,omitempty"` // the lapsed reservation's operation
	At    time.Time  `msgpack:"at,omitempty"` // when it fell due (expiry, lapsed reservation)
}

// Event is the event the notice tells of, as it was journaled: what the
// bot renders, the same whether told at once or raised again by recovery.
func (o OwedNotice) Event() Event {
	switch o.About {
	case NoticeReminder:
		return &ReminderDue{Step: o.Step, Renter: o.User, Until: o.Until}
	case NoticeExpired:
		return &RentalExpired{At: o.At}
	case NoticeHoldLapsed:
		return &NumberReleased{Op: o.Op, Reason: lapsed, At: o.At}
	}
	return nil
}

// NoticeTold records that the owed notice Seq was told, or can never be
// (the person blocked the bot): it is not raised again.
type NoticeTold struct {
	Seq uint64 `msgpack:"sq"`
}

// OwedNotice returns the notice owed under seq, if it still is.
func (n *Number) OwedNotice(seq uint64) (OwedNotice, bool) {
	i := slices.IndexFunc(n.Notices, func(o OwedNotice) bool { return o.Seq == seq })
	if i < 0 {
		return OwedNotice{}, false
	}
	return n.Notices[i], true
}

// NoticeDone decides recording the notice seq as told; nil when it is not
// owed (told already, replaced by a newer one, no longer true, or never).
func (n *Number) NoticeDone(seq uint64) *NoticeTold {
	if _, ok := n.OwedNotice(seq); seq == 0 || !ok {
		return nil
	}
	return &NoticeTold{Seq: seq}
}

func (e *NoticeTold) applyNumber(n *Number) {
	n.Notices = slices.DeleteFunc(n.Notices, func(o OwedNotice) bool { return o.Seq == e.Seq })
}

// owe records o as owed, replacing an older notice of its kind to its
// person. Its Seq is 0 until Apply stamps the event's sequence on it.
func (n *Number) owe(o OwedNotice) {
	if o.User == 0 {
		return // nobody to tell
	}
	n.Notices = slices.DeleteFunc(n.Notices, func(p OwedNotice) bool { return p.About == o.About && p.User == o.User })
	o.Seq = 0
	n.Notices = append(n.Notices, o)
	if k := len(n.Notices) - maxNotices; k > 0 {
		n.Notices = slices.Delete(n.Notices, 0, k)
	}
}

// settleNotices runs after every event: it gives a notice the event just
// made owed the event's sequence, and drops those the event made untrue.
// Without owed notices (nearly always) it costs one length check.
func (n *Number) settleNotices(seq uint64) {
	if len(n.Notices) == 0 {
		n.Notices = nil // one shape for "none", as a decoded state has it
		return
	}
	if last := &n.Notices[len(n.Notices)-1]; last.Seq == 0 {
		last.Seq = seq
	}
	n.Notices = slices.DeleteFunc(n.Notices, func(o OwedNotice) bool { return o.untrue(n) })
	if len(n.Notices) == 0 {
		n.Notices = nil
	}
}

// Overtaken reports whether o is not worth raising at now although still
// owed: a reminder of an end that has come. The expiry, due at once, says
// more, and drops the reminder as it applies.
func (o OwedNotice) Overtaken(now time.Time) bool {
	return o.About == NoticeReminder && !now.Before(o.Until)
}

// untrue reports whether telling o now would mislead its person.
func (o OwedNotice) untrue(n *Number) bool {
	r := n.Rental
	holds := r != nil && !r.Expired && r.Renter == o.User // the person rents the number now
	switch o.About {
	case NoticeReminder: // about the end of this very rental
		return !holds || !r.Until.Equal(o.Until)
	case NoticeExpired: // revived by an admin, or rented by them again
		return holds
	case NoticeHoldLapsed: // they reserved or rented it since
		return holds || n.Hold != nil && n.Hold.User == o.User
	}
	return false
}
