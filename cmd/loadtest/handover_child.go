package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
)

// runHandoverChild is the process that gets killed. It returns only when
// it cannot start; otherwise it runs until SIGKILL.
func runHandoverChild(f flags) error {
	var cfg handoverChild
	if err := json.Unmarshal([]byte(os.Getenv(handoverEnv)), &cfg); err != nil {
		return fmt.Errorf("%s: %w", handoverEnv, err)
	}
	mode, err := persistence.ParseFsyncMode(f.fsync)
	if err != nil {
		return err
	}
	client, err := cfg.client()
	if err != nil {
		return err
	}
	clock := vclock{base: time.Unix(0, cfg.Base)}
	eng, err := actors.Open(handoverOptions(f.dir, mode, clock, client))
	if err != nil {
		return err
	}
	ctx := context.Background()
	prefix := fmt.Sprintf("h%d", f.cycle)
	if err := newWorld(eng, cfg.Users, f.numbers, prefix).setup(ctx, 4*runtime.GOMAXPROCS(0)); err != nil {
		return err
	}
	owed, err := countOwed(ctx, eng, f.numbers, func(n *domain.Number) bool { return n.Handover != nil })
	if err != nil {
		return err
	}
	fmt.Printf("owed %d\nready\n", owed)
	go func() {
		for {
			eng.Advance()
			time.Sleep(time.Millisecond)
		}
	}()
	d := &holder{eng: eng, clock: clock, users: cfg.Users, prefix: prefix}
	go d.reportGuards()
	for i := 1; i <= f.numbers; i++ {
		go d.drive(ctx, numberID(i), rand.New(rand.NewPCG(uint64(f.seed), uint64(i))))
	}
	select {} // until killed
}

// countOwed counts the numbers for which owes is true.
func countOwed(ctx context.Context, eng *actors.Engine, numbers int, owes func(*domain.Number) bool) (int, error) {
	k := 0
	for i := 1; i <= numbers; i++ {
		n, err := eng.Number(ctx, numberID(i))
		if err != nil {
			return 0, err
		}
		if owes(n) {
			k++
		}
	}
	return k, nil
}

// holder drives each number through holdings and their ends, as renters
// and admins would: rent it as soon as it is offered, then let the rental
// expire, cancel it, or hand it on. One goroutine per number; the
// scheduler's expiries come in between.
type holder struct {
	eng    *actors.Engine
	clock  vclock
	users  int
	prefix string
	seq    atomic.Uint64
	guards atomic.Int64
}

// plan is how one holding ends, and when (real time).
type plan struct {
	start time.Time // the holding's start: a new holder gets a new plan
	end   int       // 0-3 expiry, 4-6 cancel, 7-9 transfer
	at    time.Time
}

func (d *holder) drive(ctx context.Context, id string, r *rand.Rand) {
	var p plan
	var expiry time.Time
	for {
		n, err := d.eng.Number(ctx, id)
		switch {
		case err != nil:
			d.refused(err, time.Millisecond)
		case n.Rental == nil:
			d.rent(ctx, n, r)
		case n.Rental.Expired:
			expiry = noteExpiry(n, expiry)
			d.endExpired(ctx, n, r)
		default:
			p = d.follow(ctx, n, p, r)
		}
	}
}

func (d *holder) op() domain.OpID {
	return domain.OpID(d.prefix + "-" + strconv.FormatUint(d.seq.Add(1), 36))
}

// rent tries to rent the number, whatever its state: while it owes a
// hand-over the engine must refuse.
func (d *holder) rent(ctx context.Context, n *domain.Number, r *rand.Rand) {
	u, op, t := userID(1+r.IntN(d.users)), d.op(), time.Now()
	rc, err := d.eng.RentFromBalance(ctx, op, u, n.ID, 30)
	if err != nil {
		if n.Handover != nil && errors.Is(err, domain.ErrNotAvailable) {
			d.guards.Add(1)
		}
		d.refused(err, time.Millisecond)
		return
	}
	acked("rent", op, u, n.ID, rc.Until, 0, t)
}

