package actors

import (
	"cmp"
	"context"
	"slices"
	"time"

	"allot/domain"
)

// A number's notice is owed in its state from the event that raised it
// (domain/notice.go) until whoever tells it (the bot) calls NoticeTold.
// The number raises it through Options.Notify once the event is durable,
// and recovery raises every notice still owed again as the engine opens:
// a crash before the notice reached Telegram only delays it. Telling is at
// least once, not exactly once: a crash after Telegram took the message
// but before NoticeTold is durable tells it again after the restart, as
// Telegram's sendMessage has no idempotency key that would let a second
// send be recognised. A notice is rare and short; telling it twice is far
// better than never.

// NoticeTold records that the owed notice seq of number (Notice.Seq) was
// told, or can never be (the person blocked the bot, the chat is gone), so
// no start raises it again. Acknowledging one no longer owed (told
// already, or replaced by a newer one) does nothing; it returns once the
// record is durable.
func (e *Engine) NoticeTold(ctx context.Context, number string, seq uint64) error {
	_, err := e.number(ctx, number, false, func(r replyTo) command { return &noticeTold{asker: asker{r}, seq: seq} })
	return err
}

// noticeTold records at the number that its notice seq was told.
type noticeTold struct {
	asker
	seq uint64
}

func (c *noticeTold) run(x *exec) {
	x.withNumber(c.r, func(n *domain.Number) {
		var err error
		if ev := n.NoticeDone(c.seq); ev != nil {
			_, err = x.emit(ev)
		}
		x.reply(c.r, nil, err)
	})
}

// noticeOf is the Notice that tells o, owed by number.
func noticeOf(number string, o domain.OwedNotice) Notice {
	return Notice{Number: number, User: o.User, Until: o.Until, Event: o.Event(), Seq: o.Seq}
}

// owedNotices are the notices n owes and are worth raising at now, after
// a restart.
func owedNotices(n *domain.Number, now time.Time) []Notice {
	out := make([]Notice, 0, len(n.Notices))
	for _, o := range n.Notices {
		if !o.Overtaken(now) {
			out = append(out, noticeOf(n.ID, o))
		}
	}
	return out
}

// resumeNotices raises again every notice owed when the engine opened,
// oldest first (by the sequence of the event that raised it), as they
// would have been told had the process not stopped. Nothing is raised
// without Notify: they stay owed for a start that has it.
func (e *Engine) resumeNotices(owed []Notice) {
	if e.opts.Notify == nil || len(owed) == 0 {
		return
	}
	slices.SortFunc(owed, func(a, b Notice) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, nt := range owed {
		e.opts.Notify(nt)
	}
	e.log.Info("raised notices owed since before the start", "count", len(owed))
}
