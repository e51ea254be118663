package domain

import (
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// The number's hand-written msgpack (see codec_state.go for why and how).

// AppendMsgpack appends the number's msgpack encoding to b: the map its
// struct tags describe, the bytes EncodeMsgpack writes to an Encoder with
// compact integers (its rare own prices are written by reflection). Writing
// a snapshot block with it needs no Encoder.
func (n *Number) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	n.write(&w)
	return w.done(len(b))
}

// ReadMsgpack decodes a number from the front of b, written by
// AppendMsgpack, EncodeMsgpack or reflection, into the number, which it
// resets first, and returns what follows it.
func (n *Number) ReadMsgpack(b []byte) (rest []byte, err error) {
	r := newReader(b)
	n.read(&r)
	return r.rest(), r.err
}

// EncodeMsgpack writes the number as AppendMsgpack does, for msgpack.
func (n *Number) EncodeMsgpack(e *msgpack.Encoder) error { return encodeVia(e, n.write) }

// DecodeMsgpack reads the number as ReadMsgpack does, for msgpack.
func (n *Number) DecodeMsgpack(d *msgpack.Decoder) error { return decodeVia(d, n) }

func (n *Number) write(w *stateWriter) {
	w.mapLen(3 + count(len(n.Prices) > 0, n.Blocked, n.Removed, n.Reason != "", n.Hold != nil, n.Rental != nil,
		n.Offer != nil, len(n.History) > 0, len(n.Ops) > 0, len(n.OpsAt) > 0, n.Sold != 0, n.SoldUSDT != 0, n.Handover != nil, n.Codes != 0, len(n.Refunds) > 0, n.Account != nil,
		len(n.Notices) > 0))
	w.str("id", n.ID)
	w.time("ad", n.Added)
	if len(n.Prices) > 0 {
		w.key("pr")
		w.reflective(n.Prices) // rare: per-number overrides
	}
	if n.Blocked {
		w.bool("bl", true)
	}
	if n.Removed {
		w.bool("rx", true)
	}
	if n.Reason != "" {
		w.str("br", n.Reason)
	}
	w.hold(n.Hold)
	w.rental(n.Rental)
	w.offer(n.Offer)
	w.history(n.History)
	w.ops(n.Ops, n.OpsAt)
	if n.Sold != 0 {
		w.int("so", int64(n.Sold))
	}
	if n.SoldUSDT != 0 {
		w.int("su", int64(n.SoldUSDT))
	}
	w.handover(n.Handover)
	if n.Codes != 0 {
		w.uint("cs", uint64(n.Codes))
	}
	w.refunds(n.Refunds)
	w.account(n.Account)
	w.notices(n.Notices)
	w.uint("sq", n.Seq)
}

func (w *stateWriter) hold(h *Hold) {
	if h == nil {
		return
	}
	w.key("ho")
	w.mapLen(5 + count(h.Currency != CurrencyTON))
	w.str("op", string(h.Op))
	w.int("u", int64(h.User))
	w.int("d", int64(h.Days))
	w.int("p", int64(h.Price))
	w.currency(h.Currency)
	w.time("t", h.Until)
}

func (w *stateWriter) rental(r *Rental) {
	if r == nil {
		return
	}
	w.key("re")
	w.mapLen(4 + count(r.PaidUSDT != 0, r.Expired, r.Reminded != 0, r.Days != 0, r.Granted != 0))
	w.int("u", int64(r.Renter))
	w.time("s", r.Since)
	w.time("t", r.Until)
	w.int("p", int64(r.Paid))
	if r.PaidUSDT != 0 {
		w.int("pu", int64(r.PaidUSDT))
	}
	if r.Expired {
		w.bool("x", true)
	}
	if r.Reminded != 0 {
		w.int("r", int64(r.Reminded))
	}
	if r.Days != 0 {
		w.int("d", int64(r.Days))
	}
	if r.Granted != 0 {
		w.int("g", int64(r.Granted))
	}
}

func (w *stateWriter) offer(o *Offer) {
	if o == nil {
		return
	}
	w.key("of")
	w.mapLen(4)
	w.str("op", string(o.Op))
	w.int("f", int64(o.From))
	w.int("to", int64(o.To))
	w.time("x", o.Expires)
}