// follow carries out the live holding's plan when its moment comes.
func (d *holder) follow(ctx context.Context, n *domain.Number, p plan, r *rand.Rand) plan {
	start := n.History[len(n.History)-1].From
	if !p.start.Equal(start) {
		left := max(n.Rental.Until.Sub(d.clock.now())/handoverSpeed, 1)
		p = plan{start: start, end: r.IntN(10), at: time.Now().Add(time.Duration(r.Int64N(int64(left))))}
	}
	switch {
	case p.end < 4 || time.Now().Before(p.at):
		time.Sleep(time.Millisecond)
	case p.end < 7:
		d.cancel(ctx, n, n.Rental.Paid/2)
	default:
		d.transfer(ctx, n, r)
	}
	return p
}

func (d *holder) cancel(ctx context.Context, n *domain.Number, refund domain.Nano) {
	op, t := d.op(), time.Now()
	got, err := d.eng.CancelRental(ctx, op, 0, n.ID, refund)
	if err != nil {
		d.refused(err, time.Millisecond)
		return
	}
	h := got.History[len(got.History)-1]
	acked("cancel", op, h.User, n.ID, h.From, refund, t)
}

func (d *holder) transfer(ctx context.Context, n *domain.Number, r *rand.Rand) {
	from := n.Rental.Renter
	to := userID(1 + r.IntN(d.users))
	if to == from {
		to = userID(int(from-userID(0))%d.users + 1)
	}
	op, t := d.op(), time.Now()
	if _, err := d.eng.OfferTransfer(ctx, op, from, n.ID, strconv.FormatInt(int64(to), 10)); err != nil {
		d.refused(err, time.Millisecond)
		return
	}
	got, err := d.eng.AcceptTransfer(ctx, to, n.ID)
	if err != nil {
		d.refused(err, time.Millisecond)
		return
	}
	h := got.History[len(got.History)-1]
	acked("accept", op, to, n.ID, h.From, 0, t)
}

// endExpired reclaims an expired rental, or now and then cancels it, which
// replaces the expiry's hand-over with the cancel's.
func (d *holder) endExpired(ctx context.Context, n *domain.Number, r *rand.Rand) {
	if r.IntN(4) == 0 {
		d.cancel(ctx, n, 0)
		return
	}
	t := time.Now()
	got, err := d.eng.Reclaim(ctx, 0, n.ID)
	if err != nil {
		d.refused(err, time.Millisecond)
		return
	}
	acked("reclaim", "-", 0, n.ID, got.History[len(got.History)-1].From, 0, t)
}

// noteExpiry reports when an expiry's hand-over began, once: the history
// does not keep it.
func noteExpiry(n *domain.Number, last time.Time) time.Time {
	h := n.Handover
	if h == nil || h.Reason != domain.HandoverExpired || h.Since.Equal(last) {
		return last
	}
	fmt.Printf("expiry %s %s\n", n.ID, h.Since.Format(time.RFC3339Nano))
	return h.Since
}

// acked reports an operation the engine acknowledged, after its reply.
func acked(kind string, op domain.OpID, u domain.UserID, num string, at time.Time, refund domain.Nano, t time.Time) {
	fmt.Printf("ack %s %s %d %s %s %d %d\n", kind, op, u, num, at.Format(time.RFC3339Nano), refund,
		time.Since(t).Microseconds())
}

func (d *holder) refused(err error, wait time.Duration) {
	if !handoverRefusal(err) {
		fmt.Println("err", strings.ReplaceAll(err.Error(), "\n", " "))
	}
	time.Sleep(wait)
}

func (d *holder) reportGuards() {
	for range time.Tick(100 * time.Millisecond) {
		if k := d.guards.Swap(0); k > 0 {
			fmt.Println("guards", k)
		}
	}
}

// handoverRefusal tells the domain's answers in a race between a holder,
// an admin and the scheduler from failures.
func handoverRefusal(err error) bool {
	for _, t := range []error{domain.ErrTransferExpired, domain.ErrNotRecipient, domain.ErrNotExpired, domain.ErrBusy} {
		if errors.Is(err, t) {
			return true
		}
	}
	return isRefusal(err)
}
