package telegram

import "context"

// maxAnswerers bounds the goroutines kept for answering callback queries
// beside the presses' handling (answerWhilePressing). A goroutine started
// for each answer began with a small stack and grew it, copying it each
// time, on its way through net/http: 5 % of the bot's CPU in `loadtest
// -mode telegram -split -cpuprofile`. Kept goroutines have grown theirs
// already. Polling has at most 100 updates in flight, one answer each (64
// kept left goroutines started for 4 % of the CPU); more answers at once
// than this, by webhook, get a goroutine each.
const maxAnswerers = 128

// answerJob is one callback query to answer with no toast; cancel ends
// its context once it is answered.
type answerJob struct {
	ctx     context.Context
	cancel  context.CancelFunc
	queryID string
}

// answerBeside hands job to an idle kept answerer, or starts one, or past
// maxAnswerers a goroutine for this answer alone. It never waits. The
// caller holds a count of b.wg (a session's), so Close is not waiting yet.
func (b *Bot) answerBeside(job answerJob) {
	select {
	case b.answerJobs <- job:
		return
	default:
	}
	b.wg.Add(1)
	if b.answerers.Add(1) <= maxAnswerers {
		go b.answerer(job)
		return
	}
	b.answerers.Add(-1)
	go func() {
		defer b.wg.Done()
		b.answerNow(job)
	}()
}

// answerer answers first, then whatever it is handed, until the bot stops.
func (b *Bot) answerer(first answerJob) {
	defer b.wg.Done()
	defer b.answerers.Add(-1)
	b.answerNow(first)
	for {
		select {
		case job := <-b.answerJobs:
			b.answerNow(job)
		case <-b.ctx.Done():
			return
		}
	}
}

func (b *Bot) answerNow(job answerJob) {
	defer job.cancel()
	b.answer(job.ctx, job.queryID, "")
}