func (w *stateWriter) history(hs []Holding) {
	if len(hs) == 0 {
		return
	}
	w.key("hi")
	w.arrayLen(len(hs))
	for i := range hs {
		h := &hs[i]
		w.mapLen(3 + count(!h.To.IsZero(), !h.Until.IsZero()))
		w.int("u", int64(h.User))
		w.time("f", h.From)
		if !h.To.IsZero() {
			w.time("t", h.To)
		}
		w.str("h", h.How)
		if !h.Until.IsZero() {
			w.time("e", h.Until)
		}
	}
}

// ops writes the remembered operations and, when kept, their times.
func (w *stateWriter) ops(ops []OpID, at []time.Time) {
	w.opList("op", ops)
	if len(at) > 0 {
		w.key("oa")
		w.arrayLen(len(at))
		for _, t := range at {
			w.b = appendTime(w.b, t)
		}
	}
}

func (w *stateWriter) handover(h *Handover) {
	if h == nil {
		return
	}
	w.key("hv")
	w.mapLen(3 + count(h.Alerted))
	w.str("r", h.Reason)
	w.int("u", int64(h.From))
	w.time("s", h.Since)
	if h.Alerted {
		w.bool("al", true)
	}
}

func (w *stateWriter) account(a *AccountCheck) {
	if a == nil {
		return
	}
	w.key("ac")
	w.mapLen(2 + count(a.Manual, !a.DeleteAt.IsZero(), a.Blocked, a.Alerted))
	w.int("u", int64(a.From))
	w.time("s", a.Since)
	if a.Manual {
		w.bool("m", true)
	}
	if !a.DeleteAt.IsZero() {
		w.time("d", a.DeleteAt)
	}
	if a.Blocked {
		w.bool("b", true)
	}
	if a.Alerted {
		w.bool("al", true)
	}
}

func (w *stateWriter) refunds(rs []OwedRefund) {
	if len(rs) == 0 {
		return
	}
	w.key("rf")
	w.arrayLen(len(rs))
	for _, r := range rs {
		w.mapLen(3 + count(r.Currency != CurrencyTON))
		w.str("op", string(r.Op))
		w.int("u", int64(r.User))
		w.int("a", int64(r.Amount))
		w.currency(r.Currency)
	}
}

func (w *stateWriter) notices(ns []OwedNotice) {
	if len(ns) == 0 {
		return
	}
	w.key("nt")
	w.arrayLen(len(ns))
	for i := range ns {
		o := &ns[i]
		w.mapLen(3 + count(!o.Until.IsZero(), o.Step != 0, o.Op != "", !o.At.IsZero()))
		w.uint("sq", o.Seq)
		w.uint("k", uint64(o.About))
		w.int("u", int64(o.User))
		if !o.Until.IsZero() {
			w.time("t", o.Until)
		}
		if o.Step != 0 {
			w.int("s", int64(o.Step))
		}
		if o.Op != "" {
			w.str("op", string(o.Op))
		}
		if !o.At.IsZero() {
			w.time("at", o.At)
		}
	}
}

func (n *Number) read(r *stateReader) {
	*n = Number{}
	r.fields("number", func(k []byte) bool {
		switch string(k) {
		case "id":
			n.ID = r.str()
		case "ad":
			n.Added = r.time()
		case "pr":
			if !r.isNil() {
				r.reflective(&n.Prices)
			}
		case "bl":
			n.Blocked = r.bool()
		case "rx":
			n.Removed = r.bool()
		case "br":
			n.Reason = r.str()
		case "ho":
			n.Hold = r.hold()
		case "re":
			n.Rental = r.rental()
		case "of":
			n.Offer = r.offer()
		case "hi":
			n.History = readList(r, "history", r.holding)
		case "op":
			n.Ops = readList(r, "ops", func() OpID { return OpID(r.str()) })
		case "oa":
			n.OpsAt = readList(r, "op times", r.time)
		case "so":
			n.Sold = Nano(r.int())
		case "su":
			n.SoldUSDT = Nano(r.int())
		case "hv":
			n.Handover = r.handover()
		case "cs":
			n.Codes = CodesState(r.uint())
		case "rf":
			n.Refunds = readList(r, "refunds", r.owedRefund)
		case "ac":
			n.Account = r.account()
		case "nt":
			n.Notices = readList(r, "notices", r.owedNotice)
		case "sq":
			n.Seq = r.uint()
		default:
			return false
		}
		return true
	})
}

