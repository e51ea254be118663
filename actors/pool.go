package actors

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"allot/domain"
)

// Pools: one entity per kind × region × variant, addressed by
// domain.PoolKey. Issuing is a decision on the pool's memory, so it is as
// fast as any other command; the spreadsheet is only touched by the
// stocker (stock.go), which loads rows in and writes feedback out.

func (x *exec) pool() *domain.Pool {
	p, _ := x.e.state.(*domain.Pool)
	return p
}

// kindOfPool returns the resource kind of the pool key.
func (e *Engine) kindOfPool(key string) (domain.ResourceKind, error) {
	code, _, _, err := domain.SplitPoolKey(key)
	if err != nil {
		return domain.ResourceKind{}, err
	}
	k, ok := e.opts.Kinds.Kind(code)
	if !ok {
		return domain.ResourceKind{}, fmt.Errorf("%w: %q", domain.ErrUnknownKind, code)
	}
	return k, nil
}

// afterPool refreshes the pool's counts and wake-up after its events, and
// asks the stocker for more when it runs low.
func (x *exec) afterPool() {
	p, k, ok := x.poolAndKind()
	if !ok {
		return
	}
	c := x.eng.pools.put(p, x.now)
	x.eng.sched.arm(x.via, domain.KindPool, x.e.id, p.NextWake(k.AutoConfirm))
	if c.Available < k.RefillBelow || c.Returning > 0 {
		x.eng.stockPoke(p.Key)
	}
}

// poolAndKind is this entity's pool and its resource kind; not ok when the
// pool does not exist yet or its kind is no longer configured (nothing to
// refresh or confirm then).
func (x *exec) poolAndKind() (*domain.Pool, domain.ResourceKind, bool) {
	p := x.pool()
	if p == nil {
		return nil, domain.ResourceKind{}, false
	}
	k, err := x.eng.kindOfPool(p.Key)
	return p, k, err == nil
}

// poolStep runs one decision on a pool, creating it when it is new.
type poolStep struct {
	asker
	decide func(x *exec, p *domain.Pool, k domain.ResourceKind) (any, []domain.Event, error)
}

func (c *poolStep) run(x *exec) {
	p := x.pool()
	if p == nil {
		p = domain.NewPool(x.e.id)
		x.e.state = p
	}
	k, err := x.eng.kindOfPool(p.Key)
	if err != nil {
		x.reply(c.r, nil, err)
		return
	}
	v, evs, err := c.decide(x, p, k)
	for _, ev := range evs {
		if err != nil {
			break
		}
		_, err = x.emit(ev)
	}
	x.afterPool()
	if err != nil {
		x.reply(c.r, nil, err)
		return
	}
	if f, ok := v.(func() any); ok { // a reply that reads the state after the events
		v = f()
	}
	x.reply(c.r, v, nil)
}

func (x *exec) poolTick() {
	p, k, ok := x.poolAndKind()
	if !ok {
		return
	}
	for _, ev := range p.Tick(k.AutoConfirm, k.DefaultStatus, x.now) {
		if _, err := x.emit(ev); err != nil {
			x.eng.log.Error("pool auto-confirmation failed", "pool", p.Key, "err", err)
			break
		}
	}
	x.afterPool()
}

func (e *Engine) poolStep(ctx context.Context, key string, decide func(x *exec, p *domain.Pool, k domain.ResourceKind) (any, []domain.Event, error)) (any, error) {
	if _, err := e.kindOfPool(key); err != nil {
		return nil, err
	}
	return e.ask(ctx, domain.KindPool, key, true, func(r replyTo) command { return &poolStep{asker{r}, decide} })
}

// itemStep is poolStep for a command that names an item (feedback, a
// replacement): the item's pool must already exist. Item ids are chosen by
// the person pressing a button, and a forged one must be refused, not
// create an empty pool for whatever region or variant it names.
func (e *Engine) itemStep(ctx context.Context, key string, decide func(x *exec, p *domain.Pool, k domain.ResourceKind) (any, []domain.Event, error)) (any, error) {
	if _, err := e.kindOfPool(key); err != nil {
		return nil, err
	}
	if !e.knows(domain.KindPool, key) {
		return nil, domain.ErrItemNotFound
	}
	v, err := e.ask(ctx, domain.KindPool, key, false, func(r replyTo) command { return &poolStep{asker{r}, decide} })
	if err != nil && !e.knows(domain.KindPool, key) {
		return nil, domain.ErrItemNotFound
	}
	return v, err
}

// LoadStock takes rows claimed from the stock tab into a pool, each with
// its claim marker; it returns how many entered (rows already held are
// left out).
func (e *Engine) LoadStock(ctx context.Context, key string, rows [][]string, claims []string) (int, error) {
	return askAs[int](e.poolStep(ctx, key, func(x *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		ev, err := p.Load(rows, claims, x.now)
		if err != nil || ev == nil {
			return 0, nil, err
		}
		return len(ev.Rows), []domain.Event{ev}, nil
	}))
}

