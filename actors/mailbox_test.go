package actors

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// invoked records what a mailbox hands its actor, and may post to other
// mailboxes from inside a turn the way an entity's turn routes.
type invoked struct {
	mu     sync.Mutex
	got    []any
	failed []any
	turn   func(m *mbox, msg any)
	self   *mbox
}

func (v *invoked) InvokeSystemMessage(msg any) { v.record(msg) }

func (v *invoked) InvokeUserMessage(msg any) {
	v.record(msg)
	if v.turn != nil {
		v.turn(v.self, msg)
	}
}

func (v *invoked) EscalateFailure(reason, msg any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.failed = append(v.failed, reason)
}

func (v *invoked) record(msg any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.got = append(v.got, msg)
}

func (v *invoked) snapshot() []any {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]any(nil), v.got...)
}

func testMbox(t *testing.T, w *workers) (*mbox, *invoked) {
	t.Helper()
	m := newMbox(w)
	v := &invoked{self: m}
	m.RegisterHandlers(v, nil)
	return m, v
}

func testWorkers(t *testing.T, n, throughput int) *workers {
	t.Helper()
	w := newWorkers(n, throughput)
	t.Cleanup(w.close)
	return w
}

// Messages from many posters arrive each exactly once, in each poster's
// order, across yields and the queue's compaction.
func TestMbox_deliversEachMessageOnceInOrder(t *testing.T) {
	m, v := testMbox(t, testWorkers(t, 2, 7))
	const posters, each = 8, 2000
	var wg sync.WaitGroup
	for p := range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				m.PostUserMessage([2]int{p, i})
			}
		}()
	}
	wg.Wait()
	waitFor(t, func() bool { return len(v.snapshot()) == posters*each })
	next := make([]int, posters)
	for _, msg := range v.snapshot() {
		pm := msg.([2]int)
		if pm[1] != next[pm[0]] {
			t.Fatalf("poster %d: got message %d, want %d", pm[0], pm[1], next[pm[0]])
		}
		next[pm[0]]++
	}
	if n := m.UserMessageCount(); n != 0 {
		t.Fatalf("%d messages left queued", n)
	}
}

// System messages go before user messages, and nothing from users is
// handed over while the mailbox is suspended.
func TestMbox_systemFirstAndSuspension(t *testing.T) {
	m, v := testMbox(t, nil)
	m.status.Store(mboxScheduled) // run by hand below
	m.PostUserMessage("u1")
	m.PostSystemMessage(&actor.SuspendMailbox{})
	m.PostUserMessage("u2")
	m.PostSystemMessage("s1")
	m.w = &workers{throughput: 100}
	m.process(&runner{})
	if got := fmt.Sprint(v.snapshot()); got != "[s1]" {
		t.Fatalf("while suspended the actor got %s, want only the system message", got)
	}
	if n := m.UserMessageCount(); n != 2 {
		t.Fatalf("%d user messages kept while suspended, want 2", n)
	}
	m.PostSystemMessage(&actor.ResumeMailbox{}) // idle now: schedules on the pool
	waitFor(t, func() bool { return len(v.snapshot()) == 3 })
	if got := fmt.Sprint(v.snapshot()); got != "[s1 u1 u2]" {
		t.Fatalf("after resuming the actor got %s, want [s1 u1 u2]", got)
	}
}

// A turn that wakes an idle mailbox runs it next on its own worker, and a
// panic that escapes the actor goes to its supervisor without losing the
// messages after it.
func TestMbox_runNextAndEscalation(t *testing.T) {
	w := &workers{throughput: 100, runs: make(chan *mbox)} // no pool goroutines: a hand-off would block the test
	a, va := testMbox(t, w)
	b, vb := testMbox(t, w)
	va.turn = func(self *mbox, msg any) {
		if msg == "wake b" {
			b.post("from a", self.runner)
		}
	}
	vb.turn = func(_ *mbox, msg any) {
		if msg == "boom" {
			panic("boom")
		}
	}
	b.status.Store(mboxScheduled)
	b.PostUserMessage("boom")
	b.PostUserMessage("after")
	b.status.Store(mboxIdle)
	a.status.Store(mboxScheduled)
	a.PostUserMessage("wake b")
	new(runner).drain(a) // runs a, then b, on this goroutine
	if got := fmt.Sprint(vb.snapshot()); got != "[boom after from a]" {
		t.Fatalf("b got %s, want [boom after from a]", got)
	}
	if len(vb.failed) != 1 {
		t.Fatalf("b escalated %d failures, want 1", len(vb.failed))
	}
	if a.status.Load() != mboxIdle || b.status.Load() != mboxIdle {
		t.Fatal("a mailbox was left scheduled with nothing to run")
	}
}

// A chain of turns each waking the next stops running them in line after
// runNextLimit and hands the rest to the pool.
func TestMbox_runNextIsBounded(t *testing.T) {
	w := testWorkers(t, 1, 100)
	const n = runNextLimit * 3
	boxes := make([]*mbox, n)
	logs := make([]*invoked, n)
	for i := range boxes {
		boxes[i], logs[i] = testMbox(t, w)
	}
	var pooled sync.Map
	for i := range boxes {
		logs[i].turn = func(self *mbox, msg any) {
			if self.runner.chain == 0 && i > 0 {
				pooled.Store(i, true)
			}
			if i+1 < n {
				boxes[i+1].post("go", self.runner)
			}
		}
	}
	boxes[0].PostUserMessage("go")
	waitFor(t, func() bool { return len(logs[n-1].snapshot()) == 1 })
	count := 0
	pooled.Range(func(any, any) bool { count++; return true })
	if count == 0 {
		t.Fatalf("a chain of %d ran in line throughout; want hand-offs after %d", n, runNextLimit)
	}
}

// A turn about to wait hands what it woke to the pool: the woken mailbox
// runs while the turn still waits.
func TestMbox_handOffBeforeWaiting(t *testing.T) {
	w := testWorkers(t, 1, 100)
	a, va := testMbox(t, w)
	b, vb := testMbox(t, w)
	ran := make(chan struct{})
	vb.turn = func(*mbox, any) { close(ran) }
	va.turn = func(self *mbox, _ any) {
		b.post("woken", self.runner)
		self.runner.handOff()
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Error("the woken mailbox did not run while the turn waited")
		}
	}
	a.PostUserMessage("go")
	waitFor(t, func() bool { return len(va.snapshot()) == 1 && len(vb.snapshot()) == 1 })
}

// What a busy mailbox's turns wake does not wait until it empties: it goes
// to the pool at the next yield.
func TestMbox_busyMailboxHandsOffAtItsYield(t *testing.T) {
	w := testWorkers(t, 1, 5)
	a, va := testMbox(t, w)
	b, vb := testMbox(t, w)
	const backlog = 1000
	var handled, seenByB atomic.Int64
	seenByB.Store(-1)
	vb.turn = func(*mbox, any) { seenByB.Store(handled.Load()) }
	va.turn = func(self *mbox, msg any) {
		if msg == 0 {
			b.post("woken", self.runner)
		}
		time.Sleep(50 * time.Microsecond)
		handled.Add(1)
	}
	a.status.Store(mboxScheduled) // run by hand below, on this goroutine
	for i := range backlog {
		a.PostUserMessage(i)
	}
	new(runner).drain(a)
	waitFor(t, func() bool { return len(vb.snapshot()) == 1 })
	if n := seenByB.Load(); n >= backlog {
		t.Fatalf("the woken mailbox ran after all %d of the busy one's messages", backlog)
	}
}
