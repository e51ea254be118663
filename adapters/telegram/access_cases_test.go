package telegram

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"allot/domain"
)

// pressCase is data to press and what it must do once the presser's role
// lets it through: change durable state or not, show one of says and none
// of hides.
type pressCase struct {
	data   string
	change bool
	says   []string
	hides  []string
}

// hiding is c, which must show none of keys.
func (c pressCase) hiding(keys ...string) pressCase { c.hides = keys; return c }

func unchanged(data string, says ...string) pressCase { return pressCase{data: data, says: says} }
func changing(data string) pressCase                  { return pressCase{data: data, change: true} }

// cbData is callback data as a client could send it, valid or not.
func cbData(action string, args ...string) string {
	return strings.Join(append([]string{"1", action}, args...), ":")
}

// unknownNumber is a well-formed number never added.
const unknownNumber = "+88899999999"

// hugeInt is an integer no argument may take.
const hugeInt = "99999999999999999999"

// caseBuilder makes the fixtures of an action for an ownership and
// returns the data to press.
type caseBuilder func(x *rig, t testing.TB, o owned) []pressCase

// plainCases is an action whose data names nothing to own.
func plainCases(data string, madeUp ...pressCase) caseBuilder {
	return func(_ *rig, _ testing.TB, o owned) []pressCase {
		if o == ownMadeUp {
			return madeUp
		}
		return []pressCase{unchanged(data)}
	}
}

// accessCases has a builder for every action of the vocabulary.
var accessCases = map[string]caseBuilder{
	"menu": plainCases(cbData("menu")),
	"my":   plainCases(cbData("my")),
	"adm":  plainCases(cbData("adm")),
	"noop": plainCases(cbData("noop")),
	"st":   plainCases(cbData("st")),
	"dm":   plainCases(cbData("dm")),
	"pxm":  plainCases(cbData("pxm")),
	"pxa":  plainCases(cbData("pxa")),
	"pxg":  plainCases(cbData("pxg")),
	"cat":  pages("cat"),
	"wal":  pages("wal"),
	"sts": plainCases(cbData("sts", "a", "d"), unchanged(cbData("sts", "z", "d"), "stale_button"),
		unchanged(cbData("sts", "a", "zz"), "stale_button")),
	"dk": plainCases(cbData("dk", "vk"), unchanged(cbData("dk", "zz"), "stale_button"),
		unchanged(cbData("dk", strings.Repeat("a", 50)), "stale_button")),
	"dr": plainCases(cbData("dr", "vk", "495"), unchanged(cbData("dr", "zz", "495"), "stale_button")),
	"dq": countCases,

	"num":  numberCases("num", "0", false),
	"per":  numberCases("per", "30", false),
	"mine": numberCases("mine", "", true),
	"rnw":  numberCases("rnw", "0", true),
	"code": numberCases("code", "", true),
	"hist": numberCases("hist", "0", true),
	"trf":  numberCases("trf", "", false),
	"pay":  payCases("pay"),
	"rnp":  payCases("rnp"),
	"tcx":  offerCases("tcx"),
	"acc":  offerCases("acc"),
	"dec":  offerCases("dec"),
	"top":  topCases,
	"tpu":  tpuCases,
	"icx":  invoiceCases,
	"lang": langCases,
	"sapv": requestCases("sapv"),
	"srej": requestCases("srej"),
	"dv":   issueCases,
	"fb":   feedbackCases,
	"rp":   replaceCases,
	"acf":  confirmCases,
	"pxt":  draftCases(cbData("pxt", "h"), cbData("pxt", "z"), "pxa"),
	"pxr":  draftCases(cbData("pxr", "vk"), cbData("pxr", "zz"), "pxa"),
	"pxgr": draftCases(cbData("pxgr", "vk"), cbData("pxgr", "zz"), "pxg"),
	"pxc":  draftCases(cbData("pxc", "g", "-"), cbData("pxc", "q", "NL"), "pxg", "pxgr:vk"),
	"pxl":  listCases,
	"pxd":  addCases,
	"pxs":  proxyCases("pxs"),
	"pxok": proxyCases("pxok"),
	"pxno": proxyCases("pxno"),
}

