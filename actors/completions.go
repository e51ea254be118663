package actors

import (
	"sync"
	"time"

	"allot/domain"
)

// A purchase's completion in its wallet (the processing debit becoming
// completed once the number applied it) is written with the wallet's next
// credit or debit rather than as a record of its own; nobody waits for it
// (domain/wallet_complete.go). A wallet with no such event soon writes its
// completions as EntrySettled records after completionDelay, and Drain and
// Close write them at once, so a drained or closed engine holds no
// purchase still processing that has finished.
//
// Until written, a completion is lost with a crash, leaving the purchase
// processing in the journal: recovery resumes it (resumePurchases) and
// the number, which remembers the operation, answers that it is done. It
// remembers it for domain.OpRetention of the engine's clock, which a
// second in memory is nothing against; an engine on a clock many times
// faster than real time sets Options.CompletionDelay in proportion (the
// hand-over load test's runs 4,000,000 times faster: there a second let a
// number forget a purchase a kill then left processing, and recovery gave
// the money back for a rental granted).

// completionDelay is how long a finished purchase may wait for a credit or
// debit of its wallet to carry it. A second leaves almost none to be
// written alone under load (`loadtest -mode engine`: 1.8 records per
// operation, against 1.9 with 100 ms and 2.3 before), and ten times fewer
// flushes to route than 100 ms did. Nobody waits for it: the balance
// counts a processing purchase already, and the person has had the
// answer; the wallet's history shows the purchase as processing until
// then.
const completionDelay = time.Second

// completionBatch is the set of wallets holding deferred completions.
type completionBatch struct {
	mu      sync.Mutex
	wallets map[string]struct{}
	timer   bool          // a flush is scheduled
	stopped bool          // the engine is closing: its last flush has been sent
	delay   time.Duration // Options.CompletionDelay; negative: none
}

// defers reports whether completions wait for a flush at all.
func (b *completionBatch) defers() bool { return b.delay >= 0 }

// add notes that wallet holds deferred completions, scheduling a flush
// unless one is.
func (b *completionBatch) add(e *Engine, wallet string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return // the purchase stays processing in the journal: the next start resumes it
	}
	if b.wallets == nil {
		b.wallets = map[string]struct{}{}
	}
	b.wallets[wallet] = struct{}{}
	if !b.timer {
		b.timer = true
		time.AfterFunc(b.delay, func() { b.flush(e) })
	}
}

// flush asks every wallet noted to write its deferred completions, and
// reports whether there was any.
func (b *completionBatch) flush(e *Engine) bool {
	b.mu.Lock()
	ws, stopped := b.wallets, b.stopped
	b.wallets, b.timer = nil, false
	b.mu.Unlock()
	if stopped {
		return false
	}
	for w := range ws {
		e.dir.route(nil, domain.KindWallet, w, &writeCompletions{}, false)
	}
	return len(ws) > 0
}

// stop ends the flushes before the actors stop: a completion deferred
// after the engine's last drain (none is, but for a journal that failed)
// stays processing in the journal, and the next start resumes it.
func (b *completionBatch) stop() {
	b.mu.Lock()
	b.stopped, b.wallets = true, nil
	b.mu.Unlock()
}

// writeCompletions writes a wallet's deferred completions that no credit
// or debit has carried, one EntrySettled each.
type writeCompletions struct{ asker }

func (c *writeCompletions) run(x *exec) {
	w := x.wallet()
	for _, op := range w.TakeCompletions() {
		ev, err := w.Settle(op, domain.EntryCompleted, "", x.now)
		if err == nil {
			_, err = x.emit(ev)
		}
		if err != nil {
			x.eng.log.Error("completing a purchase failed; the next start resumes it", "wallet", x.e.id, "op", op, "err", err)
		}
	}
}

// deferCompletion is settleEntry's path for a completion nobody waits for.
func (c *settleEntry) deferCompletion(x *exec) bool {
	if c.to != domain.EntryCompleted || c.r != nil || !x.eng.completions.defers() {
		return false
	}
	if x.wallet().DeferCompletion(c.op) {
		x.eng.completions.add(x.eng, x.e.id)
	}
	return true
}
