package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"allot/actors"
	"allot/adapters/fragment"
	"allot/adapters/fragment/fragmenttest"
	"allot/domain"
	"allot/persistence"
)

// handoverSpeed is how much faster than real time the engine's clock runs
// in -mode handover: a 30-day rental lasts about 650 ms, a day's transfer
// offer about 22 ms.
const handoverSpeed = 4_000_000

// handoverEnv carries the child's configuration, so that the fake's login
// cookies stay off the command line.
const handoverEnv = "LOADTEST_HANDOVER"

// handoverChild is what the parent tells every child.
type handoverChild struct {
	URL     string `json:"url"`     // the parent's proxy in front of the fake fragment.com
	Cookies string `json:"cookies"` // the fake's login
	Base    int64  `json:"base"`    // the clock's start, Unix ns
	Users   int    `json:"users"`
}

// runHandover is -mode handover: a fake fragment.com lives in this
// process for the whole run, behind a proxy that records when each ending
// of sessions was confirmed. A child process runs the engine with the real
// Fragment client on a fast clock and drives numbers through rentals and
// their ends (expiry, admin cancel, accepted transfer), renting each again
// as soon as it is offered; it is killed with SIGKILL at a random moment,
// mid-saga, again and again on the same data directory. Then this process
// opens the engine, lets every owed hand-over finish, and checks the
// journal's history against what Fragment saw.
func runHandover(f flags) (map[string]any, error) {
	if _, err := persistence.ParseFsyncMode(f.fsync); err != nil {
		return nil, err
	}
	dir, cleanup, err := dataDir(f, "handover")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	numbers := min(max(f.numbers, 1), 2000)
	fake := fragmenttest.New(fragmenttest.WithTerminateHashWhenIdle(true), fragmenttest.WithRetryAfter(0))
	defer fake.Close()
	for i := 1; i <= numbers; i++ {
		fake.AddNumber(numberID(i))
		fake.AddSession(numberID(i))
	}
	clock := vclock{base: time.Unix(0, time.Now().UnixNano())}
	px := newFragmentProxy(fake.URL(), clock, 2*time.Millisecond)
	srv := httptest.NewServer(px)
	defer srv.Close()
	cfg := handoverChild{URL: srv.URL, Cookies: fake.Cookies(), Base: clock.base.UnixNano(), Users: min(f.users, max(2, 2*numbers))}
	t := &handoverTally{expiries: map[string][]time.Time{}}
	r := rand.New(rand.NewPCG(uint64(f.seed), 17))
	for c := 1; c <= f.cycles; c++ {
		if err := t.cycle(f, dir, c, numbers, cfg, fake, px, r); err != nil {
			return nil, fmt.Errorf("cycle %d: %w", c, err)
		}
	}
	return t.verify(f, dir, numbers, cfg, fake, px)
}

// vclock is the engine's clock in -mode handover: the wall clock's time
// since base, sped up. Every process computes it from the wall clock, so
// the proxy's record of Fragment's replies and the engine's events are on
// one time line, and it keeps running across kills.
type vclock struct{ base time.Time }

func (c vclock) at(t time.Time) time.Time {
	el := t.Sub(c.base)
	return time.Unix(c.base.Unix()+int64(el/time.Second)*handoverSpeed,
		int64(c.base.Nanosecond())+int64(el%time.Second)*handoverSpeed).UTC()
}

func (c vclock) now() time.Time { return c.at(time.Now()) }

func (c handoverChild) client() (*fragment.Client, error) {
	ck, err := fragment.ParseCookies(c.Cookies)
	if err != nil {
		return nil, err
	}
	// No retries in the client: a failed step goes back to the engine's
	// hand-over backoff, which is what this test is about.
	return fragment.New(fragment.Options{BaseURL: c.URL, Cookies: ck, Rate: 200, Burst: 20, Retries: -1,
		Timeout: 5 * time.Second, BreakerCoolDown: 100 * time.Millisecond})
}

