package actors

import (
	"context"
	"sync"
	"time"

	"allot/domain"
)

// The intake register remembers which Telegram updates were handled
// (domain.Intake), so that the bot recognises one Telegram delivers again
// after a crash — its effect durable, Telegram not yet told — by its
// update_id. Every change an update makes is keyed by an operation derived
// from it as well, so an update handled again in the short window between
// its effect and this record still applies once; the register spares the
// person a second answer in all the other cases.

// updatesHandled records a batch of handled updates in one event; nobody
// waits for it.
type updatesHandled struct {
	asker
	ids []int64
}

func (c *updatesHandled) run(x *exec) {
	if ev := x.e.state.(*domain.Intake).HandleAll(c.ids); ev != nil {
		if _, err := x.emit(ev); err != nil {
			x.eng.log.Warn("recording handled updates failed; they may be handled again after a restart",
				"updates", len(ev.IDs), "err", err)
		}
	}
	x.reply(c.r, nil, nil)
}

// handledDelay is how long the handled updates gather before they are
// written as one record. Writing one per update cost the bot a fifth of
// its throughput under fsync=always: each record is one more fdatasync
// that people's answers queue behind. The record need not be durable
// before Telegram is told (see UpdateHandled), so the delay only widens
// the window in which a crash leaves an update to be recognised by its
// operations instead.
const handledDelay = 20 * time.Millisecond

// handledBatch gathers the update ids the bot reports for handledDelay.
type handledBatch struct {
	mu      sync.Mutex
	pending []int64
	timer   bool // a flush is scheduled
}

// add queues id, scheduling a flush unless one is.
func (b *handledBatch) add(e *Engine, id int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = append(b.pending, id)
	if !b.timer {
		b.timer = true
		time.AfterFunc(handledDelay, func() { b.flush(e) })
	}
}

// flush sends what is pending to the intake register; Drain and Close
// call it too, so nothing waits on a timer behind them.
func (b *handledBatch) flush(e *Engine) {
	b.mu.Lock()
	ids := b.pending
	b.pending, b.timer = nil, false
	b.mu.Unlock()
	if len(ids) > 0 {
		e.dir.route(nil, domain.KindIntake, singleton, &updatesHandled{ids: ids}, false)
	}
}

// handledUpdates reads the remembered update ids.
type handledUpdates struct{ asker }

func (c *handledUpdates) run(x *exec) {
	x.reply(c.r, x.e.state.(*domain.Intake).Snapshot(), nil)
}

// UpdateHandled records that the bot handled update id. It returns at
// once: the record joins the journal's next write. It needs no wait, since
// Telegram is told of the update afterwards, and once told never delivers
// it again; until then a crash only means the update is recognised by the
// operations it carries instead.
//
// Records are batched for handledDelay, so a busy bot writes one record
// for many updates.
func (e *Engine) UpdateHandled(id int64) {
	if id <= 0 || e.closed.Load() {
		return
	}
	e.handled.add(e, id)
}

// HandledUpdates returns the update ids handled most recently, at most
// domain.IntakeMemory, oldest first: the bot reads them once at start.
func (e *Engine) HandledUpdates(ctx context.Context) ([]int64, error) {
	return askAs[[]int64](e.ask(ctx, domain.KindIntake, singleton, false, func(r replyTo) command {
		return &handledUpdates{asker{r}}
	}))
}
