package tontest

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"

	"github.com/xssnick/tonutils-go/address"
	"github.com/xssnick/tonutils-go/tlb"
	"github.com/xssnick/tonutils-go/tvm/cell"

	"allot/adapters/ton"
	"allot/domain"
)

// Fate is what the wallet did with an incoming transfer, as its transaction
// description records it.
type Fate int

// The fates a transfer can meet.
const (
	// Kept: a deployed wallet ran its code and kept the value.
	Kept Fate = iota
	// Undeployed: the wallet has no code yet, so the compute phase is
	// skipped and the transaction aborts, yet the value stays (the message
	// was non-bounceable). This is how every transfer to a fresh wallet
	// looks.
	Undeployed
	// Returned: the wallet's code failed on a bounceable message, the
	// transaction aborted and its bounce phase sent the value back.
	Returned
)

// Transfer describes one incoming transfer for Chain.Receive.
type Transfer struct {
	From       *address.Address
	Amount     domain.Nano // nanotons
	Nano       *big.Int    // when set, the amount instead of Amount: for amounts beyond int64
	Comment    string      // a text comment (op 0); ignored when Body is set
	Body       *cell.Cell  // the message body as is
	Bounceable bool        // the sender asked for a bounce on failure
	Bounced    bool        // the message is a bounce of one of our own transfers
	Fate       Fate
}

// Address derives a stable basechain address from seed, so that tests can
// name senders ("alice") without hard-coding 48-character strings.
func Address(seed string) *address.Address {
	h := sha256.Sum256([]byte("tontest:" + seed))
	return address.NewAddress(0, 0, h[:])
}

// CommentBody is the body of a text comment: op 0, then the text.
func CommentBody(text string) *cell.Cell {
	return cell.BeginCell().MustStoreUInt(0, 32).MustStoreStringSnake(text).EndCell()
}

// bounceBody is what a bounced message carries: 0xffffffff, then the start
// of the original body.
func bounceBody() *cell.Cell {
	return cell.BeginCell().MustStoreUInt(0xffffffff, 32).MustStoreUInt(0, 32).EndCell()
}

// link is where a new transaction sits in the account's chain.
type link struct {
	lt       uint64
	prevLT   uint64
	prevHash []byte
	now      uint32
}

func (t Transfer) coins() tlb.Coins {
	if t.Nano != nil {
		return tlb.FromNanoTON(t.Nano)
	}
	return tlb.FromNanoTONU(uint64(max(t.Amount, 0)))
}

func (t Transfer) body() *cell.Cell {
	switch {
	case t.Body != nil:
		return t.Body
	case t.Bounced:
		return bounceBody()
	case t.Comment != "":
		return CommentBody(t.Comment)
	}
	return cell.BeginCell().EndCell()
}

// incoming builds the transaction of an incoming transfer.
func incoming(wallet *address.Address, l link, t Transfer) *tlb.Transaction {
	from := t.From
	if from == nil {
		from = Address("anonymous")
	}
	amount := t.coins()
	msg := &tlb.InternalMessage{
		IHRDisabled: true, Bounce: t.Bounceable, Bounced: t.Bounced,
		SrcAddr: from, DstAddr: wallet, Amount: amount,
		IHRFee: tlb.ZeroCoins, FwdFee: tlb.FromNanoTONU(266669),
		CreatedLT: l.lt - 1, CreatedAt: l.now, Body: t.body(),
	}
	tx := skeleton(wallet, l)
	tx.IO.In = &tlb.Message{MsgType: tlb.MsgTypeInternal, Msg: msg}
	credit := &tlb.CreditPhase{Credit: tlb.CurrencyCollection{Coins: amount}}
	switch t.Fate {
	case Undeployed:
		tx.OrigStatus, tx.EndStatus = tlb.AccountStatusUninit, tlb.AccountStatusUninit
		tx.Description = tlb.TransactionDescriptionOrdinary{
			CreditFirst: true, StoragePhase: storagePhase(), CreditPhase: credit,
			ComputePhase: tlb.ComputePhase{Phase: tlb.ComputePhaseSkipped{Reason: tlb.ComputeSkipReason{Type: tlb.ComputeSkipReasonNoState}}},
			Aborted:      true,
		}
	case Returned:
		back := &tlb.InternalMessage{IHRDisabled: true, Bounced: true, SrcAddr: wallet, DstAddr: from,
			Amount: amount, IHRFee: tlb.ZeroCoins, FwdFee: tlb.ZeroCoins, CreatedLT: l.lt + 1, CreatedAt: l.now, Body: bounceBody()}
		tx.IO.Out, tx.OutMsgCount = outList(back), 1
		tx.Description = tlb.TransactionDescriptionOrdinary{
			StoragePhase: storagePhase(), CreditPhase: credit,
			ComputePhase: tlb.ComputePhase{Phase: vmPhase(false, 65535)},
			Aborted:      true,
			BouncePhase: &tlb.BouncePhase{Phase: tlb.BouncePhaseOk{
				MsgSize: short(1, 64), MsgFees: tlb.ZeroCoins, FwdFees: tlb.FromNanoTONU(266669)}},
		}
	default:
		tx.Description = tlb.TransactionDescriptionOrdinary{
			CreditFirst: !t.Bounceable, StoragePhase: storagePhase(), CreditPhase: credit,
			ComputePhase: tlb.ComputePhase{Phase: vmPhase(true, 0)},
			ActionPhase:  actionPhase(0),
		}
	}
	return tx
}

