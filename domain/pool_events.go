package domain

import (
	"maps"
	"slices"
	"strconv"
	"time"
)

// The events of a Pool and how they apply.

// StockLoaded records rows claimed from the stock sheet.
type StockLoaded struct {
	Rows   [][]string `msgpack:"r"`
	Claims []string   `msgpack:"c"`
	At     time.Time  `msgpack:"at"`
}

// StockDeleted records claimed rows seen gone from the stock tab.
type StockDeleted struct {
	Claims []string `msgpack:"c"`
}

// StockReturning moves available items onto the way back to the stock tab.
type StockReturning struct {
	IDs []string  `msgpack:"i"`
	At  time.Time `msgpack:"at"`
}

// StockReturned records items written back to the stock tab.
type StockReturned struct {
	IDs []string `msgpack:"i"`
}

// StockIssued records items given to a person.
type StockIssued struct {
	Op   OpID      `msgpack:"op"`
	User UserID    `msgpack:"u"`
	IDs  []string  `msgpack:"i"`
	At   time.Time `msgpack:"at"`
}

// FeedbackGiven records an item's fate, by the person or by the timer.
type FeedbackGiven struct {
	ID     string    `msgpack:"i"`
	Status string    `msgpack:"s"`
	At     time.Time `msgpack:"at"`
	Auto   bool      `msgpack:"au,omitempty"`
	// Replace says the status offers a replacement: the pool then owes
	// the item's holder one (Pool.Replacements).
	Replace bool `msgpack:"rp,omitempty"`
}

// FlushStarted moves the buffer into a flush batch.
type FlushStarted struct {
	ID string    `msgpack:"i"`
	At time.Time `msgpack:"at"`
}

// FlushFinished drops a batch that landed.
type FlushFinished struct {
	ID string `msgpack:"i"`
}

// PoolEvent is an event that changes a Pool.
type PoolEvent interface {
	Event
	applyPool(p *Pool)
}

// Apply applies e to p and records seq.
func (p *Pool) Apply(e PoolEvent, seq uint64) {
	if p.Pending == nil {
		p.Pending = map[string]*IssuedItem{}
	}
	if p.Flushing == nil {
		p.Flushing = map[string]FlushAttempt{}
	}
	if p.Claimed == nil {
		p.Claimed = map[string]string{}
	}
	if p.Daily == nil {
		p.Daily = map[string]*DayCount{}
	}
	e.applyPool(p)
	p.Seq = seq
}

// LastSeq is the sequence of the last event applied (State).
func (p *Pool) LastSeq() uint64 { return p.Seq }

// ApplyEvent applies ev if it is an event of a pool (State).
func (p *Pool) ApplyEvent(ev Event, seq uint64) error {
	return applyAs(KindPool, ev, seq, p.Apply)
}

func (e *StockLoaded) applyPool(p *Pool) {
	for i, r := range e.Rows {
		p.Next++
		p.Available = append(p.Available, StockItem{ID: p.Key + "#" + strconv.FormatUint(p.Next, 10), Cells: r,
			Claim: e.Claims[i], Loaded: e.At})
		p.Claimed[e.Claims[i]] = RowKey(r)
	}
}

func (e *StockDeleted) applyPool(p *Pool) {
	for _, c := range e.Claims {
		delete(p.Claimed, c)
	}
}

func (e *StockReturning) applyPool(p *Pool) {
	for _, id := range e.IDs {
		if i := slices.IndexFunc(p.Available, func(it StockItem) bool { return it.ID == id }); i >= 0 {
			p.Returning = append(p.Returning, p.Available[i])
			p.Available = slices.Delete(p.Available, i, i+1)
		}
	}
}

func (e *StockReturned) applyPool(p *Pool) {
	p.Returning = slices.DeleteFunc(p.Returning, func(it StockItem) bool { return slices.Contains(e.IDs, it.ID) })
}

func (p *Pool) day(t time.Time) *DayCount {
	k := t.UTC().Format(time.DateOnly)
	d := p.Daily[k]
	if d == nil {
		d = &DayCount{}
		p.Daily[k] = d
	}
	return d
}

func (e *StockIssued) applyPool(p *Pool) {
	n := 0
	for _, id := range e.IDs {
		i := slices.IndexFunc(p.Available, func(it StockItem) bool { return it.ID == id })
		if i < 0 {
			continue
		}
		p.Pending[id] = &IssuedItem{Item: p.Available[i], User: e.User, Op: e.Op, At: e.At}
		p.Available = slices.Delete(p.Available, i, i+1)
		n++
	}
	p.day(e.At).Issued += n
	if len(p.Daily) > keepDays { // history is bounded: drop the oldest day
		oldest := ""
		for d := range p.Daily {
			if oldest == "" || d < oldest {
				oldest = d
			}
		}
		delete(p.Daily, oldest)
	}
	p.noteOp(e.Op, e.At)
}

// noteOp remembers op, applied at at, for OpRetention and at least the
// last recentPoolOps.
func (p *Pool) noteOp(op OpID, at time.Time) {
	p.Ops, p.OpsAt = rememberIndexed(&p.opIdx, p.Ops, p.OpsAt, op, at, recentPoolOps)
}

func (e *FeedbackGiven) applyPool(p *Pool) {
	it, ok := p.Pending[e.ID]
	if !ok {
		return
	}
	delete(p.Pending, e.ID)
	p.Buffer = append(p.Buffer, FeedbackEntry{Item: it.Item, User: it.User, Status: e.Status, At: e.At, Auto: e.Auto})
	if e.Replace {
		p.owe(e.ID, it.User, e.At)
	}
	d := p.day(it.At)
	if d.Status == nil {
		d.Status = map[string]int{}
	}
	d.Status[e.Status]++
}

func (e *FlushStarted) applyPool(p *Pool) {
	p.Flushing[e.ID] = FlushAttempt{Entries: p.Buffer, At: e.At}
	p.Buffer = nil
}

func (e *FlushFinished) applyPool(p *Pool) { delete(p.Flushing, e.ID) }

// Clone returns a deep copy for readers outside the actor.
func (p *Pool) Clone() *Pool {
	c := *p
	c.Available = slices.Clone(p.Available)
	c.Buffer = slices.Clone(p.Buffer)
	c.Ops = slices.Clone(p.Ops)
	c.OpsAt = slices.Clone(p.OpsAt)
	c.opIdx = nil // the clone's Ops are its own: its index will be too
	c.Replacements = cloneReplacements(p.Replacements)
	c.Pending = make(map[string]*IssuedItem, len(p.Pending))
	for k, v := range p.Pending {
		x := *v
		c.Pending[k] = &x
	}
	c.Flushing = make(map[string]FlushAttempt, len(p.Flushing))
	for k, v := range p.Flushing {
		c.Flushing[k] = FlushAttempt{Entries: slices.Clone(v.Entries), At: v.At}
	}
	c.Claimed = maps.Clone(p.Claimed)
	c.Returning = slices.Clone(p.Returning)
	c.Daily = make(map[string]*DayCount, len(p.Daily))
	for k, v := range p.Daily {
		c.Daily[k] = &DayCount{Issued: v.Issued, Status: maps.Clone(v.Status)}
	}
	return &c
}
