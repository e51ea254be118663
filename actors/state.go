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

// registerShards is how many entities the payments register and the user
// directory are split into, so that deposits and user look-ups are not
// serialized through one mailbox. It decides where data lives: never change
// it without migrating a data directory.
const registerShards = 16

// shardOf names the register shard that owns key.
func shardOf(key string) string {
	var h uint32 = 2166136261 // FNV-1a: stable across builds, unlike maphash
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return strconv.Itoa(int(h % registerShards))
}

// userShard is the directory shard that owns user u.
func userShard(u domain.UserID) string { return strconv.Itoa(int(uint64(u) % registerShards)) }

// paymentShard is the payments shard an incoming payment belongs to: that
// of the first well-formed invoice code in its comment (where its invoice
// lives), else that of the transaction. A pure function of the payment, so
// a transaction seen again always reaches the same shard, which is what
// keeps "applied at most once, ever" true across shards. A comment naming
// several codes is matched against the first one only.
func paymentShard(p domain.Payment) string {
	if codes := domain.FindCodes(p.Comment); len(codes) > 0 {
		return shardOf(codes[0])
	}
	return shardOf(p.Tx.Key())
}

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
	case domain.KindIntake:
		in := state.(*domain.Intake)
		switch e := ev.(type) {
		case *domain.UpdatesHandled:
			in.ApplyAll(e, seq)
		case *domain.UpdateHandled:
			in.Apply(e, seq)
		}
	case domain.KindCatalog:
		state.(*domain.Catalog).Apply(ev.(domain.CatalogEvent), seq)
	case domain.KindProxy:
		p, _ := state.(*domain.Proxy)
		if p == nil {
			p = &domain.Proxy{}
		}
		p.Apply(ev.(domain.ProxyEvent), seq)
		return p
	case domain.KindPool:
		p, _ := state.(*domain.Pool)
		if p == nil {
			p = domain.NewPool(id)
		}
		p.Apply(ev.(domain.PoolEvent), seq)
		return p
	case domain.KindWatcher:
		w, _ := state.(*domain.Watcher)
		if w == nil {
			w = domain.NewWatcher(id)
		}
		w.Apply(ev.(domain.WatcherEvent), seq)
		return w
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
	case *domain.Intake:
		return s.Seq
	case *domain.Catalog:
		return s.Seq
	case *domain.Watcher:
		return s.Seq
	case *domain.Proxy:
		return s.Seq
	case *domain.Pool:
		return s.Seq
	}
	return 0
}

func newWallet(id string) *domain.Wallet {
	u, _ := strconv.ParseInt(id, 10, 64)
	return &domain.Wallet{User: domain.UserID(u)}
}

func walletID(u domain.UserID) string { return strconv.FormatInt(int64(u), 10) }

// registers returns the initial state of every register entity, keyed by
// kind and id: the sharded payments and users, the audit log and catalog.
func registers(prices domain.PriceList) map[domain.Kind]map[string]any {
	out := map[domain.Kind]map[string]any{
		domain.KindPayments: {}, domain.KindUsers: {},
		domain.KindAudit:   {singleton: &domain.AuditLog{}},
		domain.KindIntake:  {singleton: &domain.Intake{}},
		domain.KindCatalog: {singleton: &domain.Catalog{Prices: prices}},
	}
	for i := 0; i < registerShards; i++ {
		out[domain.KindPayments][strconv.Itoa(i)] = domain.NewPayments()
		out[domain.KindUsers][strconv.Itoa(i)] = domain.NewUsers()
	}
	return out
}
