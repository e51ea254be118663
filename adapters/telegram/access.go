package telegram

// Who may press which button, on what. Callback data is chosen by the
// person byte for byte and may be replayed from any earlier screen or forged
// outright, so every button is an untrusted request. This table is the
// review of the whole vocabulary (actions.go, one rule per action): the role is
// checked here, before anything runs; ownership is checked by the entity
// that owns the state (the number, wallet, pool, proxy or register), in its
// own turn, so it cannot change between the check and the act; a nonce is
// checked for age here (nonce.go) and remembered by the entity. The
// adversarial suite (access_test.go) presses every action as every role on
// every kind of ownership and holds the bot to this table.

// role is the least a person must be to press a button.
type role uint8

const (
	roleAnyone role = iota // any person who writes to the bot: customers
	roleStaff              // approved staff, or an admin
	roleAdmin              // the owner or an admin
)

var roleNames = [...]string{"anyone", "staff", "admin"}

func (r role) String() string { return roleNames[r] }

// ownership names what the caller must hold for the button to act, as the
// owning entity checks it.
type ownership string

const (
	ownsNothing  ownership = ""         // nothing to own: a menu, or a free number anyone may rent
	ownsRental   ownership = "rental"   // the number's current, unexpired rental is the caller's
	ownsOffer    ownership = "offer"    // a transfer offer the caller made (cancel) or was made (accept, decline)
	ownsInvoice  ownership = "invoice"  // an open invoice of the caller's
	ownsItem     ownership = "item"     // a stock item issued to the caller (for rp: reported with a replace status)
	ownsProxy    ownership = "proxy"    // a proxy reserved by the caller
	ownsDraft    ownership = "draft"    // the caller's own conversation state (a draft, a pending confirmation)
	ownsRequest  ownership = "request"  // a person's pending staff request (for an admin to decide)
	ownsOwnStuff ownership = "own data" // the caller's own wallet, language or staff request
)

// access is one action's rule: a column of the table of actions.
type access struct {
	who     role
	owns    ownership
	changes bool // pressing it changes durable state
	nonce   int  // index of the nonce argument, or -1
}

// mayPress checks a pressed button against the table before anything
// runs: the nonce's age and the person's role. A refusal is answered here.
func (s *session) mayPress(queryID string, c Callback) bool {
	rule := actions[c.Action].access // decoded, so one of the table's
	if rule.nonce >= 0 && !nonceFresh(c.Args[rule.nonce], s.bot.now()) {
		s.answer(queryID, s.t("stale_nonce"))
		s.send(s.t("stale_nonce"), s.menuKeyboard())
		return false
	}
	switch rule.who {
	case roleAdmin:
		if !s.isAdmin() {
			s.answer(queryID, s.t("admin_only"))
			return false
		}
	case roleStaff:
		return s.staffOnly(queryID)
	}
	return true
}