// IssueStock gives user n items of a kind in a region. The variant
// domain.VariantAny takes from every variant's pool in turn. op makes a
// retry (after a lost reply) give the same items again instead of more:
// those of them still awaiting feedback, or domain.ErrDuplicateOp when
// none is. Fewer than n items is not an error when some were found.
func (e *Engine) IssueStock(ctx context.Context, op domain.OpID, user domain.UserID, kind, region, variant string, n int) ([]domain.StockItem, error) {
	k, ok := e.opts.Kinds.Kind(kind)
	if !ok {
		return nil, fmt.Errorf("%w: %q", domain.ErrUnknownKind, kind)
	}
	if !slices.Contains(e.Regions(), region) {
		return nil, fmt.Errorf("%w: %q", domain.ErrBadRegion, region)
	}
	variants := []string{variant}
	switch {
	case len(k.Variants) == 0:
		variants = []string{""}
	case variant == domain.VariantAny:
		variants = k.StockVariants()
	case !slices.Contains(k.StockVariants(), variant):
		return nil, fmt.Errorf("%w: variant %q of %s", domain.ErrNotPermitted, variant, kind)
	}
	var got []domain.StockItem
	var errs []error
	again := false // some pool met op before: this is a retry, and takes nothing new
	for _, v := range variants {
		if len(got) >= n {
			break
		}
		its, err := e.issueFrom(ctx, domain.OpID(string(op)+"/"+v), user, domain.PoolKey(kind, region, v), n-len(got), k.MaxPerIssue, again)
		got = append(got, its.items...)
		again = again || its.again || errors.Is(err, domain.ErrDuplicateOp)
		if err != nil && !errors.Is(err, domain.ErrOutOfStock) && !errors.Is(err, domain.ErrDuplicateOp) {
			errs = append(errs, err)
		}
	}
	if len(got) == 0 {
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		if again {
			return nil, domain.ErrDuplicateOp
		}
		return nil, domain.ErrOutOfStock
	}
	return got, nil
}

// poolIssue is what one pool gave an issue operation.
type poolIssue struct {
	items []domain.StockItem
	again bool // the pool had met the operation before
}

// issueFrom issues up to n items of one pool under op. A pool that met op
// before gives the items op still holds there, or domain.ErrDuplicateOp
// when it holds none: a retry never takes new items. lookOnly asks only
// that, for a retry whose operation another pool met.
func (e *Engine) issueFrom(ctx context.Context, op domain.OpID, user domain.UserID, key string, n, most int, lookOnly bool) (poolIssue, error) {
	return askAs[poolIssue](e.poolStep(ctx, key, func(x *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		if p.HasOp(op) {
			return issuedUnder(p, op, user)
		}
		if lookOnly {
			return poolIssue{}, nil, nil
		}
		ev, err := p.Issue(op, user, n, most, x.now)
		if err != nil {
			return nil, nil, err
		}
		var items []domain.StockItem
		for _, id := range ev.IDs {
			i := slices.IndexFunc(p.Available, func(it domain.StockItem) bool { return it.ID == id })
			items = append(items, p.Available[i])
		}
		return poolIssue{items: items}, []domain.Event{ev}, nil
	}))
}

// issuedUnder answers a retry of op: the items op gave user that still
// await feedback, or domain.ErrDuplicateOp when none does.
func issuedUnder(p *domain.Pool, op domain.OpID, user domain.UserID) (any, []domain.Event, error) {
	var out []domain.StockItem
	for _, it := range p.Pending {
		if it.Op == op && it.User == user {
			out = append(out, it.Item)
		}
	}
	if len(out) == 0 {
		return nil, nil, domain.ErrDuplicateOp
	}
	slices.SortFunc(out, func(a, b domain.StockItem) int { return cmp.Compare(a.ID, b.ID) })
	return poolIssue{items: out, again: true}, nil, nil
}

// FeedbackResult is what a person's feedback did.
type FeedbackResult struct {
	Item    domain.StockItem
	Status  domain.FeedbackStatus
	Replace bool // the status offers a replacement
}

// StockFeedback records user's verdict on an item they were given.
func (e *Engine) StockFeedback(ctx context.Context, user domain.UserID, id, status string) (FeedbackResult, error) {
	key, err := domain.PoolOfItem(id)
	if err != nil {
		return FeedbackResult{}, err
	}
	return askAs[FeedbackResult](e.itemStep(ctx, key, func(x *exec, p *domain.Pool, k domain.ResourceKind) (any, []domain.Event, error) {
		ev, err := p.FeedbackOf(user, id, status, k.Statuses, x.now)
		if err != nil {
			return nil, nil, err
		}
		st, _ := k.Status(status)
		return FeedbackResult{Item: p.Pending[id].Item, Status: st, Replace: ev.Replace}, []domain.Event{ev}, nil
	}))
}