func handoverOptions(dir string, mode persistence.FsyncMode, clock vclock, fr actors.Fragment) actors.Options {
	return actors.Options{Dir: dir, Fsync: mode, IdleTimeout: time.Minute, Clock: clock.now, ManualClock: true,
		Fragment: fr, Accounts: loadAccounts{clock}, HandoverBackoff: 20 * time.Millisecond,
		// The clock runs handoverSpeed times faster than real time: a
		// completion's second in memory would be 46 days of it, long enough
		// for a number to forget the purchase a crash then leaves processing.
		CompletionDelay: domain.OpRetention / handoverSpeed / 10}
}

// hoAck is an operation a child had a success reply for. at is the
// holding's start (rent: the rental's end), as the reply showed it.
type hoAck struct {
	kind, op string
	user     domain.UserID
	number   string
	at       time.Time
	refund   domain.Nano
}

// handoverTally is what the children reported, cycle after cycle.
type handoverTally struct {
	acks     []hoAck
	expiries map[string][]time.Time // hand-overs by expiry the children saw begin, by number
	errs     []string
	lat      histogram
	owed     int   // hand-overs owed when a child started: left by the kill before
	guards   int64 // re-rents the engine refused while a hand-over was owed
	midCalls int   // kills while a Fragment call was under way
	faults   int
	busy     time.Duration
}

// cycle starts a child, lets it run a random while with Fragment failing
// now and then, kills it, and keeps what it reported.
func (t *handoverTally) cycle(f flags, dir string, c, numbers int, cfg handoverChild,
	fake *fragmenttest.Server, px *fragmentProxy, r *rand.Rand) error {
	env, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-mode", "handover-child", "-dir", dir, "-numbers", strconv.Itoa(numbers),
		"-fsync", f.fsync, "-cycle", strconv.Itoa(c), "-seed", strconv.FormatInt(f.seed+int64(c), 10))
	cmd.Env = append(os.Environ(), handoverEnv+"="+string(env))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() { t.read(out, ready); close(done) }()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return errors.New("child did not get ready in 60 s")
	}
	start, stop, faults := time.Now(), make(chan struct{}), make(chan int, 1)
	go func(seed uint64) { faults <- injectFaults(fake, seed, stop) }(r.Uint64())
	time.Sleep(time.Duration(200+r.IntN(1000)) * time.Millisecond)
	if px.inflight.Load() > 0 {
		t.midCalls++
	}
	err = cmd.Process.Signal(syscall.SIGKILL)
	close(stop)
	t.faults += <-faults
	<-done
	_ = cmd.Wait()
	t.busy += time.Since(start)
	return err
}

// injectFaults makes Fragment fail now and then while a child runs: a 5xx
// or a 429 on either step of ending sessions or on switching codes.
func injectFaults(fake *fragmenttest.Server, seed uint64, stop <-chan struct{}) int {
	faults := []struct {
		kind   string
		status int
	}{
		{fragmenttest.MethodTerminatePhoneSessions, http.StatusServiceUnavailable},
		{fragmenttest.MethodTerminateConfirm, http.StatusBadGateway},
		{fragmenttest.MethodToggleLoginCodes, http.StatusInternalServerError},
		{fragmenttest.MethodTerminatePhoneSessions, http.StatusTooManyRequests},
	}
	r := rand.New(rand.NewPCG(seed, 19))
	tick := time.NewTicker(40 * time.Millisecond)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-stop:
			return n
		case <-tick.C:
			x := faults[r.IntN(len(faults))]
			fake.FailNext(x.kind, 1, x.status)
		}
	}
}

