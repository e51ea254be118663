package actors

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"allot/domain"
)

// The catalogue sync keeps the catalogue in step with the numbers the
// operator's Fragment account holds: a number the account holds and the
// catalogue lacks is added (the default prices apply); one the account no
// longer holds, or shows restricted, is blocked with the reason, never
// removed, and a rental on it keeps running (a block does not end one); one
// the sync blocked earlier and the account holds unrestricted again is
// unblocked. An admin's own block is never lifted, and a number an admin
// removed is not added back. Each change is decided in the number's own
// turn (domain.Number.SyncWith), against its state as it is then.

// OwnedNumbers is the operator's Fragment account as the catalogue sync
// reads it (adapters/fragment, adapted in cmd/allot). MyNumbers lists every
// number the account holds. It is safe for concurrent use, bounded by ctx,
// and may be slow (it loads pages of fragment.com), so the engine calls it
// outside every actor. An error means the list is unknown, never that it is
// empty; its text says nothing secret (no cookie), since it is logged and
// shown to admins.
type OwnedNumbers interface {
	MyNumbers(ctx context.Context) ([]domain.OwnedNumber, error)
}

// SyncReport is what one catalogue sync found and changed. The lists hold
// canonical numbers in order.
type SyncReport struct {
	Added     []string // put in the catalogue (a restricted one is blocked too)
	Blocked   []string // blocked: no longer in the account, or restricted
	Unblocked []string // blocked by an earlier sync, in order again
	Owned     int      // numbers the account lists
	Catalogue int      // numbers in the catalogue (not removed) before the sync
}

// Changed reports whether the sync changed anything.
func (r SyncReport) Changed() bool { return len(r.Added)+len(r.Blocked)+len(r.Unblocked) > 0 }

// The catalogue sync's refusals. A sync that fails with one of them
// changed nothing.
var (
	// ErrSyncFetch: the account's list could not be read.
	ErrSyncFetch = errors.New("actors: reading the Fragment account's numbers failed")
	// ErrSyncEmpty: the account lists no number while the catalogue has
	// some; a page Fragment changed or the wrong account is likelier than
	// every number gone, so nothing is blocked.
	ErrSyncEmpty = errors.New("actors: the Fragment account lists no numbers while the catalogue has some")
	// ErrSyncForeign: the account holds none of the catalogue's numbers,
	// which looks like the wrong account: nothing is changed.
	ErrSyncForeign = errors.New("actors: the Fragment account holds none of the catalogue's numbers")
)

// errUnchanged is a number's answer when the sync has nothing to do there.
var errUnchanged = errors.New("actors: nothing to sync")

// SyncNumbers brings the catalogue in step with the account src reads, and
// reports what it changed; every change is audited under by (0, the
// system, is not: see audit). A failed read, or a list that looks wrong
// (ErrSyncEmpty, ErrSyncForeign), changes nothing. A change that fails
// (the engine busy, say) leaves the others done: the report holds what
// was done and the error what was not; the next sync tries again.
func (e *Engine) SyncNumbers(ctx context.Context, by domain.UserID, src OwnedNumbers) (SyncReport, error) {
	list, err := src.MyNumbers(ctx)
	if err != nil {
		return SyncReport{}, fmt.Errorf("%w: %w", ErrSyncFetch, err)
	}
	owned := e.ownedSet(list)
	cat := e.view.snapshot()
	rep := SyncReport{Owned: len(owned), Catalogue: listedIn(cat)}
	if err := suspicious(owned, cat, rep.Catalogue); err != nil {
		return rep, err
	}
	var errs []error
	for _, id := range sortedKeys(owned) {
		if _, known := cat[id]; !known {
			errs = append(errs, e.syncAdd(ctx, by, id, owned[id], &rep))
		}
	}
	for _, id := range sortedKeys(cat) {
		restricted, held := owned[id]
		if v := cat[id]; mayChange(v, held, restricted) {
			errs = append(errs, e.syncOne(ctx, by, id, held, restricted, &rep))
		}
	}
	slices.Sort(rep.Blocked) // a restricted number added was blocked first
	return rep, errors.Join(errs...)
}

// ownedSet is the account's list as canonical number → restricted. A
// number listed twice is restricted if either entry says so; one that is
// not a number is logged and left out.
func (e *Engine) ownedSet(list []domain.OwnedNumber) map[string]bool {
	owned := make(map[string]bool, len(list))
	for _, o := range list {
		id, err := domain.ParseNumber(o.Number)
		if err != nil {
			e.log.Warn("the Fragment account lists something that is not a number", "err", err)
			continue
		}
		owned[id] = owned[id] || o.Restricted
	}
	return owned
}

// suspicious refuses a list that would block the whole catalogue.
func suspicious(owned map[string]bool, cat map[string]NumberView, listed int) error {
	if listed == 0 {
		return nil
	}
	if len(owned) == 0 {
		return fmt.Errorf("%w (%d in the catalogue): nothing blocked; check the Fragment login and account", ErrSyncEmpty, listed)
	}
	for id := range owned {
		if v, ok := cat[id]; ok && v.Status != domain.StatusRemoved {
			return nil
		}
	}
	return fmt.Errorf("%w (%d listed, %d in the catalogue): nothing changed; check the account, "+
		"or remove the old numbers and sync again", ErrSyncForeign, len(owned), listed)
}

