package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"allot/actors"
	"allot/domain"
)

// world is the simulated population: users 1..N and numbers
// +888 0000 0000 upwards, with a client-side list of numbers not yet
// handed out so that most rents find a free number, as people browsing a
// catalogue of free numbers would.
type world struct {
	eng     *actors.Engine
	users   int
	numbers int
	free    chan string
	prefix  string // makes op and transaction ids unique across runs on one data dir
	mine    []userNumbers
	seq     atomic.Uint64
}

type userNumbers struct {
	mu  sync.Mutex
	ids []string
}

func newWorld(eng *actors.Engine, users, numbers int, prefix string) *world {
	w := &world{eng: eng, users: users, numbers: numbers, free: make(chan string, numbers), prefix: prefix,
		mine: make([]userNumbers, users+1)}
	return w
}

func numberID(i int) string { return fmt.Sprintf("+888%08d", i) }

func userID(i int) domain.UserID { return domain.UserID(1_000_000 + i) }

// setup adds the numbers and users and gives every user a starting
// balance. It tolerates an existing state (crash cycles reuse a data dir).
func (w *world) setup(ctx context.Context, workers int) error {
	var next atomic.Int64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > max(w.numbers, w.users) {
					return
				}
				if err := w.setupOne(ctx, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func (w *world) setupOne(ctx context.Context, i int) error {
	if i <= w.numbers {
		id, err := w.eng.AddNumber(ctx, 0, numberID(i))
		switch {
		case err == nil:
			w.free <- id
		case !errors.Is(err, domain.ErrNumberExists):
			return fmt.Errorf("add number: %w", err)
		}
	}
	if i <= w.users {
		u := userID(i)
		if err := w.eng.SeeUser(ctx, domain.User{ID: u, Username: "user" + strconv.Itoa(i)}); err != nil {
			return fmt.Errorf("see user: %w", err)
		}
		_, err := w.eng.Deposit(ctx, domain.Payment{Tx: domain.TxID{Account: "setup", LT: uint64(i), Hash: "start"},
			Amount: domain.TON(100_000), User: u, At: time.Now()})
		if err != nil && !errors.Is(err, domain.ErrDuplicateTx) {
			return fmt.Errorf("starting balance: %w", err)
		}
	}
	return nil
}

// op kinds in the mix.
const (
	opRent = iota
	opRenew
	opTransfer
	opTopUp
	opKinds
)

var opNames = [opKinds]string{"rent", "renew", "transfer", "topup"}

// pick draws an op by the mix's weights: rent 30, renew 35, transfer 10, top-up 25 (%).
func pick(r *rand.Rand) int {
	switch x := r.IntN(100); {
	case x < 30:
		return opRent
	case x < 65:
		return opRenew
	case x < 75:
		return opTransfer
	}
	return opTopUp
}

// ack is one acknowledged operation, for the crash test to look for.
type ack struct {
	kind   int
	op     string
	user   domain.UserID
	to     domain.UserID
	number string
}

// do performs one operation of kind for user u. It returns the acks of the
// operations the engine acknowledged (a transfer is an offer and an
// accept), and a business refusal (a taken number, a balance too low) as
// refused rather than as an error.
func (w *world) do(ctx context.Context, r *rand.Rand, kind int, ui int) (acks []ack, refused bool, err error) {
	u := userID(ui)
	op := domain.OpID(w.prefix + "-" + strconv.FormatUint(w.seq.Add(1), 36))
	switch kind {
	case opRent:
		var id string
		select {
		case id = <-w.free:
		default:
			id = numberID(1 + r.IntN(w.numbers))
		}
		_, err = w.eng.RentFromBalance(ctx, op, u, id, 30)
		if err == nil {
			w.give(ui, id)
			return []ack{{kind: opRent, op: string(op), user: u, number: id}}, false, nil
		}
	case opRenew:
		id, ok := w.any(ui, r)
		if !ok {
			return w.do(ctx, r, opRent, ui)
		}
		_, err = w.eng.RenewFromBalance(ctx, op, u, id, 30)
		if err == nil {
			return []ack{{kind: opRenew, op: string(op), user: u, number: id}}, false, nil
		}
	case opTransfer:
		return w.transfer(ctx, r, op, ui)
	case opTopUp:
		tx := domain.TxID{Account: "loadtest", LT: w.seq.Add(1), Hash: w.prefix}
		_, err = w.eng.Deposit(ctx, domain.Payment{Tx: tx, Amount: domain.TON(50), User: u, At: time.Now()})
		if err == nil {
			return []ack{{kind: opTopUp, op: tx.Key(), user: u}}, false, nil
		}
	}
	return nil, isRefusal(err), onlyUnexpected(err)
}

func (w *world) transfer(ctx context.Context, r *rand.Rand, op domain.OpID, ui int) ([]ack, bool, error) {
	id, ok := w.take(ui, r)
	if !ok {
		return w.do(ctx, r, opRent, ui)
	}
	ti := 1 + r.IntN(w.users)
	if ti == ui {
		ti = ui%w.users + 1
	}
	from, to := userID(ui), userID(ti)
	if _, err := w.eng.OfferTransfer(ctx, op, from, id, strconv.FormatInt(int64(to), 10)); err != nil {
		w.give(ui, id)
		return nil, isRefusal(err), onlyUnexpected(err)
	}
	acks := []ack{{kind: opTransfer, op: string(op), user: from, to: to, number: id}}
	if _, err := w.eng.AcceptTransfer(ctx, to, id); err != nil {
		return acks, isRefusal(err), onlyUnexpected(err)
	}
	w.give(ti, id)
	return append(acks, ack{kind: -1, op: string(op) + "/accept", user: to, number: id}), false, nil
}

func (w *world) give(ui int, id string) {
	m := &w.mine[ui]
	m.mu.Lock()
	m.ids = append(m.ids, id)
	m.mu.Unlock()
}

func (w *world) any(ui int, r *rand.Rand) (string, bool) {
	m := &w.mine[ui]
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.ids) == 0 {
		return "", false
	}
	return m.ids[r.IntN(len(m.ids))], true
}

func (w *world) take(ui int, r *rand.Rand) (string, bool) {
	m := &w.mine[ui]
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.ids) == 0 {
		return "", false
	}
	i := r.IntN(len(m.ids))
	id := m.ids[i]
	m.ids[i] = m.ids[len(m.ids)-1]
	m.ids = m.ids[:len(m.ids)-1]
	return id, true
}

// refusals are the domain's answers a person can get in normal use: not
// failures of the engine.
var refusals = []error{domain.ErrNotAvailable, domain.ErrNotRenter, domain.ErrNotRented, domain.ErrBlocked,
	domain.ErrInsufficientFunds, domain.ErrTransferPending, domain.ErrSelfTransfer, domain.ErrPriceChanged,
	domain.ErrNoTransfer, domain.ErrDuplicateOp, domain.ErrDuplicateTx, domain.ErrNumberNotFound}

// isRefusal tells a business refusal (the domain said no) from a failure.
func isRefusal(err error) bool {
	if err == nil {
		return false
	}
	for _, t := range refusals {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func onlyUnexpected(err error) error {
	if isRefusal(err) {
		return nil
	}
	return err
}
