package domain

import "github.com/vmihailenco/msgpack/v5"

// The two events a deposit journals are the most frequent records there
// are; replaying a journal decodes each of them once. EncodeRecord and
// DecodeRecord call their AppendMsgpack and ReadMsgpack directly.
var (
	_ msgpack.CustomEncoder = (*WalletCredited)(nil)
	_ msgpack.CustomDecoder = (*WalletCredited)(nil)
	_ msgpack.CustomEncoder = (*PaymentReceived)(nil)
	_ msgpack.CustomDecoder = (*PaymentReceived)(nil)
	_ msgpackAppender       = (*WalletCredited)(nil)
	_ msgpackReader         = (*WalletCredited)(nil)
	_ msgpackAppender       = (*PaymentReceived)(nil)
	_ msgpackReader         = (*PaymentReceived)(nil)
)

// AppendMsgpack appends the event's msgpack encoding, the map its struct
// tags describe, to b, so that a journal record is built without an
// Encoder.
func (c *WalletCredited) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	c.write(&w)
	return w.done(len(b))
}

// ReadMsgpack decodes the event, in either encoding, from the front of b
// into c, which it resets first, and returns what follows it.
func (c *WalletCredited) ReadMsgpack(b []byte) (rest []byte, err error) {
	r := newReader(b)
	c.read(&r)
	return r.rest(), r.err
}

// EncodeMsgpack writes the event as AppendMsgpack does, for msgpack.
func (c *WalletCredited) EncodeMsgpack(e *msgpack.Encoder) error { return encodeVia(e, c.write) }

// DecodeMsgpack reads the event as ReadMsgpack does, for msgpack.
func (c *WalletCredited) DecodeMsgpack(d *msgpack.Decoder) error { return decodeVia(d, c) }

func (c *WalletCredited) write(w *stateWriter) {
	w.mapLen(4 + count(c.Currency != CurrencyTON, c.Ref != "", c.Note != "", len(c.Completed) > 0))
	w.str("op", string(c.Op))
	w.uint("k", uint64(c.Kind))
	w.int("a", int64(c.Amount))
	w.currency(c.Currency)
	if c.Ref != "" {
		w.str("rf", c.Ref)
	}
	if c.Note != "" {
		w.str("n", c.Note)
	}
	w.time("at", c.At)
	w.opList("cp", c.Completed)
}

func (c *WalletCredited) read(r *stateReader) {
	*c = WalletCredited{}
	r.fields("wallet credited", func(k []byte) bool {
		switch string(k) {
		case "op":
			c.Op = OpID(r.str())
		case "k":
			c.Kind = EntryKind(r.uint())
		case "a":
			c.Amount = Nano(r.int())
		case "cu":
			c.Currency = r.currency()
		case "rf":
			c.Ref = r.str()
		case "n":
			c.Note = r.str()
		case "at":
			c.At = r.time()
		case "cp":
			c.Completed = readList(r, "completed purchases", func() OpID { return OpID(r.str()) })
		default:
			return false
		}
		return true
	})
}

// AppendMsgpack appends the event's msgpack encoding, the map its struct
// tags describe, to b, so that a journal record is built without an
// Encoder.
func (p *PaymentReceived) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	p.write(&w)
	return w.done(len(b))
}

// ReadMsgpack decodes the event, in either encoding, from the front of b
// into p, which it resets first, and returns what follows it.
func (p *PaymentReceived) ReadMsgpack(b []byte) (rest []byte, err error) {
	r := newReader(b)
	p.read(&r)
	return r.rest(), r.err
}

// EncodeMsgpack writes the event as AppendMsgpack does, for msgpack.
func (p *PaymentReceived) EncodeMsgpack(e *msgpack.Encoder) error { return encodeVia(e, p.write) }

// DecodeMsgpack reads the event as ReadMsgpack does, for msgpack.
func (p *PaymentReceived) DecodeMsgpack(d *msgpack.Decoder) error {
	return decodeVia(d, p)
}

func (p *PaymentReceived) write(w *stateWriter) {
	w.mapLen(4 + count(p.Currency != CurrencyTON, p.From != "", p.Code != "", p.User != 0, p.Op != "", p.Reason != ""))
	w.str("tx", p.Tx)
	w.int("a", int64(p.Amount))
	w.currency(p.Currency)
	if p.From != "" {
		w.str("f", p.From)
	}
	w.time("at", p.At)
	w.uint("o", uint64(p.Outcome))
	if p.Code != "" {
		w.str("c", p.Code)
	}
	if p.User != 0 {
		w.int("u", int64(p.User))
	}
	if p.Op != "" {
		w.str("op", string(p.Op))
	}
	if p.Reason != "" {
		w.str("r", p.Reason)
	}
}

func (p *PaymentReceived) read(r *stateReader) {
	*p = PaymentReceived{}
	r.fields("payment received", func(k []byte) bool {
		switch string(k) {
		case "tx":
			p.Tx = r.str()
		case "a":
			p.Amount = Nano(r.int())
		case "cu":
			p.Currency = r.currency()
		case "f":
			p.From = r.str()
		case "at":
			p.At = r.time()
		case "o":
			p.Outcome = Outcome(r.uint())
		case "c":
			p.Code = r.str()
		case "u":
			p.User = UserID(r.int())
		case "op":
			p.Op = OpID(r.str())
		case "r":
			p.Reason = r.str()
		default:
			return false
		}
		return true
	})
}