// outgoing builds our wallet's own transfer: an external message in (the
// signed order) and one internal message out.
func outgoing(wallet *address.Address, l link, to *address.Address, amount tlb.Coins) *tlb.Transaction {
	tx := skeleton(wallet, l)
	tx.IO.In = &tlb.Message{MsgType: tlb.MsgTypeExternalIn, Msg: &tlb.ExternalMessage{
		SrcAddr: address.NewAddressNone(), DstAddr: wallet, ImportFee: tlb.ZeroCoins,
		Body: cell.BeginCell().MustStoreSlice(make([]byte, 64), 512).MustStoreUInt(uint64(l.lt), 64).EndCell(),
	}}
	out := &tlb.InternalMessage{IHRDisabled: true, SrcAddr: wallet, DstAddr: to, Amount: amount,
		IHRFee: tlb.ZeroCoins, FwdFee: tlb.FromNanoTONU(266669), CreatedLT: l.lt + 1, CreatedAt: l.now,
		Body: cell.BeginCell().EndCell()}
	tx.IO.Out, tx.OutMsgCount = outList(out), 1
	tx.Description = tlb.TransactionDescriptionOrdinary{
		StoragePhase: storagePhase(),
		ComputePhase: tlb.ComputePhase{Phase: vmPhase(true, 0)},
		ActionPhase:  actionPhase(1),
	}
	return tx
}

func skeleton(wallet *address.Address, l link) *tlb.Transaction {
	prev := l.prevHash
	if prev == nil {
		prev = make([]byte, 32)
	}
	return &tlb.Transaction{
		AccountAddr: wallet.Data(), LT: l.lt, PrevTxHash: prev, PrevTxLT: l.prevLT, Now: l.now,
		OrigStatus: tlb.AccountStatusActive, EndStatus: tlb.AccountStatusActive,
		TotalFees:   tlb.CurrencyCollection{Coins: tlb.FromNanoTONU(2_000_000)},
		StateUpdate: tlb.HashUpdate{OldHash: stateHash(l.prevLT), NewHash: stateHash(l.lt)},
	}
}

func stateHash(lt uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], lt)
	h := sha256.Sum256(b[:])
	return h[:]
}

func storagePhase() *tlb.StoragePhase {
	return &tlb.StoragePhase{StorageFeesCollected: tlb.FromNanoTONU(1), StatusChange: tlb.AccStatusChange{Type: tlb.AccStatusChangeUnchanged}}
}

func vmPhase(ok bool, exit int32) tlb.ComputePhaseVM {
	vm := tlb.ComputePhaseVM{Success: ok, GasFees: tlb.FromNanoTONU(1_237_600)}
	vm.Details.GasUsed, vm.Details.GasLimit = big.NewInt(3094), big.NewInt(1_000_000)
	vm.Details.ExitCode, vm.Details.VMSteps = exit, 68
	vm.Details.VMInitStateHash, vm.Details.VMFinalStateHash = make([]byte, 32), make([]byte, 32)
	return vm
}

func actionPhase(msgs uint16) *tlb.ActionPhase {
	return &tlb.ActionPhase{
		Success: true, Valid: true, StatusChange: tlb.AccStatusChange{Type: tlb.AccStatusChangeUnchanged},
		TotalActions: msgs, MessagesCreated: msgs, ActionListHash: make([]byte, 32), TotalMsgSize: short(0, 0),
	}
}

func short(cells, bits int64) tlb.StorageUsedShort {
	return tlb.StorageUsedShort{Cells: big.NewInt(cells), Bits: big.NewInt(bits)}
}

// outList is a transaction's out-message dictionary with one message.
func outList(m *tlb.InternalMessage) *tlb.MessagesList {
	c, err := tlb.ToCell(m)
	if err != nil {
		panic(fmt.Sprintf("tontest: serialize an out message: %v", err))
	}
	d := cell.NewDict(15)
	if err := d.SetIntKey(big.NewInt(0), cell.BeginCell().MustStoreRef(c).EndCell()); err != nil {
		panic(fmt.Sprintf("tontest: out message list: %v", err))
	}
	return &tlb.MessagesList{List: d}
}

// seal serializes tx and reads it back the way a liteserver's answer is
// read, so that its Hash and every field are what the real client would
// see.
func seal(tx *tlb.Transaction) ([]byte, *tlb.Transaction, error) {
	c, err := tlb.ToCell(tx)
	if err != nil {
		return nil, nil, fmt.Errorf("tontest: serialize transaction %d: %w", tx.LT, err)
	}
	boc := c.ToBOC()
	back, err := ton.DecodeTransaction(boc)
	if err != nil {
		return nil, nil, fmt.Errorf("tontest: read back transaction %d: %w", tx.LT, err)
	}
	return boc, back, nil
}
