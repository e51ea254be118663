package main

import (
	"fmt"
	"runtime/metrics"
	"time"
)

// The tail of -mode engine: which of its slow operations overlapped one of
// the garbage collector's mark phases. On 2 cores the runtime's mark worker
// is a fractional one, which holds a processor for 10–20 ms at a time while
// the goroutines queued on it wait (golang/go#21698); in the durable mix
// most operations over 20 ms fell in those phases, a fifth of the run.

// tailSlow is the bar an operation is slow over: issue 15's p99 target.
const tailSlow = 20 * time.Millisecond

// markSample is how often markWatch looks at the collector.
const markSample = 5 * time.Millisecond

// span is an interval of a run, as offsets from its start.
type span struct{ from, to time.Duration }

// markWatch records the collector's mark phases while a run goes on. A
// phase begins and ends with a stop of the world; both count in
// /sched/pauses/total/gc, and its end counts a cycle in
// /gc/cycles/total, so a phase is under way while the pauses outnumber
// twice the cycles by more than they did when the last cycle ended (a
// phase the runtime restarts adds a pause of its own, which that baseline
// absorbs at the end). Read at markSample, so a phase is known to 5 ms; one
// that ends and is followed by another within one sample is taken for a
// single phase until the second ends.
type markWatch struct {
	start  time.Time
	stop   chan struct{}
	done   chan struct{}
	phases []span // run's own until done is closed
}

// watchMarks starts the watch; end stops it and returns the phases.
func watchMarks(start time.Time) *markWatch {
	m := &markWatch{start: start, stop: make(chan struct{}), done: make(chan struct{})}
	go m.run()
	return m
}

func (m *markWatch) run() {
	defer close(m.done)
	samples := []metrics.Sample{{Name: "/sched/pauses/total/gc:seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	read := func() (excess int64, cycles uint64) {
		metrics.Read(samples)
		var pauses uint64
		for _, n := range samples[0].Value.Float64Histogram().Counts {
			pauses += n
		}
		cycles = samples[1].Value.Uint64()
		return int64(pauses) - 2*int64(cycles), cycles
	}
	base, lastCycles := read()
	var open span // the phase under way, while marking
	marking := false
	t := time.NewTicker(markSample)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			if marking {
				open.to = time.Since(m.start)
				m.phases = append(m.phases, open)
			}
			return
		case <-t.C:
		}
		excess, cycles := read()
		now := time.Since(m.start)
		switch {
		case cycles != lastCycles: // a phase ended since the last look
			if !marking {
				open.from = now - markSample
			}
			open.to = now
			m.phases = append(m.phases, open)
			marking, base, lastCycles = false, excess, cycles
		case excess > base && !marking:
			open, marking = span{from: now - markSample}, true
		}
	}
}

// end stops the watch and returns the phases seen, in order.
func (m *markWatch) end() []span {
	close(m.stop)
	<-m.done // run has returned: its phases are ours to read
	return m.phases
}

// tailReport is where a run's slow operations fell.
type tailReport struct {
	slow, duringMarks int64
	phases            int
	marking           time.Duration
}

// attribute counts the slow operations (offsets from the run's start) that
// overlapped any of phases.
func attribute(slow []span, phases []span) tailReport {
	r := tailReport{slow: int64(len(slow)), phases: len(phases)}
	for _, p := range phases {
		r.marking += p.to - p.from
	}
	for _, op := range slow {
		for _, p := range phases {
			if op.from < p.to && p.from < op.to {
				r.duringMarks++
				break
			}
		}
	}
	return r
}

// line is the report for a person.
func (r tailReport) line(ops int64, elapsed time.Duration) string {
	share := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return 100 * a / b
	}
	return fmt.Sprintf("%d ops over %.0f ms (%.1f %%), %.0f %% of them overlapping one of the collector's %d mark phases (%.1f s of the %.1f s)",
		r.slow, tailSlow.Seconds()*1000, share(float64(r.slow), float64(ops)),
		share(float64(r.duringMarks), float64(r.slow)), r.phases, r.marking.Seconds(), elapsed.Seconds())
}