// Replace gives user the replacement for an item they reported with a
// status that offers one. The item's pool decides, and only for the person
// the item was issued to (domain.ErrNotPermitted for anyone else, or an
// item never issued or given no such status); the replacement is issued
// under an operation naming the person and the item, so a second press
// gives the same replacement, or domain.ErrDuplicateOp once that was given
// feedback too.
func (e *Engine) Replace(ctx context.Context, user domain.UserID, id string) ([]domain.StockItem, error) {
	key, err := domain.PoolOfItem(id)
	if err != nil {
		return nil, err
	}
	kind, region, variant, _ := domain.SplitPoolKey(key)
	k, err := e.kindOfPool(key)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(e.Regions(), region) {
		return nil, fmt.Errorf("%w: %q", domain.ErrBadRegion, region)
	}
	op, err := askAs[domain.OpID](e.itemStep(ctx, key, func(x *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		ev, op, err := p.TakeReplacement(user, id, x.now)
		if err != nil || ev == nil {
			return op, nil, err
		}
		return op, []domain.Event{ev}, nil
	}))
	if err != nil {
		return nil, err
	}
	if variant == "" && len(k.Variants) > 0 {
		variant = domain.VariantAny
	}
	return e.IssueStock(ctx, op, user, kind, region, variant, 1)
}

// Pool returns a copy of a pool's state.
func (e *Engine) Pool(ctx context.Context, key string) (*domain.Pool, error) {
	return askAs[*domain.Pool](e.poolStep(ctx, key, func(_ *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		return p.Clone(), nil, nil
	}))
}

// PoolCounts is a pool's size at a glance, for menus and introspection.
type PoolCounts struct {
	Key       string
	Available int
	Pending   int
	Buffer    int // feedback waiting for the next flush
	Flushing  int // feedback handed to the writer, not yet known written
	Returning int
	Claimed   int // rows loaded and not yet seen deleted from the stock tab
}

// poolView is the read model of pool sizes and daily figures, refreshed
// by each pool's actor.
type poolView struct {
	mu    sync.RWMutex
	byKey map[string]PoolCounts
	days  map[string]map[string]domain.DayCount
}

// statsDays is how many days back the read model keeps a pool's daily
// figures: the statistics' longest period is 30 days.
const statsDays = 31

func (v *poolView) put(p *domain.Pool, now time.Time) PoolCounts {
	c := PoolCounts{Key: p.Key, Available: len(p.Available), Pending: len(p.Pending), Buffer: len(p.Buffer),
		Returning: len(p.Returning), Claimed: len(p.Claimed)}
	for _, f := range p.Flushing {
		c.Flushing += len(f.Entries)
	}
	since := now.UTC().AddDate(0, 0, -statsDays).Format(time.DateOnly)
	days := make(map[string]domain.DayCount, min(len(p.Daily), statsDays+1))
	for d, n := range p.Daily {
		if d >= since { // a year of history costs this loop, not a copy per event
			days[d] = domain.DayCount{Issued: n.Issued, Status: cloneCounts(n.Status)}
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.byKey == nil {
		v.byKey, v.days = map[string]PoolCounts{}, map[string]map[string]domain.DayCount{}
	}
	v.byKey[p.Key], v.days[p.Key] = c, days
	return c
}

func cloneCounts(m map[string]int) map[string]int {
	if m == nil {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Pools lists every pool's counts, by key.
func (e *Engine) Pools() []PoolCounts {
	e.pools.mu.RLock()
	defer e.pools.mu.RUnlock()
	out := make([]PoolCounts, 0, len(e.pools.byKey))
	for _, c := range e.pools.byKey {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b PoolCounts) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

// PoolDays returns every pool's daily figures, for the statistics.
func (e *Engine) PoolDays() []domain.PoolDays {
	e.pools.mu.RLock()
	defer e.pools.mu.RUnlock()
	out := make([]domain.PoolDays, 0, len(e.pools.days))
	for key, days := range e.pools.days {
		kind, region, variant, err := domain.SplitPoolKey(key)
		if err != nil {
			continue
		}
		out = append(out, domain.PoolDays{Kind: kind, Region: region, Variant: variant, Days: days})
	}
	slices.SortFunc(out, func(a, b domain.PoolDays) int {
		return cmp.Compare(domain.PoolKey(a.Kind, a.Region, a.Variant), domain.PoolKey(b.Kind, b.Region, b.Variant))
	})
	return out
}

// rebuildPools fills the pool read model on recovery and returns the
// pools' wake-ups.
func (e *Engine) rebuildPools() []wake {
	var wakes []wake
	e.dir.each(domain.KindPool, func(en *entry, _ bool) {
		p, _ := en.state.(*domain.Pool)
		if p == nil {
			return
		}
		e.pools.put(p, e.clock())
		if k, err := e.kindOfPool(p.Key); err == nil {
			if at := p.NextWake(k.AutoConfirm); !at.IsZero() {
				wakes = append(wakes, wake{at: at, wakeKey: wakeKey{domain.KindPool, en.id}})
			}
		}
	})
	return wakes
}

// stockPoke tells the stocker a pool wants attention (it is low, or has
// items to return). It never blocks: the stocker also looks every tick.
func (e *Engine) stockPoke(key string) {
	if s := e.stocker.Load(); s != nil {
		s.poke(key)
	}
}
