package actors

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"

	"allot/domain"
)

// The pool steps the stocker journals, and the admins' stock commands.

func (e *Engine) startFlush(ctx context.Context, key, id string) (map[string]domain.FlushAttempt, error) {
	return askAs[map[string]domain.FlushAttempt](e.poolStep(ctx, key, func(x *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		ev, err := p.StartFlush(id, x.now)
		if err != nil && !errors.Is(err, domain.ErrDuplicateOp) {
			return nil, nil, err
		}
		var evs []domain.Event
		if ev != nil {
			evs = append(evs, ev)
		}
		// Read the batches after the event applied.
		return func() any { return maps.Clone(x.pool().Clone().Flushing) }, evs, nil
	}))
}

func (e *Engine) finishFlush(ctx context.Context, key string, ids []string) error {
	_, err := e.poolStep(ctx, key, func(_ *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		var evs []domain.Event
		for _, id := range ids {
			if ev, err := p.FinishFlush(id); err == nil {
				evs = append(evs, ev)
			}
		}
		return nil, evs, nil
	})
	return err
}

func (e *Engine) stockDeleted(ctx context.Context, key string, claims []string) error {
	_, err := e.poolStep(ctx, key, func(_ *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		if ev := p.Deleted(claims); ev != nil {
			return nil, []domain.Event{ev}, nil
		}
		return nil, nil, nil
	})
	return err
}

func (e *Engine) returnStock(ctx context.Context, key string, ids []string) error {
	_, err := e.poolStep(ctx, key, func(x *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		if ev := p.Return(func(it domain.StockItem) bool { return !slices.Contains(ids, it.ID) }, x.now); ev != nil {
			return nil, []domain.Event{ev}, nil
		}
		return nil, nil, nil
	})
	return err
}

func (e *Engine) stockReturned(ctx context.Context, key string, ids []string) error {
	_, err := e.poolStep(ctx, key, func(_ *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		if ev := p.Returned(ids); ev != nil {
			return nil, []domain.Event{ev}, nil
		}
		return nil, nil, nil
	})
	return err
}

// ReleaseStock sends every available item of every pool back to its stock
// tab (an admin's /buffer_release); it returns how many items go back.
func (e *Engine) ReleaseStock(ctx context.Context, by domain.UserID) (int, error) {
	n := 0
	for _, c := range e.Pools() {
		if c.Available == 0 {
			continue
		}
		v, err := e.poolStep(ctx, c.Key, func(x *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
			ev := p.Return(nil, x.now)
			if ev == nil {
				return 0, nil, nil
			}
			return len(ev.IDs), []domain.Event{ev}, nil
		})
		if err != nil {
			return n, err
		}
		n += v.(int)
	}
	e.audit(OperationOf(ctx), by, "stock.release", "", strconv.Itoa(n))
	e.stockPoke("")
	return n, nil
}

// FlushStock writes every buffer to the issued tabs now (an admin's
// /buffer_clear); without a running stocker there is nothing to write to.
func (e *Engine) FlushStock(ctx context.Context, by domain.UserID) error {
	s := e.stocker.Load()
	if s == nil {
		return errors.New("actors: distribution is not running")
	}
	e.audit(OperationOf(ctx), by, "stock.flush", "", "")
	return s.FlushNow(ctx)
}
