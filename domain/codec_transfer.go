package domain

// The two events of a transfer, a tenth of the engine's mix: like the saga
// events (codec_saga.go) each writes and reads itself on byte slices, the
// same bytes msgpack's reflection writes, which encoded a time through an
// interface value and allocated for each.
var (
	_ msgpackAppender = (*TransferOffered)(nil)
	_ msgpackReader   = (*TransferOffered)(nil)
	_ msgpackAppender = (*TransferAccepted)(nil)
	_ msgpackReader   = (*TransferAccepted)(nil)
)

// AppendMsgpack appends the event's msgpack encoding to b.
func (e *TransferOffered) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	w.mapLen(4 + count(!e.At.IsZero()))
	w.str("op", string(e.Op))
	w.int("f", int64(e.From))
	w.int("to", int64(e.To))
	w.time("x", e.Expires)
	if !e.At.IsZero() {
		w.time("at", e.At)
	}
	return w.done(len(b))
}

// ReadMsgpack decodes the event from the front of b into e, which it
// resets first, and returns what follows it.
func (e *TransferOffered) ReadMsgpack(b []byte) ([]byte, error) {
	*e = TransferOffered{}
	r := newReader(b)
	r.fields("transfer offered", func(k []byte) bool {
		switch string(k) {
		case "op":
			e.Op = OpID(r.str())
		case "f":
			e.From = UserID(r.int())
		case "to":
			e.To = UserID(r.int())
		case "x":
			e.Expires = r.time()
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
func (e *TransferAccepted) AppendMsgpack(b []byte) ([]byte, error) {
	w := stateWriter{b: b}
	w.mapLen(4)
	w.str("op", string(e.Op))
	w.int("f", int64(e.From))
	w.int("to", int64(e.To))
	w.time("at", e.At)
	return w.done(len(b))
}

// ReadMsgpack decodes the event from the front of b into e, which it
// resets first, and returns what follows it.
func (e *TransferAccepted) ReadMsgpack(b []byte) ([]byte, error) {
	*e = TransferAccepted{}
	r := newReader(b)
	r.fields("transfer accepted", func(k []byte) bool {
		switch string(k) {
		case "op":
			e.Op = OpID(r.str())
		case "f":
			e.From = UserID(r.int())
		case "to":
			e.To = UserID(r.int())
		case "at":
			e.At = r.time()
		default:
			return false
		}
		return true
	})
	return r.rest(), r.err
}