func (r *stateReader) hold() *Hold {
	if r.isNil() {
		return nil
	}
	h := &Hold{}
	r.fields("hold", func(k []byte) bool {
		switch string(k) {
		case "op":
			h.Op = OpID(r.str())
		case "u":
			h.User = UserID(r.int())
		case "d":
			h.Days = int(r.int())
		case "p":
			h.Price = Nano(r.int())
		case "cu":
			h.Currency = r.currency()
		case "t":
			h.Until = r.time()
		default:
			return false
		}
		return true
	})
	return h
}

func (r *stateReader) rental() *Rental {
	if r.isNil() {
		return nil
	}
	x := &Rental{}
	r.fields("rental", func(k []byte) bool {
		switch string(k) {
		case "u":
			x.Renter = UserID(r.int())
		case "s":
			x.Since = r.time()
		case "t":
			x.Until = r.time()
		case "p":
			x.Paid = Nano(r.int())
		case "pu":
			x.PaidUSDT = Nano(r.int())
		case "x":
			x.Expired = r.bool()
		case "r":
			x.Reminded = int(r.int())
		case "d":
			x.Days = int(r.int())
		case "g":
			x.Granted = time.Duration(r.int())
		default:
			return false
		}
		return true
	})
	return x
}

func (r *stateReader) owedRefund() OwedRefund {
	var x OwedRefund
	r.fields("refund", func(k []byte) bool {
		switch string(k) {
		case "op":
			x.Op = OpID(r.str())
		case "u":
			x.User = UserID(r.int())
		case "a":
			x.Amount = Nano(r.int())
		case "cu":
			x.Currency = r.currency()
		default:
			return false
		}
		return true
	})
	return x
}

func (r *stateReader) owedNotice() OwedNotice {
	var o OwedNotice
	r.fields("notice", func(k []byte) bool {
		switch string(k) {
		case "sq":
			o.Seq = r.uint()
		case "k":
			o.About = NoticeKind(r.uint())
		case "u":
			o.User = UserID(r.int())
		case "t":
			o.Until = r.time()
		case "s":
			o.Step = int(r.int())
		case "op":
			o.Op = OpID(r.str())
		case "at":
			o.At = r.time()
		default:
			return false
		}
		return true
	})
	return o
}

func (r *stateReader) handover() *Handover {
	if r.isNil() {
		return nil
	}
	h := &Handover{}
	r.fields("handover", func(k []byte) bool {
		switch string(k) {
		case "r":
			h.Reason = r.str()
		case "u":
			h.From = UserID(r.int())
		case "s":
			h.Since = r.time()
		case "al":
			h.Alerted = r.bool()
		default:
			return false
		}
		return true
	})
	return h
}

func (r *stateReader) account() *AccountCheck {
	if r.isNil() {
		return nil
	}
	a := &AccountCheck{}
	r.fields("account check", func(k []byte) bool {
		switch string(k) {
		case "u":
			a.From = UserID(r.int())
		case "s":
			a.Since = r.time()
		case "m":
			a.Manual = r.bool()
		case "d":
			a.DeleteAt = r.time()
		case "b":
			a.Blocked = r.bool()
		case "al":
			a.Alerted = r.bool()
		default:
			return false
		}
		return true
	})
	return a
}

func (r *stateReader) offer() *Offer {
	if r.isNil() {
		return nil
	}
	o := &Offer{}
	r.fields("offer", func(k []byte) bool {
		switch string(k) {
		case "op":
			o.Op = OpID(r.str())
		case "f":
			o.From = UserID(r.int())
		case "to":
			o.To = UserID(r.int())
		case "x":
			o.Expires = r.time()
		default:
			return false
		}
		return true
	})
	return o
}

func (r *stateReader) holding() Holding {
	var h Holding
	r.fields("holding", func(k []byte) bool {
		switch string(k) {
		case "u":
			h.User = UserID(r.int())
		case "f":
			h.From = r.time()
		case "t":
			h.To = r.time()
		case "h":
			h.How = r.str()
		case "e":
			h.Until = r.time()
		default:
			return false
		}
		return true
	})
	return h
}