// mayChange tells from the view whether the number's turn is worth asking:
// SyncWith decides, against the state as it is then.
func mayChange(v NumberView, held, restricted bool) bool {
	switch {
	case v.Status == domain.StatusRemoved:
		return false
	case !v.Blocked:
		return !held || restricted
	}
	return held && !restricted
}

// syncAdd adds a number the account holds, and blocks it at once when
// Fragment shows it restricted. A number added meanwhile by someone else
// is left to the next sync.
func (e *Engine) syncAdd(ctx context.Context, by domain.UserID, id string, restricted bool, rep *SyncReport) error {
	if _, err := e.AddNumber(ctx, by, id); errors.Is(err, domain.ErrNumberExists) {
		return nil
	} else if err != nil {
		return fmt.Errorf("adding %s: %w", id, err)
	}
	rep.Added = append(rep.Added, id)
	if !restricted {
		return nil
	}
	return e.syncOne(ctx, by, id, true, true, rep)
}

// syncOne asks the number what the sync does to it, in its own turn, and
// records and audits the change made.
func (e *Engine) syncOne(ctx context.Context, by domain.UserID, id string, held, restricted bool, rep *SyncReport) error {
	var done domain.NumberEvent // written in the number's turn, read after its reply
	_, err := e.change(ctx, id, func(n *domain.Number, _ domain.Policy, _ time.Time) (domain.Event, error) {
		if done = n.SyncWith(held, restricted); done == nil {
			return nil, errUnchanged
		}
		return done, nil
	}, nil)
	switch {
	case errors.Is(err, errUnchanged), errors.Is(err, domain.ErrNumberNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("syncing %s: %w", id, err)
	}
	switch ev := done.(type) {
	case *domain.NumberBlocked:
		rep.Blocked = append(rep.Blocked, id)
		e.audit(OperationOf(ctx), by, "number.block", id, ev.Reason)
	case *domain.NumberUnblocked:
		rep.Unblocked = append(rep.Unblocked, id)
		e.audit(OperationOf(ctx), by, "number.unblock", id, "in the Fragment account again")
	}
	return nil
}

// snapshot copies the view of every number, removed ones included.
func (v *numberView) snapshot() map[string]NumberView {
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := make(map[string]NumberView, len(v.rows))
	for _, m := range v.index {
		for id, i := range m {
			out[id] = v.rows[i].view(id)
		}
	}
	return out
}

func listedIn(cat map[string]NumberView) int {
	n := 0
	for _, v := range cat {
		if v.Status != domain.StatusRemoved {
			n++
		}
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// --- the periodic sync ------------------------------------------------------

// NumberSync is the catalogue sync running on its own (StartNumberSync).
type NumberSync struct {
	stop context.CancelFunc
	done chan struct{}
}

// DefaultNumberSync is how often the catalogue is synced with the Fragment
// account when nothing else is said.
const DefaultNumberSync = 6 * time.Hour

// numberSyncTimeout bounds one periodic sync: the account's pages at the
// client's own pace, and a turn of each number that changes.
const numberSyncTimeout = 5 * time.Minute

// StartNumberSync syncs the catalogue with src as the system (by 0) every
// every (DefaultNumberSync when 0), the first time a minute after it
// starts (or after every, if shorter): a restart does not postpone it by
// a whole period. report is called, from the sync's own goroutine, only
// after a sync that changed something or failed; it must not block for
// long. The sync lives in the engine rather than beside the bot so that
// the rule of what is worth telling, and its tests, stay next to the sync.
// Close stops it; call it before the engine's Close.
func (e *Engine) StartNumberSync(src OwnedNumbers, every time.Duration, report func(SyncReport, error)) *NumberSync {
	if every <= 0 {
		every = DefaultNumberSync
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &NumberSync{stop: stop, done: make(chan struct{})}
	go s.run(ctx, e, src, every, report)
	return s
}

func (s *NumberSync) run(ctx context.Context, e *Engine, src OwnedNumbers, every time.Duration, report func(SyncReport, error)) {
	defer close(s.done)
	t := time.NewTimer(min(every, time.Minute))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if e.closed.Load() {
			return
		}
		once, cancel := context.WithTimeout(ctx, numberSyncTimeout)
		rep, err := e.SyncNumbers(once, 0, src)
		cancel()
		if ctx.Err() != nil || errors.Is(err, ErrClosed) {
			return // stopping: not a failure to tell anyone about
		}
		if err != nil || rep.Changed() {
			report(rep, err)
		}
		t.Reset(every)
	}
}

// Close stops the periodic sync and waits for a sync in progress to end.
// A nil NumberSync (none started) does nothing.
func (s *NumberSync) Close() {
	if s == nil {
		return
	}
	s.stop()
	<-s.done
}

// --- hand-overs, for metrics -------------------------------------------------

// HandoversPending is how many numbers owe Fragment a chore now (login
// codes to switch, sessions to end); 0 when the relay is off.
func (e *Engine) HandoversPending() int {
	if e.handovers == nil {
		return 0
	}
	return e.handovers.pending()
}

// HandoversFailing is how many numbers' chores failed at their last try
// (failing), and how many of those failed often enough that the admins
// were told (alerted). Both count since the engine started: a restart
// tries every owed chore afresh.
func (e *Engine) HandoversFailing() (failing, alerted int) {
	h := e.handovers
	if h == nil {
		return 0, 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.fails {
		failing++
		if n >= h.alert {
			alerted++
		}
	}
	return failing, alerted
}
