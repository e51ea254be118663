package actors

import (
	"context"
	"slices"
	"time"

	"allot/domain"
)

// Distribution settings admins change at run time (regions offered, the
// today-only mode of phone numbers) live in the catalog entity beside the
// default prices, so they are journaled and survive restarts; readers get
// them from an atomic copy without asking the actor.

// distSettings is the live copy of the catalog's distribution settings.
type distSettings struct {
	regions   []string
	todayOnly bool
}

func (e *Engine) setSettings(c *domain.Catalog) {
	e.settings.Store(&distSettings{regions: slices.Clone(c.RegionsNow(e.opts.Kinds.Regions)), todayOnly: c.TodayOnly})
}

func (e *Engine) distSettings() distSettings {
	if s := e.settings.Load(); s != nil {
		return *s
	}
	return distSettings{regions: e.opts.Kinds.Regions}
}

// Regions are the regions offered now.
func (e *Engine) Regions() []string { return slices.Clone(e.distSettings().regions) }

// TodayOnly reports whether phone numbers are issued only when dated today.
func (e *Engine) TodayOnly() bool { return e.distSettings().todayOnly }

type catalogChange struct {
	asker
	decide func(c *domain.Catalog) (domain.Event, error)
}

func (c *catalogChange) run(x *exec) {
	cat := x.e.state.(*domain.Catalog)
	ev, err := c.decide(cat)
	if err == nil && ev != nil {
		_, err = x.emit(ev)
	}
	if err == nil {
		x.eng.setSettings(cat)
	}
	x.reply(c.r, nil, err)
}

func (e *Engine) catalogChange(ctx context.Context, by domain.UserID, action, target string, decide func(c *domain.Catalog) (domain.Event, error)) error {
	_, err := e.ask(ctx, domain.KindCatalog, singleton, false, func(r replyTo) command { return &catalogChange{asker{r}, decide} })
	if err == nil {
		e.audit(OperationOf(ctx), by, action, target, "")
	}
	return err
}

// AddRegion offers a new region; by is the admin, for the audit log.
func (e *Engine) AddRegion(ctx context.Context, by domain.UserID, code string) error {
	return e.catalogChange(ctx, by, "region.add", code, func(c *domain.Catalog) (domain.Event, error) {
		return c.AddRegion(code, e.opts.Kinds.Regions)
	})
}

// RemoveRegion stops offering a region. Its pools keep their stock.
func (e *Engine) RemoveRegion(ctx context.Context, by domain.UserID, code string) error {
	return e.catalogChange(ctx, by, "region.remove", code, func(c *domain.Catalog) (domain.Event, error) {
		return c.RemoveRegion(code, e.opts.Kinds.Regions)
	})
}

// SetTodayOnly switches today-only mode: on, phone numbers not dated today
// go back to their stock tab and only today's are loaded and issued.
func (e *Engine) SetTodayOnly(ctx context.Context, by domain.UserID, on bool) error {
	action := "numbers.today_only.off"
	if on {
		action = "numbers.today_only.on"
	}
	err := e.catalogChange(ctx, by, action, "", func(c *domain.Catalog) (domain.Event, error) {
		if c.TodayOnly == on {
			return nil, nil
		}
		return &domain.TodayOnlySet{On: on}, nil
	})
	if err == nil && on {
		e.stockPoke("")
	}
	return err
}

// Now is the engine's clock: what "today" means to the pools and their
// statistics (tests move it by hand).
func (e *Engine) Now() time.Time { return e.clock() }