// countCases presses a count. Of a kind with variants it asks which;
// a kind without has dv buttons on its count screen, so a count button of
// an older screen only draws that screen again, though there is stock to
// issue.
func countCases(x *rig, t testing.TB, o owned) []pressCase {
	switch o {
	case ownMine:
		x.load(t, "ok/495", 1)
		return []pressCase{unchanged(cbData("dq", "vk", "495", "1"), "dist_choose_variant"),
			unchanged(cbData("dq", "ok", "495", "1"), "dist_choose_count").hiding("dist_issued")}
	case ownNone: // a region without stock
		return []pressCase{unchanged(cbData("dq", "ok", "812", "1"), "dist_choose_count")}
	case ownMadeUp:
		return []pressCase{unchanged(cbData("dq", "vk", "495", hugeInt), "stale_button"),
			unchanged(cbData("dq", "zz", "495", "1"), "stale_button")}
	}
	return []pressCase{unchanged(cbData("dq", "vk", "495", "1"))}
}

func pages(action string) caseBuilder {
	return func(_ *rig, _ testing.TB, o owned) []pressCase {
		switch o {
		case ownNone:
			return []pressCase{unchanged(cbData(action, "999"))}
		case ownMadeUp:
			return []pressCase{unchanged(cbData(action, "-1"), "stale_button"), unchanged(cbData(action, hugeInt), "stale_button"),
				unchanged(cbData(action, "abc"), "stale_button")}
		}
		return []pressCase{unchanged(cbData(action, "0"))}
	}
}

// numberCases is a read-only action on a number: rented by the presser,
// by someone else, never added, or not a number. mine says whether
// someone else's number is refused.
func numberCases(action, arg string, mine bool) caseBuilder {
	args := func(n string) []string {
		if arg == "" {
			return []string{n}
		}
		return []string{n, arg}
	}
	return func(x *rig, t testing.TB, o owned) []pressCase {
		switch o {
		case ownMine:
			c := unchanged(cbData(action, args(x.rented(t, x.me))...))
			if action != "rnw" {
				return []pressCase{c}
			}
			return []pressCase{c, unchanged(cbData(action, x.rented(t, x.me), "30"), "choose_pay")}
		case ownOthers:
			c := unchanged(cbData(action, args(x.rented(t, otherA))...))
			if !mine {
				return []pressCase{c}
			}
			c.says = []string{"err_not_renter"}
			if action != "rnw" {
				return []pressCase{c}
			}
			// a period straight away: no payment screen for another's rental, nor a free number
			return []pressCase{c, unchanged(cbData(action, x.rented(t, otherA), "30"), "err_not_renter").hiding("choose_pay"),
				unchanged(cbData(action, x.number(t), "30"), "err_not_renter").hiding("choose_pay")}
		case ownNone:
			c := unchanged(cbData(action, args(unknownNumber)...))
			if mine || action != "trf" {
				c.says = []string{"err_not_available"}
			}
			return []pressCase{c}
		}
		out := []pressCase{unchanged(cbData(action, args("+888abc")...), "stale_button")}
		if arg != "" {
			c := unchanged(cbData(action, x.rented(t, x.me), hugeInt), "stale_button")
			if action == "hist" { // the page is not read: the history is one page
				c.says = nil
			}
			out = append(out, c)
		}
		return out
	}
}

