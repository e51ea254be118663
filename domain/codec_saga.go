package domain

// The four events of the rent and renew sagas, journaled for nearly every
// operation: each writes and reads itself on byte slices, so that
// EncodeRecord and DecodeRecord (journaling, and replay after a start)
// take no reflection for them. They have no EncodeMsgpack or
// DecodeMsgpack: msgpack's reflection writes the very same bytes (the
// maps their struct tags describe, integers compact), and the tests hold
// these to it.
var (
	_ msgpackAppender = (*NumberRented)(nil)
	_ msgpackReader   = (*NumberRented)(nil)
	_ msgpackAppender = (*NumberRenewed)(nil)
	_ msgpackReader   = (*NumberRenewed)(nil)
	_ msgpackAppender = (*WalletDebited)(nil)
	_ msgpackReader   = (*WalletDebited)(nil)
	_ msgpackAppender = (*EntrySettled)(nil)
	_ msgpackReader   = (*EntrySettled)(nil)
)

// AppendMsgpack appends the event's msgpack encoding to b.
func (e *NumberRented) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	w.mapLen(7 + count(e.Currency != CurrencyTON))
	w.str("op", string(e.Op))
	w.int("u", int64(e.User))
	w.int("d", int64(e.Days))
	w.int("p", int64(e.Price))
	w.currency(e.Currency)
	w.time("s", e.Since)
	w.time("t", e.Until)
	w.int("r", int64(e.Reminded))
	return w.done(len(b))
}

// ReadMsgpack decodes the event from the front of b into e, which it
// resets first, and returns what follows it.
func (e *NumberRented) ReadMsgpack(b []byte) ([]byte, error) {
	*e = NumberRented{}
	r := newReader(b)
	r.fields("number rented", func(k []byte) bool {
		switch string(k) {
		case "op":
			e.Op = OpID(r.str())
		case "u":
			e.User = UserID(r.int())
		case "d":
			e.Days = int(r.int())
		case "p":
			e.Price = Nano(r.int())
		case "cu":
			e.Currency = r.currency()
		case "s":
			e.Since = r.time()
		case "t":
			e.Until = r.time()
		case "r":
			e.Reminded = int(r.int())
		default:
			return false
		}
		return true
	})
	return r.rest(), r.err
}

// AppendMsgpack appends the event's msgpack encoding to b.
func (e *NumberRenewed) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	w.mapLen(5 + count(e.Currency != CurrencyTON, !e.At.IsZero()))
	w.str("op", string(e.Op))
	w.int("d", int64(e.Days))
	w.int("p", int64(e.Price))
	w.currency(e.Currency)
	w.time("t", e.Until)
	w.int("r", int64(e.Reminded))
	if !e.At.IsZero() {
		w.time("at", e.At)
	}
	return w.done(len(b))
}

// ReadMsgpack decodes the event from the front of b into e, which it
// resets first, and returns what follows it.
func (e *NumberRenewed) ReadMsgpack(b []byte) ([]byte, error) {
	*e = NumberRenewed{}
	r := newReader(b)
	r.fields("number renewed", func(k []byte) bool {
		switch string(k) {
		case "op":
			e.Op = OpID(r.str())
		case "d":
			e.Days = int(r.int())
		case "p":
			e.Price = Nano(r.int())
		case "cu":
			e.Currency = r.currency()
		case "t":
			e.Until = r.time()
		case "r":
			e.Reminded = int(r.int())
		case "at":
			e.At = r.time()
		default:
			return false
		}
		return true
	})
	return r.rest(), r.err
}

// AppendMsgpack appends the event's msgpack encoding to b.
func (e *WalletDebited) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	w.mapLen(5 + count(e.Currency != CurrencyTON, e.Ref != "", e.Days != 0, e.Note != "", len(e.Completed) > 0))
	w.str("op", string(e.Op))
	w.uint("k", uint64(e.Kind))
	w.int("a", int64(e.Amount))
	w.currency(e.Currency)
	w.uint("s", uint64(e.Status))
	if e.Ref != "" {
		w.str("rf", e.Ref)
	}
	if e.Days != 0 {
		w.int("d", int64(e.Days))
	}
	if e.Note != "" {
		w.str("n", e.Note)
	}
	w.time("at", e.At)
	w.opList("cp", e.Completed)
	return w.done(len(b))
}

// opList writes ops under key k, when there are any: the operations a
// number remembers, the purchases a wallet's credit or debit completes.
func (w *stateWriter) opList(k string, ops []OpID) {
	if len(ops) == 0 {
		return
	}
	w.key(k)
	w.arrayLen(len(ops))
	for _, op := range ops {
		w.b = AppendString(w.b, string(op))
	}
}

// ReadMsgpack decodes the event from the front of b into e, which it
// resets first, and returns what follows it.
func (e *WalletDebited) ReadMsgpack(b []byte) ([]byte, error) {
	*e = WalletDebited{}
	r := newReader(b)
	r.fields("wallet debited", func(k []byte) bool {
		switch string(k) {
		case "op":
			e.Op = OpID(r.str())
		case "k":
			e.Kind = EntryKind(r.uint())
		case "a":
			e.Amount = Nano(r.int())
		case "cu":
			e.Currency = r.currency()
		case "s":
			e.Status = EntryStatus(r.uint())
		case "rf":
			e.Ref = r.str()
		case "d":
			e.Days = int(r.int())
		case "n":
			e.Note = r.str()
		case "at":
			e.At = r.time()
		case "cp":
			e.Completed = readList(&r, "completed purchases", func() OpID { return OpID(r.str()) })
		default:
			return false
		}
		return true
	})
	return r.rest(), r.err
}

// AppendMsgpack appends the event's msgpack encoding to b.
func (e *EntrySettled) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	w.mapLen(3 + count(e.Note != ""))
	w.str("op", string(e.Op))
	w.uint("s", uint64(e.Status))
	if e.Note != "" {
		w.str("n", e.Note)
	}
	w.time("at", e.At)
	return w.done(len(b))
}

// ReadMsgpack decodes the event from the front of b into e, which it
// resets first, and returns what follows it.
func (e *EntrySettled) ReadMsgpack(b []byte) ([]byte, error) {
	*e = EntrySettled{}
	r := newReader(b)
	r.fields("entry settled", func(k []byte) bool {
		switch string(k) {
		case "op":
			e.Op = OpID(r.str())
		case "s":
			e.Status = EntryStatus(r.uint())
		case "n":
			e.Note = r.str()
		case "at":
			e.At = r.time()
		default:
			return false
		}
		return true
	})
	return r.rest(), r.err
}
