package telegram

import "allot/domain"

// Who may press which button, on what. Callback data is chosen by the
// person byte for byte and may be replayed from any earlier screen or forged
// outright, so every button is an untrusted request. This table is the
// review of the whole vocabulary (domain.CallbackActions): the role is
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

// access is one action's rule.
type access struct {
	who     role
	owns    ownership
	changes bool // pressing it changes durable state
	nonce   int  // index of the nonce argument, or -1
}

// callbackRules is the table. Every action of domain's vocabulary has a line.
var callbackRules = map[string]access{
	"menu": {roleAnyone, ownsNothing, false, -1},
	"cat":  {roleAnyone, ownsNothing, false, -1},
	"num":  {roleAnyone, ownsNothing, false, -1},
	"per":  {roleAnyone, ownsNothing, false, -1},
	"pay":  {roleAnyone, ownsNothing, true, 3}, // rent a free number (or one held for the caller's invoice)
	"my":   {roleAnyone, ownsOwnStuff, false, -1},
	"mine": {roleAnyone, ownsRental, false, -1},
	"rnw":  {roleAnyone, ownsRental, false, -1},
	"rnp":  {roleAnyone, ownsRental, true, 3},
	"trf":  {roleAnyone, ownsRental, false, -1}, // only asks to whom; the offer is checked when made
	"tcx":  {roleAnyone, ownsOffer, true, -1},
	"acc":  {roleAnyone, ownsOffer, true, -1},
	"dec":  {roleAnyone, ownsOffer, true, -1},
	"hist": {roleAnyone, ownsRental, false, -1},
	"wal":  {roleAnyone, ownsOwnStuff, false, -1},
	"top":  {roleAnyone, ownsOwnStuff, true, 1},
	"tpu":  {roleAnyone, ownsOwnStuff, true, 1},
	"icx":  {roleAnyone, ownsInvoice, true, -1},
	"lang": {roleAnyone, ownsOwnStuff, true, -1},
	"adm":  {roleAdmin, ownsNothing, false, -1},
	"noop": {roleAnyone, ownsNothing, false, -1},
	"code": {roleAnyone, ownsRental, false, -1}, // reads; the number writes only the audit line

	"st":   {roleAnyone, ownsOwnStuff, false, -1}, // asks for a nickname; the request is made when it is typed
	"sapv": {roleAdmin, ownsRequest, true, -1},
	"srej": {roleAdmin, ownsRequest, true, -1},
	"dm":   {roleStaff, ownsNothing, false, -1},
	"dk":   {roleStaff, ownsNothing, false, -1},
	"dr":   {roleStaff, ownsNothing, false, -1},
	"dq":   {roleStaff, ownsNothing, false, -1},
	"dv":   {roleStaff, ownsNothing, true, 4},
	"fb":   {roleStaff, ownsItem, true, -1},
	"rp":   {roleStaff, ownsItem, true, -1},
	"sts":  {roleStaff, ownsNothing, false, -1},
	"acf":  {roleAdmin, ownsDraft, true, 1},

	"pxm":  {roleStaff, ownsNothing, false, -1},
	"pxa":  {roleStaff, ownsDraft, false, -1},
	"pxt":  {roleStaff, ownsDraft, false, -1},
	"pxr":  {roleStaff, ownsDraft, false, -1},
	"pxd":  {roleStaff, ownsDraft, true, -1}, // the last step of adding a proxy
	"pxg":  {roleStaff, ownsDraft, false, -1},
	"pxgr": {roleStaff, ownsDraft, false, -1},
	"pxc":  {roleStaff, ownsDraft, false, -1},
	"pxl":  {roleStaff, ownsDraft, false, -1},
	"pxs":  {roleStaff, ownsNothing, true, -1}, // reserve an available proxy
	"pxok": {roleStaff, ownsProxy, true, -1},
	"pxno": {roleStaff, ownsProxy, true, -1},
}

// mayPress checks a pressed button against the table before anything
// runs: the nonce's age and the person's role. A refusal is answered here.
func (s *session) mayPress(queryID string, c domain.Callback) bool {
	rule, ok := callbackRules[c.Action]
	if !ok { // a vocabulary action with no rule: refuse rather than guess
		s.answer(queryID, s.t("stale_button"))
		return false
	}
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