// payCases rents (pay) or renews (rnp) from the balance.
func payCases(action string) caseBuilder {
	return func(x *rig, t testing.TB, o owned) []pressCase {
		x.fund(t, x.me, 20)
		number := func() string {
			if action == "pay" {
				return x.number(t)
			}
			return x.rented(t, x.me)
		}
		switch o {
		case ownMine:
			return []pressCase{changing(cbData(action, number(), "30", "b", x.nonce()))}
		case ownOthers:
			why := "err_not_available"
			if action == "rnp" {
				why = "err_not_renter"
			}
			return []pressCase{unchanged(cbData(action, x.rented(t, otherA), "30", "b", x.nonce()), why)}
		case ownNone:
			return []pressCase{unchanged(cbData(action, unknownNumber, "30", "b", x.nonce()), "err_not_available")}
		}
		n := number()
		return []pressCase{
			unchanged(cbData(action, n, "30", "z", x.nonce()), "stale_button"),
			unchanged(cbData(action, n, "7", "b", x.nonce()), "err_bad_period"),
			unchanged(cbData(action, n, "30", "bu", x.nonce()), "err_bad_period"), // priced in TON only
			unchanged(cbData(action, n, hugeInt, "b", x.nonce()), "stale_button"),
			unchanged(cbData(action, "+888abc", "30", "b", x.nonce()), "stale_button"),
			unchanged(cbData(action, n, "30", "b", "ABCDEFGH")),
			unchanged(cbData(action, n, "30", "b", newNonce(time.Now().Add(time.Hour)))),
			unchanged(cbData(action, n, "30", "b", newNonce(time.Now().Add(-ButtonTTL-time.Hour)))),
		}
	}
}

// offerCases answers (acc, dec) or withdraws (tcx) a transfer offer.
func offerCases(action string) caseBuilder {
	return func(x *rig, t testing.TB, o owned) []pressCase {
		theirs := []pressCase{unchanged(cbData(action, x.offered(t, otherA, otherB)), "err_no_offer", "err_not_renter")}
		if action == "tcx" {
			if o != ownMadeUp && x.who != byStranger { // a stranger cannot be offered anything
				theirs = append(theirs, unchanged(cbData(action, x.offered(t, otherA, x.me)), "err_not_renter"))
			}
		} else {
			theirs = append(theirs, unchanged(cbData(action, x.offered(t, x.me, otherA)), "err_no_offer"))
		}
		switch o {
		case ownMine:
			if action == "tcx" {
				return []pressCase{changing(cbData(action, x.offered(t, x.me, otherA)))}
			}
			if x.who == byStranger {
				return theirs
			}
			return []pressCase{changing(cbData(action, x.offered(t, otherA, x.me)))}
		case ownOthers:
			return theirs
		case ownNone:
			return []pressCase{unchanged(cbData(action, x.rented(t, x.me)), "err_no_offer"),
				unchanged(cbData(action, x.rented(t, otherA)), "err_no_offer", "err_not_renter"),
				unchanged(cbData(action, unknownNumber), "err_not_available")}
		}
		return []pressCase{unchanged(cbData(action, "+888abc"), "stale_button"), unchanged(cbData(action, hugeInt), "stale_button")}
	}
}

func topCases(x *rig, _ testing.TB, o owned) []pressCase {
	switch o {
	case ownMine:
		return []pressCase{changing(cbData("top", "1", x.nonce()))}
	case ownOthers: // a button drawn for someone else is only a request of the presser's own
		return []pressCase{changing(cbData("top", "5", x.nonce()))}
	case ownNone:
		return []pressCase{unchanged(cbData("top", "7", x.nonce()), "stale_button")}
	}
	return []pressCase{unchanged(cbData("top", hugeInt, x.nonce()), "stale_button"), unchanged(cbData("top", "1", "ABCDEFGH"))}
}

// tpuCases are topCases in USDT, whose amounts are 5, 10 and 25.
func tpuCases(x *rig, _ testing.TB, o owned) []pressCase {
	switch o {
	case ownMine:
		return []pressCase{changing(cbData("tpu", "5", x.nonce()))}
	case ownOthers:
		return []pressCase{changing(cbData("tpu", "25", x.nonce()))}
	case ownNone: // 1 is a TON amount, not a USDT one
		return []pressCase{unchanged(cbData("tpu", "1", x.nonce()), "stale_button")}
	}
	return []pressCase{unchanged(cbData("tpu", hugeInt, x.nonce()), "stale_button"), unchanged(cbData("tpu", "5", "ABCDEFGH"))}
}

