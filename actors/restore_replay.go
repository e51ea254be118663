package actors

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"allot/domain"
)

// replayer applies journal records on one goroutine per core: each record
// goes to the worker that owns its entity's bucket, so one entity's records
// are applied in journal order while different entities' are decoded and
// applied at once. A record whose header cannot be read waits until every
// record before it is applied, and is then applied (and refused) in order.
//
// Buckets are handed to workers by load, not fixed: one entity can carry
// half of a journal (the payments register takes a record for every
// deposit), and a fixed hash would leave its worker with that half plus
// its share of the rest while the other idles. Every replayWindow records
// the workers are drained and the buckets dealt again, heaviest first, to
// the least loaded worker of the window just replayed.
type replayer struct {
	e       *Engine
	workers []chan *rawBatch
	pending []*rawBatch // per worker, filling
	owner   [replayBuckets]int
	load    [replayBuckets]int // records per bucket in this window
	inWin   int                // records added in this window
	top     uint64             // the highest sequence handed to a worker
	window  int                // replayWindow; smaller in tests
	free    sync.Pool
	inward  sync.WaitGroup // batches handed out and not yet applied
	done    sync.WaitGroup // the workers themselves
	failed  atomic.Bool
	mu      sync.Mutex
	err     error  // the failure with the lowest sequence
	errSeq  uint64 // its sequence
}

// rawBatch is records copied out of the journal's reused buffer, back to
// back in data; ends[i] is where record i ends.
type rawBatch struct {
	seqs []uint64
	ends []int
	data []byte
}

// replayBatch is how many records a worker takes at a time: enough that
// handing them over costs little, few enough that the workers start early.
const replayBatch = 512

// replayBuckets is how finely entities are dealt to workers, and
// replayWindow how many records pass between two deals: a deal waits for
// the workers to finish, which a window of this size makes rare.
const (
	replayBuckets = 64
	replayWindow  = 1 << 16
)

func newReplayer(e *Engine) *replayer {
	n := max(runtime.GOMAXPROCS(0), 1)
	r := &replayer{e: e, workers: make([]chan *rawBatch, n), pending: make([]*rawBatch, n), window: replayWindow}
	r.free.New = func() any { return &rawBatch{} }
	for b := range r.owner {
		r.owner[b] = b % n
	}
	for i := range r.workers {
		r.workers[i] = make(chan *rawBatch, 4)
		r.done.Add(1)
		go r.work(r.workers[i])
	}
	return r
}

// add takes one record (payload is only valid during the call) and
// returns the first failure so far, which stops the replay.
func (r *replayer) add(seq uint64, payload []byte) error {
	if r.failed.Load() {
		return r.wait()
	}
	r.top = max(r.top, seq)
	kind, id, ok := domain.RecordEntity(payload)
	if !ok {
		if err := r.wait(); err != nil {
			return err
		}
		if err := r.e.replay(seq, payload); err != nil {
			r.fail(seq, err)
			return err
		}
		return nil
	}
	if r.inWin >= r.window {
		if err := r.deal(); err != nil {
			return err
		}
	}
	bucket := entityHash(kind, id) % replayBuckets
	r.load[bucket]++
	r.inWin++
	w := r.owner[bucket]
	b := r.pending[w]
	if b == nil {
		b = r.free.Get().(*rawBatch)
		r.pending[w] = b
	}
	b.seqs = append(b.seqs, seq)
	b.data = append(b.data, payload...)
	b.ends = append(b.ends, len(b.data))
	if len(b.seqs) >= replayBatch {
		r.send(w)
	}
	return nil
}

func (r *replayer) send(w int) {
	if b := r.pending[w]; b != nil {
		r.pending[w] = nil
		r.inward.Add(1)
		r.workers[w] <- b
	}
}

// deal waits for the workers, then gives each bucket, heaviest in the
// window just ended first, to the worker with the least load so far.
func (r *replayer) deal() error {
	if err := r.wait(); err != nil {
		return err
	}
	order := make([]int, replayBuckets)
	for b := range order {
		order[b] = b
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(r.load[b], r.load[a]) })
	sum := make([]int, len(r.workers))
	for _, b := range order {
		w := slices.Index(sum, slices.Min(sum))
		r.owner[b] = w
		sum[w] += r.load[b]
	}
	r.load, r.inWin = [replayBuckets]int{}, 0
	return nil
}

// wait hands out what is still filling and waits until every record so
// far is applied; it returns the failure with the lowest sequence.
func (r *replayer) wait() error {
	for w := range r.pending {
		r.send(w)
	}
	r.inward.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// close waits for everything handed out and stops the workers.
func (r *replayer) close() error {
	err := r.wait()
	for _, c := range r.workers {
		close(c)
	}
	r.done.Wait()
	return err
}

func (r *replayer) work(in <-chan *rawBatch) {
	defer r.done.Done()
	for b := range in {
		start := 0
		for i, seq := range b.seqs {
			if !r.failed.Load() || seq < r.failedAt() {
				if err := r.e.replay(seq, b.data[start:b.ends[i]]); err != nil {
					r.fail(seq, err)
				}
			}
			start = b.ends[i]
		}
		b.seqs, b.ends, b.data = b.seqs[:0], b.ends[:0], b.data[:0]
		r.free.Put(b)
		r.inward.Done()
	}
}

func (r *replayer) fail(seq uint64, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil || seq < r.errSeq {
		r.err, r.errSeq = err, seq
	}
	r.failed.Store(true)
}

// failedAt is the sequence of the earliest failure: records after it
// need not be applied, those before it still must, to find any earlier one.
func (r *replayer) failedAt() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errSeq
}

// entityHash is FNV-1a over an entity's kind and id.
func entityHash(kind domain.Kind, id []byte) uint64 {
	h := uint64(14695981039346656037)
	h = (h ^ uint64(kind)) * 1099511628211
	for _, c := range id {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}
