package actors

import (
	"context"

	"allot/domain"
)

// The intake register remembers which Telegram updates were handled
// (domain.Intake), so that the bot recognises one Telegram delivers again
// after a crash — its effect durable, Telegram not yet told — by its
// update_id. Every change an update makes is keyed by an operation derived
// from it as well, so an update handled again in the short window between
// its effect and this record still applies once; the register spares the
// person a second answer in all the other cases.

// updateHandled records an update; nobody waits for it.
type updateHandled struct {
	asker
	id int64
}

func (c *updateHandled) run(x *exec) {
	if ev := x.e.state.(*domain.Intake).Handle(c.id); ev != nil {
		if _, err := x.emit(ev); err != nil {
			x.eng.log.Warn("recording a handled update failed; it may be handled again after a restart",
				"update_id", c.id, "err", err)
		}
	}
	x.reply(c.r, nil, nil)
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
func (e *Engine) UpdateHandled(id int64) {
	if id <= 0 || e.closed.Load() {
		return
	}
	e.dir.route(e.root, domain.KindIntake, singleton, &updateHandled{id: id}, false)
}

// HandledUpdates returns the update ids handled most recently, at most
// domain.IntakeMemory, oldest first: the bot reads them once at start.
func (e *Engine) HandledUpdates(ctx context.Context) ([]int64, error) {
	return askAs[[]int64](e.ask(ctx, domain.KindIntake, singleton, false, func(r replyTo) command {
		return &handledUpdates{asker{r}}
	}))
}