func invoiceCases(x *rig, t testing.TB, o owned) []pressCase {
	switch o {
	case ownMine:
		return []pressCase{changing(cbData("icx", x.invoice(t, x.me)))}
	case ownOthers:
		return []pressCase{unchanged(cbData("icx", x.invoice(t, otherA)), "stale_button")}
	case ownNone:
		return []pressCase{unchanged(cbData("icx", "AAAA-AAAA"), "stale_button")}
	}
	return []pressCase{unchanged(cbData("icx", "x"), "stale_button"), unchanged(cbData("icx", strings.Repeat("K7QM", 12)), "stale_button")}
}

// langCases: the argument is ignored, so any of it switches the language.
func langCases(x *rig, _ testing.TB, o owned) []pressCase {
	switch {
	case x.who == byStranger && o != ownMadeUp: // their first record holds the language chosen
		return []pressCase{unchanged(cbData("lang", "x"))}
	case o == ownMine:
		return []pressCase{changing(cbData("lang", "x"))}
	case o == ownOthers:
		return []pressCase{changing(cbData("lang", "en"))}
	case o == ownNone:
		return []pressCase{changing(cbData("lang", "zz"))}
	}
	return nil
}

// requestCases decides a staff request: the data names the person and
// the request the button was drawn for (User.Requests when it was made).
func requestCases(action string) caseBuilder {
	return func(x *rig, t testing.TB, o owned) []pressCase {
		switch o {
		case ownMine: // an id of Telegram's size too, above 2^32
			return []pressCase{changing(x.decision(t, action, x.requester(t, 0))),
				changing(x.decision(t, action, x.requester(t, 5_000_000_000)))}
		case ownOthers: // decided already, by another admin; asked again since the button was drawn
			decided := x.requester(t, 0)
			x.decide(t, decided, domain.ApprovalRejected)
			again := x.requester(t, 0)
			first := x.decision(t, action, again)
			x.decide(t, again, domain.ApprovalRejected)
			x.makeStaff(t, again, domain.ApprovalPending)
			return []pressCase{unchanged(x.decision(t, action, decided), "staff_decided_already"),
				unchanged(first, "staff_decided_already")}
		case ownNone: // approved long ago; nobody the bot knows
			return []pressCase{unchanged(x.decision(t, action, otherA), "staff_decided_already"),
				unchanged(cbData(action, "3999", "1"), "err_user_not_found", "staff_not_found"),
				unchanged(cbData(action, "5000000999", "1"), "err_user_not_found", "staff_not_found"),
				unchanged(cbData(action, "4503599627370496", "1"), "err_user_not_found", "staff_not_found")} // 2^52
		}
		pending := strconv.FormatInt(x.requester(t, 0).ID, 10) // request 1
		return []pressCase{unchanged(cbData(action, "abc", "1"), "stale_button"), unchanged(cbData(action, hugeInt, "1"), "stale_button"),
			unchanged(cbData(action, "0", "1"), "stale_button"), unchanged(cbData(action, "-1", "1"), "stale_button"),
			unchanged(cbData(action, "4503599627370497", "1"), "stale_button"), // above 2^52
			unchanged(cbData(action, pending, "abc"), "stale_button"), unchanged(cbData(action, pending, "-1"), "stale_button"),
			unchanged(cbData(action, pending, hugeInt), "stale_button"),
			unchanged(cbData(action, pending, "0"), "staff_decided_already"), // no request is number 0
			unchanged(cbData(action, pending, "2"), "staff_decided_already")} // nor one not made yet
	}
}

