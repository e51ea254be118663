package ton

import (
	"errors"
	"fmt"
	"math/big"
	"unicode/utf8"

	"github.com/xssnick/tonutils-go/address"
	"github.com/xssnick/tonutils-go/tvm/cell"
)

// OpTransferNotification is the op a jetton wallet puts first in the message
// it sends its owner after receiving jettons (TEP-74 transfer_notification).
const OpTransferNotification = 0x7362d09c

// opBounced starts the body of a bounced message, before what is left of the
// original body.
const opBounced = 0xffffffff

// maxSnakeCells bounds the cells a text comment may span. A message cannot
// hold more, and the bound keeps a hostile body from making the walk long.
const maxSnakeCells = 1024

// Errors of reading jetton notifications; the wrapped chain says exactly
// what was wrong. A body cut short is ErrMalformed.
var (
	ErrNotNotification = errors.New("ton: not a jetton transfer notification")
	ErrJettonAmount    = errors.New("ton: jetton amount out of range")
	ErrForwardPayload  = errors.New("ton: unreadable forward payload")
)

// ForwardKind says what the forward payload of a notification holds, so the
// caller can tell "no comment" from "an empty comment" from "a contract's
// message", which only the first 32 bits distinguish.
type ForwardKind uint8

// The kinds of forward payload.
const (
	// ForwardEmpty: the payer attached nothing.
	ForwardEmpty ForwardKind = iota
	// ForwardText: a text comment (32 zero bits, then snake text); the only
	// kind an invoice code can arrive in.
	ForwardText
	// ForwardOp: a message for a contract, such as a DEX swap; ForwardOp
	// holds its op.
	ForwardOp
)

// JettonNotification is a decoded transfer_notification body. It says what
// the sending jetton wallet claims and nothing more: whether the jettons
// are real depends only on which address sent the message (see
// JettonAccount.Classify).
type JettonNotification struct {
	QueryID   uint64
	Amount    uint64           // in the jetton's smallest units (USDT: millionths), never 0
	Sender    *address.Address // who sent the jettons (their owner wallet); may be addr_none
	Forward   ForwardKind
	Comment   string // the text when Forward is ForwardText; never show it to anyone
	ForwardOp uint32 // the payload's op when Forward is ForwardOp
}

// DecodeJettonNotification reads a transfer_notification body: op
// 0x7362d09c, query_id:uint64, amount:(VarUInteger 16), sender:MsgAddress,
// forward_payload:(Either Cell ^Cell). A body with another op is
// ErrNotNotification; a body cut short is ErrMalformed; an amount of 0 or
// beyond 2^64-1 is ErrJettonAmount. A forward payload that cannot be read
// (fewer than 32 bits, a text comment that is not snake-encoded UTF-8) is
// ErrForwardPayload, and then, unlike the other errors, the returned
// notification carries the header fields: the jettons did arrive, only the
// comment is lost. It never panics.
func DecodeJettonNotification(body *cell.Cell) (n JettonNotification, err error) {
	defer func() {
		if r := recover(); r != nil { // tonutils-go indexes unchecked data; see guard
			n, err = JettonNotification{}, fmt.Errorf("%w: decode jetton notification: %v", ErrMalformed, r)
		}
	}()
	if body == nil {
		return JettonNotification{}, fmt.Errorf("%w: no body", ErrNotNotification)
	}
	s := body.BeginParse()
	payload, err := readHeader(s, &n)
	if err != nil {
		return JettonNotification{}, err
	}
	if err := readForward(payload, &n); err != nil {
		return n, err
	}
	return n, nil
}

// readHeader reads everything before the forward payload into n and
// returns the payload: the rest of s, or the cell s refers to.
func readHeader(s *cell.Slice, n *JettonNotification) (*cell.Slice, error) {
	op, err := s.LoadUInt(32)
	if err != nil {
		return nil, fmt.Errorf("%w: body of %d bits", ErrNotNotification, s.BitsLeft())
	}
	if op != OpTransferNotification {
		return nil, fmt.Errorf("%w: op %#08x", ErrNotNotification, op)
	}
	if n.QueryID, err = s.LoadUInt(64); err != nil {
		return nil, fmt.Errorf("%w: notification query id: %v", ErrMalformed, err)
	}
	amount, err := s.LoadBigCoins()
	if err != nil {
		return nil, fmt.Errorf("%w: notification amount: %v", ErrMalformed, err)
	}
	if n.Amount, err = units(amount); err != nil {
		return nil, err
	}
	if n.Sender, err = s.LoadAddr(); err != nil {
		return nil, fmt.Errorf("%w: notification sender: %v", ErrMalformed, err)
	}
	inRef, err := s.LoadBoolBit()
	if err != nil {
		return nil, fmt.Errorf("%w: notification has no forward payload", ErrMalformed)
	}
	if !inRef {
		return s, nil
	}
	ref, err := s.LoadRef()
	if err != nil {
		return nil, fmt.Errorf("%w: notification forward payload reference: %v", ErrMalformed, err)
	}
	return ref, nil
}

// units refuses the amounts no payment can have: 0 (nothing arrived) and
// more than a uint64 holds (no real jetton we accept has such a supply, and
// a clamped number must never reach an invoice).
func units(amount *big.Int) (uint64, error) {
	switch {
	case amount.Sign() == 0:
		return 0, fmt.Errorf("%w: 0", ErrJettonAmount)
	case !amount.IsUint64():
		return 0, fmt.Errorf("%w: %s is more than 2^64-1", ErrJettonAmount, amount)
	}
	return amount.Uint64(), nil
}

// readForward reads the forward payload into n.
func readForward(p *cell.Slice, n *JettonNotification) error {
	if p.BitsLeft() == 0 && p.RefsNum() == 0 {
		n.Forward = ForwardEmpty
		return nil
	}
	if p.BitsLeft() < 32 {
		return fmt.Errorf("%w: %d bits and %d references, no op", ErrForwardPayload, p.BitsLeft(), p.RefsNum())
	}
	op, err := p.LoadUInt(32)
	if err != nil {
		return fmt.Errorf("%w: op: %v", ErrForwardPayload, err)
	}
	if op != 0 {
		n.Forward, n.ForwardOp = ForwardOp, uint32(op)
		return nil
	}
	text, err := snakeText(p)
	if err != nil {
		return err
	}
	n.Forward, n.Comment = ForwardText, text
	return nil
}

// snakeText reads snake-encoded UTF-8: whole bytes in each cell, at most one
// reference, which continues the text.
func snakeText(s *cell.Slice) (string, error) {
	var text []byte
	for i := 0; ; i++ {
		if i == maxSnakeCells {
			return "", fmt.Errorf("%w: text longer than %d cells", ErrForwardPayload, maxSnakeCells)
		}
		bits := s.BitsLeft()
		if bits%8 != 0 {
			return "", fmt.Errorf("%w: text cell of %d bits, not whole bytes", ErrForwardPayload, bits)
		}
		if s.RefsNum() > 1 {
			return "", fmt.Errorf("%w: text cell with %d references", ErrForwardPayload, s.RefsNum())
		}
		b, err := s.LoadSlice(bits)
		if err != nil {
			return "", fmt.Errorf("%w: text: %v", ErrForwardPayload, err)
		}
		text = append(text, b...)
		if s.RefsNum() == 0 {
			break
		}
		if s, err = s.LoadRef(); err != nil {
			return "", fmt.Errorf("%w: text continuation: %v", ErrForwardPayload, err)
		}
	}
	if !utf8.Valid(text) {
		return "", fmt.Errorf("%w: comment is not UTF-8 text", ErrForwardPayload)
	}
	return string(text), nil
}
