package actors

import (
	"fmt"
	"strconv"

	"allot/domain"
)

// Singleton ids: registers that exist once are entities too, addressed by
// kind and this id, so that the directory, snapshots and recovery treat
// them like any other.
const singleton = "main"

// applyEvent applies ev to the state of entity (kind, id), creating the
// state when the event creates it, and returns the (possibly new) state.
// It panics on an event of the wrong kind: DecodeRecord already refuses
// those, so reaching it means a bug in this package.
func applyEvent(kind domain.Kind, id string, state any, ev domain.Event, seq uint64) any {
	switch kind {
	case domain.KindNumber:
		n, _ := state.(*domain.Number)
		if n == nil {
			n = &domain.Number{}
		}
		n.Apply(ev.(domain.NumberEvent), seq)
		return n
	case domain.KindWallet:
		w, _ := state.(*domain.Wallet)
		if w == nil {
			w = newWallet(id)
		}
		w.Apply(ev.(domain.WalletEvent), seq)
		return w
	case domain.KindPayments:
		state.(*domain.Payments).Apply(ev.(domain.PaymentsEvent), seq)
	case domain.KindUsers:
		state.(*domain.Users).Apply(ev.(domain.UsersEvent), seq)
	case domain.KindAudit:
		state.(*domain.AuditLog).Apply(ev.(*domain.AuditRecorded), seq)
	case domain.KindCatalog:
		state.(*domain.Catalog).Apply(ev.(*domain.DefaultPriceSet), seq)
	default:
		panic(fmt.Sprintf("actors: no state for kind %d", kind))
	}
	return state
}

// stateSeq is the sequence of the last event applied to state.
func stateSeq(state any) uint64 {
	switch s := state.(type) {
	case *domain.Number:
		return s.Seq
	case *domain.Wallet:
		return s.Seq
	case *domain.Payments:
		return s.Seq
	case *domain.Users:
		return s.Seq
	case *domain.AuditLog:
		return s.Seq
	case *domain.Catalog:
		return s.Seq
	}
	return 0
}

func newWallet(id string) *domain.Wallet {
	u, _ := strconv.ParseInt(id, 10, 64)
	return &domain.Wallet{User: domain.UserID(u)}
}

func walletID(u domain.UserID) string { return strconv.FormatInt(int64(u), 10) }

// newSingletons returns the initial state of each singleton kind.
func newSingletons() map[domain.Kind]any {
	return map[domain.Kind]any{
		domain.KindPayments: domain.NewPayments(),
		domain.KindUsers:    domain.NewUsers(),
		domain.KindAudit:    &domain.AuditLog{},
		domain.KindCatalog:  &domain.Catalog{Prices: domain.DefaultPrices()},
	}
}