func issueCases(x *rig, t testing.TB, o owned) []pressCase {
	dv := func(region, count, variant string) string {
		return cbData("dv", "vk", region, count, variant, x.nonce())
	}
	switch o {
	case ownMine: // a kind without variants has "-" for one
		x.load(t, "ok/495", 1)
		return []pressCase{changing(dv("495", "1", "male")), changing(cbData("dv", "ok", "495", "1", "-", x.nonce()))}
	case ownOthers: // a button drawn for someone else is only a request of the presser's own
		return []pressCase{changing(dv("495", "2", "male"))}
	case ownNone:
		return []pressCase{unchanged(dv("999", "1", "male"), "dist_bad_region"),
			unchanged(dv("812", "1", "male"), "dist_out_of_stock"),
			unchanged(cbData("dv", "ok", "812", "1", "-", x.nonce()), "dist_out_of_stock")}
	}
	return []pressCase{unchanged(dv("495", hugeInt, "male"), "stale_button"), unchanged(dv("495", "1000", "male")), unchanged(dv("495", "1", "zz"), "dist_not_permitted"),
		unchanged(dv("495", "1", "-"), "dist_not_permitted"), // "-" is no variant of a kind with variants
		unchanged(cbData("dv", "zz", "495", "1", "male", x.nonce()), "stale_button"),
		unchanged(cbData("dv", "vk", "495", "1", "male", "ABCDEFGH"))}
}

func feedbackCases(x *rig, t testing.TB, o owned) []pressCase {
	switch o {
	case ownMine:
		return []pressCase{changing(cbData("fb", x.item(t, x.me), "good"))}
	case ownOthers:
		return []pressCase{unchanged(cbData("fb", x.item(t, otherA), "good"), "dist_not_permitted")}
	case ownNone:
		// an item not awaiting feedback is "already marked", whoever asks
		return []pressCase{unchanged(cbData("fb", "vk/495/male#999999", "good"), "item_decided_already")}
	}
	return []pressCase{unchanged(cbData("fb", x.item(t, x.me), "zz"), "dist_not_permitted"),
		unchanged(cbData("fb", "abc", "good"), "stale_button"),
		unchanged(cbData("fb", "zz/495#1", "good"), "stale_button"),
		unchanged(cbData("fb", "vk/999/zz#1", "good"), "stale_button"), // a pool never made: refused, and not made
		unchanged(cbData("fb", "ok/495/male#1", "good"), "stale_button")}
}

func replaceCases(x *rig, t testing.TB, o owned) []pressCase {
	switch o {
	case ownMine:
		return []pressCase{changing(cbData("rp", x.blocked(t, x.me)))}
	case ownOthers:
		return []pressCase{unchanged(cbData("rp", x.blocked(t, otherA)), "dist_not_permitted")}
	case ownNone: // never issued, or never reported with a status that offers one
		return []pressCase{unchanged(cbData("rp", "vk/495/male#999999"), "dist_not_permitted"),
			unchanged(cbData("rp", x.item(t, x.me)), "dist_not_permitted")}
	}
	return []pressCase{unchanged(cbData("rp", "abc"), "stale_button"), unchanged(cbData("rp", "vk/999/male#1"), "dist_bad_region"),
		unchanged(cbData("rp", "vk/495/zz#1"), "stale_button"), // a pool never made: refused, and not made
		unchanged(cbData("rp", "mamba/812/zz#5"), "stale_button")}
}

// confirmCases confirms an admin's destructive command.
func confirmCases(x *rig, t testing.TB, o owned) []pressCase {
	admin := x.who == byAdmin
	switch {
	case o == ownMine && admin:
		return []pressCase{changing(x.confirmation(t, x.me, "/numbers_today_mod"))}
	case o == ownOthers && admin: // a confirmation of another command than the one waiting
		x.confirmation(t, x.me, "/numbers_today_mod")
		return []pressCase{unchanged(cbData("acf", "flush", x.nonce()), "confirm_expired")}
	case o == ownMadeUp:
		return []pressCase{unchanged(cbData("acf", "zz", x.nonce()), "confirm_expired"), unchanged(cbData("acf", "today", "ABCDEFGH"))}
	}
	return []pressCase{unchanged(cbData("acf", "today", x.nonce()), "confirm_expired")}
}

