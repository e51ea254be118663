package actors

import (
	"sync/atomic"
	"time"

	"allot/persistence"
)

// Stats is a point-in-time view of the engine's machinery, for the load
// test now and the metrics endpoint later.
type Stats struct {
	Journal   persistence.JournalStats
	Commits   uint64        // journal batches made durable
	CommitMax time.Duration // longest single commit (write + fdatasync)
	CommitSum time.Duration // total time spent committing
	Active    int64         // entity actors running now
	Inflight  int64         // messages routed and not yet handled
}

// commitStats accumulates what the journal's OnSync reports.
type commitStats struct {
	n, sum, max atomic.Int64
}

func (c *commitStats) observe(d time.Duration) {
	c.n.Add(1)
	c.sum.Add(int64(d))
	for {
		m := c.max.Load()
		if int64(d) <= m || c.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// Stats reports the engine's counters.
func (e *Engine) Stats() Stats {
	return Stats{
		Journal: e.journal.Stats(), Commits: uint64(e.commits.n.Load()),
		CommitMax: time.Duration(e.commits.max.Load()), CommitSum: time.Duration(e.commits.sum.Load()),
		Active: e.dir.active.Load(), Inflight: e.dir.inflight(),
	}
}
