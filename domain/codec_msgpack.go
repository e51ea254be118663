package domain

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// The bridge between the byte-slice codecs and the msgpack library: the
// EncodeMsgpack and DecodeMsgpack adapters that msgpack.Marshal, Unmarshal
// and every Encoder and Decoder call, and the few parts still written and
// read by reflection (a number's own prices, the payments register's
// invoices and orphans, the events without a hand-written codec).

// msgpackAppender is a value that appends its own msgpack encoding.
type msgpackAppender interface {
	AppendMsgpack(b []byte) ([]byte, error)
}

// msgpackReader is a value that decodes itself from the front of b.
type msgpackReader interface {
	ReadMsgpack(b []byte) (rest []byte, err error)
}

// sliceWriter is an io.Writer and io.ByteWriter appending to b: msgpack
// writes to it directly, without an intermediate buffer.
type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

func (w *sliceWriter) WriteByte(c byte) error {
	w.b = append(w.b, c)
	return nil
}

// reflEncoder encodes by reflection onto a slice, with compact integers
// like every encoder that writes the journal and snapshot blocks.
type reflEncoder struct {
	w   sliceWriter
	enc *msgpack.Encoder
}

var reflEncoders = sync.Pool{New: func() any {
	e := &reflEncoder{}
	e.enc = msgpack.NewEncoder(&e.w)
	e.enc.UseCompactInts(true)
	return e
}}

// appendReflective appends v as msgpack's reflective encoder writes it,
// with compact integers.
func appendReflective(b []byte, v any) ([]byte, error) {
	e := reflEncoders.Get().(*reflEncoder)
	e.w.b = b
	err := e.enc.Encode(v)
	b, e.w.b = e.w.b, nil
	reflEncoders.Put(e)
	return b, err
}

// reflective writes v by reflection: onto b for AppendMsgpack, through
// the caller's encoder for EncodeMsgpack (see stateWriter.enc).
func (w *stateWriter) reflective(v any) {
	switch {
	case w.err != nil:
	case w.enc == nil:
		w.b, w.err = appendReflective(w.b, v)
	default:
		if w.flush(); w.err == nil {
			w.err = w.enc.Encode(v)
		}
	}
}

// flush writes what b holds to the encoder's writer and empties b.
func (w *stateWriter) flush() {
	if w.err == nil && len(w.b) > 0 {
		_, w.err = w.enc.Writer().Write(w.b)
		w.b = w.b[:0]
	}
}

// spillAt is how much a writer for an encoder holds before it writes it
// out: a payments register of millions of keys streams, as it did.
const spillAt = 64 << 10

// spill writes b out once it is large, when writing for an encoder.
func (w *stateWriter) spill() {
	if w.enc != nil && len(w.b) >= spillAt {
		w.flush()
	}
}

// yieldEntries is how many entries of a large register a writer writes
// between two yields of its goroutine (about half a millisecond's work).
const yieldEntries = 2048

// entryDone follows each entry of a register's large map: it spills, and
// now and then lets the goroutines waiting for a core run. A snapshot
// encodes the large registers (a payments or users shard at a million
// entities: 10-30 ms each) on every core at once, and the scheduler
// preempts a goroutine only after 10-20 ms: deposits made meanwhile waited
// that long for a core (go tool trace of loadtest -mode restore).
func (w *stateWriter) entryDone() {
	w.spill()
	if w.entries++; w.entries%yieldEntries == 0 {
		runtime.Gosched()
	}
}

var stateWriters = sync.Pool{New: func() any { return &stateWriter{b: make([]byte, 0, 512)} }}

// encodeVia is EncodeMsgpack for a value that writes itself with write:
// it appends to a scratch buffer and writes that to e's writer.
func encodeVia(e *msgpack.Encoder, write func(w *stateWriter)) error {
	w := stateWriters.Get().(*stateWriter)
	w.b, w.err, w.enc = w.b[:0], nil, e
	write(w)
	w.flush()
	err := w.err
	w.err, w.enc = nil, nil
	if cap(w.b) <= 4*spillAt {
		stateWriters.Put(w)
	}
	return err
}

// decodeVia is DecodeMsgpack for a value that reads itself, v.
// When d reads a bytes.Reader or a bytes.Buffer (msgpack.Unmarshal,
// and a snapshot's blocks), v reads what is left of it in place,
// and d's reader is moved past what it took: those readers are d's
// only buffer. From any other reader the next value is taken whole
// (DecodeRaw, a copy) and read from that.
func decodeVia(d *msgpack.Decoder, v msgpackReader) error {
	switch in := d.Buffered().(type) {
	case *bytes.Buffer:
		b := in.Bytes()
		rest, err := v.ReadMsgpack(b)
		in.Next(len(b) - len(rest))
		return err
	case *bytes.Reader:
		return readInPlace(in, v)
	}
	raw, err := d.DecodeRaw()
	if err != nil {
		return err
	}
	rest, err := v.ReadMsgpack(raw)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("msgpack: %d bytes after the value", len(rest))
	}
	return err
}

// readInPlace has v read what is left of in, which WriteTo hands over
// without a copy, and moves in back to just after what v took.
func readInPlace(in *bytes.Reader, v msgpackReader) error {
	if in.Len() == 0 {
		_, err := v.ReadMsgpack(nil) // WriteTo would not call Write: the error for an empty input
		return err
	}
	w := inPlaceReaders.Get().(*inPlaceReader)
	defer inPlaceReaders.Put(w)
	w.v = v
	_, _ = in.WriteTo(w) // Write never fails
	_, seekErr := in.Seek(-int64(w.left), io.SeekCurrent)
	err := w.err
	*w = inPlaceReader{}
	return errors.Join(err, seekErr)
}

// inPlaceReader is the io.Writer readInPlace hands to WriteTo: it reads
// the bytes it is given during the call and keeps only how many are left.
type inPlaceReader struct {
	v    msgpackReader
	left int
	err  error
}

func (w *inPlaceReader) Write(p []byte) (int, error) {
	rest, err := w.v.ReadMsgpack(p)
	w.left, w.err = len(rest), err
	return len(p), nil
}

var inPlaceReaders = sync.Pool{New: func() any { return new(inPlaceReader) }}

// reflDecoder decodes by reflection from a slice.
type reflDecoder struct {
	r   bytes.Reader
	dec *msgpack.Decoder
}

// reflDecoders keeps decoders: replaying a journal decodes millions of
// records, and a fresh decoder each time was a good part of it.
var reflDecoders = sync.Pool{New: func() any {
	d := &reflDecoder{}
	d.dec = msgpack.NewDecoder(&d.r)
	return d
}}

// decodeReflective decodes one value from the front of b into v (a
// pointer) by reflection, with its times in UTC (decodeUTC). msgpack
// panics on some malformed input (a nil where a time is due): that is an
// error here.
func decodeReflective(b []byte, v any) (err error) {
	d := reflDecoders.Get().(*reflDecoder)
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("msgpack: %v", p)
		}
		d.r.Reset(nil)
		reflDecoders.Put(d)
	}()
	d.r.Reset(b)
	d.dec.Reset(&d.r)
	return decodeUTC(d.dec, v)
}

// reflective reads the next value by reflection into v (a pointer).
func (r *stateReader) reflective(v any) {
	start := r.i
	r.skip()
	if r.err == nil {
		if err := decodeReflective(r.b[start:r.i], v); err != nil {
			r.setErr(fmt.Errorf("msgpack at byte %d: %w", start, err))
		}
	}
}