// draftCases is a step of a proxy flow: own when the presser is at that
// step (reached by pressing steps), someone else's when the presser is in
// the other flow, none after the proxy menu dropped the flow.
func draftCases(data, madeUp, start string, steps ...string) caseBuilder {
	other := map[string]string{"pxa": "pxg", "pxg": "pxa"}[start]
	return func(x *rig, t testing.TB, o owned) []pressCase {
		walk := func(first string, more ...string) {
			if x.staffLike() {
				x.walk(t, cbData(first))
				for _, s := range more {
					x.walk(t, "1:"+s)
				}
			}
		}
		switch o {
		case ownMine:
			walk(start, steps...)
			return []pressCase{unchanged(data)}
		case ownOthers:
			walk(other)
			return []pressCase{unchanged(data, "stale_button")}
		case ownNone:
			walk("pxm")
			return []pressCase{unchanged(data, "stale_button")}
		}
		walk(start, steps...)
		return []pressCase{unchanged(madeUp, "stale_button")}
	}
}

func listCases(x *rig, t testing.TB, o owned) []pressCase {
	switch {
	case o == ownMine && x.staffLike():
		x.walk(t, cbData("pxg"), cbData("pxgr", "vk"), cbData("pxc", "g", "-"))
	case o == ownOthers && x.staffLike():
		x.walk(t, cbData("pxa"))
	case o == ownMadeUp:
		return []pressCase{unchanged(cbData("pxl", "abc"), "stale_button"), unchanged(cbData("pxl", hugeInt), "stale_button")}
	}
	return []pressCase{unchanged(cbData("pxl", "0"))}
}

func addCases(x *rig, t testing.TB, o owned) []pressCase {
	switch {
	case o == ownMine && x.staffLike():
		x.draftAdd(t)
		return []pressCase{changing(cbData("pxd", "10"))}
	case o == ownOthers && x.staffLike():
		x.walk(t, cbData("pxg"))
	case o == ownMadeUp:
		if x.staffLike() {
			x.draftAdd(t)
		}
		return []pressCase{unchanged(cbData("pxd", "7"), "stale_button"), unchanged(cbData("pxd", hugeInt), "stale_button")}
	}
	return []pressCase{unchanged(cbData("pxd", "10"), "stale_button")}
}

// proxyCases holds (pxs), takes (pxok) or lets go (pxno) a proxy.
func proxyCases(action string) caseBuilder {
	return func(x *rig, t testing.TB, o owned) []pressCase {
		switch o {
		case ownMine:
			if action == "pxs" {
				ref, _ := x.proxy(t)
				return []pressCase{changing(cbData(action, ref))}
			}
			return []pressCase{changing(cbData(action, x.held(t, x.me)))}
		case ownOthers:
			return []pressCase{unchanged(cbData(action, x.held(t, otherA)), "proxy_taken")}
		case ownNone:
			out := []pressCase{unchanged(cbData(action, "aaaaaaaaaaaa"), "proxy_gone")}
			if action != "pxs" {
				ref, _ := x.proxy(t)
				out = append(out, unchanged(cbData(action, ref), "proxy_hold_lapsed"))
			}
			return out
		}
		return []pressCase{unchanged(cbData(action, strings.Repeat("z", 58-len(action))), "proxy_gone")}
	}
}

// malformed is data of action no client of ours sends: the wrong number of
// arguments, and an older format.
func malformed(action string) []pressCase {
	arity, _ := callbackArity(action)
	args := strings.Repeat(":x", arity)
	return []pressCase{unchanged("1:" + action + args + ":x"), unchanged("0:" + action + args)}
}