// read takes the child's lines until its stdout closes; a line cut by the
// kill does not parse and is dropped, as its operation was not reported.
func (t *handoverTally) read(out io.Reader, ready chan struct{}) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		switch {
		case len(fs) == 1 && fs[0] == "ready":
			close(ready)
		case len(fs) == 2 && fs[0] == "owed":
			k, _ := strconv.Atoi(fs[1])
			t.owed += k
		case len(fs) == 2 && fs[0] == "guards":
			k, _ := strconv.ParseInt(fs[1], 10, 64)
			t.guards += k
		case len(fs) == 3 && fs[0] == "expiry":
			if at, err := time.Parse(time.RFC3339Nano, fs[2]); err == nil {
				t.expiries[fs[1]] = append(t.expiries[fs[1]], at)
			}
		case len(fs) == 8 && fs[0] == "ack":
			t.ack(fs)
		case len(fs) > 1 && fs[0] == "err":
			t.errs = append(t.errs, strings.Join(fs[1:], " "))
		}
	}
}

// ack parses "ack KIND OP USER NUMBER AT REFUND MICROSECONDS".
func (t *handoverTally) ack(fs []string) {
	u, err1 := strconv.ParseInt(fs[3], 10, 64)
	at, err2 := time.Parse(time.RFC3339Nano, fs[5])
	refund, err3 := strconv.ParseInt(fs[6], 10, 64)
	us, err4 := strconv.ParseInt(fs[7], 10, 64)
	if errors.Join(err1, err2, err3, err4) != nil {
		return
	}
	t.acks = append(t.acks, hoAck{kind: fs[1], op: fs[2], user: domain.UserID(u), number: fs[4], at: at,
		refund: domain.Nano(refund)})
	t.lat.add(time.Duration(us) * time.Microsecond)
}

func (t *handoverTally) report(f flags, numbers int, s handoverScore, acc accountScore, left, lost int,
	checkErr error) map[string]any {
	ok := checkErr == nil && left == 0 && s.completed == s.handovers && s.early == 0 && s.codes == 0 && acc.owed == 0
	secs := max(t.busy.Seconds(), 1e-9)
	kinds := map[string]int{}
	for _, a := range t.acks {
		kinds[a.kind]++
	}
	seen := 0
	for _, es := range t.expiries {
		seen += len(es)
	}
	fmt.Printf("handover: %d numbers, %d kill -9 cycles (%d mid-call), %d faults injected: %d acknowledged operations "+
		"(%d rents, %d cancels, %d transfers, %d reclaims), %d lost\n", numbers, f.cycles, t.midCalls, t.faults,
		len(t.acks), kinds["rent"], kinds["cancel"], kinds["accept"], kinds["reclaim"], lost)
	fmt.Printf("  %d hand-overs in the journal, %d confirmed by Fragment (%d endings of sessions), %d owed after a kill, %d left owed\n",
		s.handovers, s.completed, s.terminations, t.owed, left)
	fmt.Printf("  account checks: %d left owed, %d deletions pending (every fourth account has a cloud password)\n",
		acc.owed, acc.pending)
	fmt.Printf("  offered before clean: %d numbers; re-rents refused while owed: %d; login codes wrong: %d; invariants ok: %v\n",
		s.earlyNumbers, t.guards, s.codes, ok)
	for _, n := range s.notes {
		fmt.Println("  ", n)
	}
	if checkErr != nil {
		fmt.Println("  INVARIANTS:", checkErr)
	}
	for i, e := range t.errs {
		if i == 5 {
			fmt.Printf("  … %d more errors\n", len(t.errs)-i)
			break
		}
		fmt.Println("  error:", e)
	}
	return map[string]any{"mode": "handover", "numbers": numbers, "cycles": f.cycles, "handovers": s.handovers,
		"completed": s.completed, "offered_before_clean": s.earlyNumbers, "lost": lost, "invariants_ok": ok,
		"errors": len(t.errs), "ops": len(t.acks), "ops_per_sec": round(float64(len(t.acks)) / secs),
		"p50_ms": round(t.lat.quantile(0.5)), "p99_ms": round(t.lat.quantile(0.99)), "terminations": s.terminations,
		"owed_after_kill": t.owed, "left_owed": left, "kills_mid_call": t.midCalls, "faults": t.faults,
		"refused_while_owed": t.guards, "codes_wrong": s.codes, "unrecorded_terminations": s.unrecorded,
		"expiries_seen": seen, "accounts_owed": acc.owed, "accounts_pending": acc.pending}
}
