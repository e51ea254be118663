package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
		Fragment: fr, HandoverBackoff: 20 * time.Millisecond}
}

// termination is one confirmed ending of a number's sessions, on the
// engine's clock: when the proxy got the request, and when it had the answer.
type termination struct{ sent, done time.Time }

// fragmentProxy stands between the children's Fragment client and the fake.
// It forwards every request a little late (so that kills land between a
// hand-over's steps), finishes a request whose sender was killed, as
// Fragment would, and records each confirmed ending of sessions before the
// client can see it.
type fragmentProxy struct {
	target   string
	clock    vclock
	delay    time.Duration
	http     *http.Client
	inflight atomic.Int64

	mu   sync.Mutex
	ends map[string][]termination // by number, "+888…"
}

func newFragmentProxy(target string, clock vclock, delay time.Duration) *fragmentProxy {
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &fragmentProxy{target: target, clock: clock, delay: delay, http: hc, ends: map[string][]termination{}}
}

func (p *fragmentProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.inflight.Add(1)
	defer p.inflight.Add(-1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "loadtest proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	sent := p.clock.now()
	time.Sleep(time.Duration(rand.Int64N(int64(p.delay) + 1)))
	resp, reply, err := p.forward(r, body)
	if err != nil {
		http.Error(w, "loadtest proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	p.note(r, body, sent, reply)
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(reply)
}

// forward sends the request on to the fake, as if the client had sent it
// there, and reads the whole answer.
func (p *fragmentProxy) forward(r *http.Request, body []byte) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = r.Header.Clone()
	self := "http://" + r.Host
	for _, h := range []string{"Origin", "Referer", "X-Aj-Referer"} {
		if v := req.Header.Get(h); strings.HasPrefix(v, self) {
			req.Header.Set(h, p.target+strings.TrimPrefix(v, self))
		}
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// note records a confirmed terminatePhoneSessions (its second step,
// answered with a message rather than an error).
func (p *fragmentProxy) note(r *http.Request, body []byte, sent time.Time, reply []byte) {
	form, _ := url.ParseQuery(string(body))
	if r.URL.Path != "/api" || form.Get("method") != fragmenttest.MethodTerminatePhoneSessions ||
		form.Get("terminate_hash") == "" {
		return
	}
	var rep map[string]any
	if json.Unmarshal(reply, &rep) != nil || rep["msg"] == nil {
		return
	}
	num := "+" + form.Get("number")
	p.mu.Lock()
	p.ends[num] = append(p.ends[num], termination{sent: sent, done: p.clock.now()})
	p.mu.Unlock()
}

func (p *fragmentProxy) terminations(num string) []termination {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ends[num]
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

// runHandoverChild is the process that gets killed. It returns only when
// it cannot start; otherwise it runs until SIGKILL.
func runHandoverChild(f flags) error {
	var cfg handoverChild
	if err := json.Unmarshal([]byte(os.Getenv(handoverEnv)), &cfg); err != nil {
		return fmt.Errorf("%s: %w", handoverEnv, err)
	}
	mode, err := persistence.ParseFsyncMode(f.fsync)
	if err != nil {
		return err
	}
	client, err := cfg.client()
	if err != nil {
		return err
	}
	clock := vclock{base: time.Unix(0, cfg.Base)}
	eng, err := actors.Open(handoverOptions(f.dir, mode, clock, client))
	if err != nil {
		return err
	}
	ctx := context.Background()
	prefix := fmt.Sprintf("h%d", f.cycle)
	if err := newWorld(eng, cfg.Users, f.numbers, prefix).setup(ctx, 4*runtime.GOMAXPROCS(0)); err != nil {
		return err
	}
	owed, err := countOwed(ctx, eng, f.numbers, func(n *domain.Number) bool { return n.Handover != nil })
	if err != nil {
		return err
	}
	fmt.Printf("owed %d\nready\n", owed)
	go func() {
		for {
			eng.Advance()
			time.Sleep(time.Millisecond)
		}
	}()
	d := &holder{eng: eng, clock: clock, users: cfg.Users, prefix: prefix}
	go d.reportGuards()
	for i := 1; i <= f.numbers; i++ {
		go d.drive(ctx, numberID(i), rand.New(rand.NewPCG(uint64(f.seed), uint64(i))))
	}
	select {} // until killed
}

// countOwed counts the numbers for which owes is true.
func countOwed(ctx context.Context, eng *actors.Engine, numbers int, owes func(*domain.Number) bool) (int, error) {
	k := 0
	for i := 1; i <= numbers; i++ {
		n, err := eng.Number(ctx, numberID(i))
		if err != nil {
			return 0, err
		}
		if owes(n) {
			k++
		}
	}
	return k, nil
}

// holder drives each number through holdings and their ends, as renters
// and admins would: rent it as soon as it is offered, then let the rental
// expire, cancel it, or hand it on. One goroutine per number; the
// scheduler's expiries come in between.
type holder struct {
	eng    *actors.Engine
	clock  vclock
	users  int
	prefix string
	seq    atomic.Uint64
	guards atomic.Int64
}

// plan is how one holding ends, and when (real time).
type plan struct {
	start time.Time // the holding's start: a new holder gets a new plan
	end   int       // 0-3 expiry, 4-6 cancel, 7-9 transfer
	at    time.Time
}

func (d *holder) drive(ctx context.Context, id string, r *rand.Rand) {
	var p plan
	var expiry time.Time
	for {
		n, err := d.eng.Number(ctx, id)
		switch {
		case err != nil:
			d.refused(err, time.Millisecond)
		case n.Rental == nil:
			d.rent(ctx, n, r)
		case n.Rental.Expired:
			expiry = noteExpiry(n, expiry)
			d.endExpired(ctx, n, r)
		default:
			p = d.follow(ctx, n, p, r)
		}
	}
}

func (d *holder) op() domain.OpID {
	return domain.OpID(d.prefix + "-" + strconv.FormatUint(d.seq.Add(1), 36))
}

// rent tries to rent the number, whatever its state: while it owes a
// hand-over the engine must refuse.
func (d *holder) rent(ctx context.Context, n *domain.Number, r *rand.Rand) {
	u, op, t := userID(1+r.IntN(d.users)), d.op(), time.Now()
	rc, err := d.eng.RentFromBalance(ctx, op, u, n.ID, 30)
	if err != nil {
		if n.Handover != nil && errors.Is(err, domain.ErrNotAvailable) {
			d.guards.Add(1)
		}
		d.refused(err, time.Millisecond)
		return
	}
	acked("rent", op, u, n.ID, rc.Until, 0, t)
}

// follow carries out the live holding's plan when its moment comes.
func (d *holder) follow(ctx context.Context, n *domain.Number, p plan, r *rand.Rand) plan {
	start := n.History[len(n.History)-1].From
	if !p.start.Equal(start) {
		left := max(n.Rental.Until.Sub(d.clock.now())/handoverSpeed, 1)
		p = plan{start: start, end: r.IntN(10), at: time.Now().Add(time.Duration(r.Int64N(int64(left))))}
	}
	switch {
	case p.end < 4 || time.Now().Before(p.at):
		time.Sleep(time.Millisecond)
	case p.end < 7:
		d.cancel(ctx, n, n.Rental.Paid/2)
	default:
		d.transfer(ctx, n, r)
	}
	return p
}

func (d *holder) cancel(ctx context.Context, n *domain.Number, refund domain.Nano) {
	op, t := d.op(), time.Now()
	got, err := d.eng.CancelRental(ctx, op, 0, n.ID, refund)
	if err != nil {
		d.refused(err, time.Millisecond)
		return
	}
	h := got.History[len(got.History)-1]
	acked("cancel", op, h.User, n.ID, h.From, refund, t)
}

func (d *holder) transfer(ctx context.Context, n *domain.Number, r *rand.Rand) {
	from := n.Rental.Renter
	to := userID(1 + r.IntN(d.users))
	if to == from {
		to = userID(int(from-userID(0))%d.users + 1)
	}
	op, t := d.op(), time.Now()
	if _, err := d.eng.OfferTransfer(ctx, op, from, n.ID, strconv.FormatInt(int64(to), 10)); err != nil {
		d.refused(err, time.Millisecond)
		return
	}
	got, err := d.eng.AcceptTransfer(ctx, to, n.ID)
	if err != nil {
		d.refused(err, time.Millisecond)
		return
	}
	h := got.History[len(got.History)-1]
	acked("accept", op, to, n.ID, h.From, 0, t)
}

// endExpired reclaims an expired rental, or now and then cancels it, which
// replaces the expiry's hand-over with the cancel's.
func (d *holder) endExpired(ctx context.Context, n *domain.Number, r *rand.Rand) {
	if r.IntN(4) == 0 {
		d.cancel(ctx, n, 0)
		return
	}
	t := time.Now()
	got, err := d.eng.Reclaim(ctx, 0, n.ID)
	if err != nil {
		d.refused(err, time.Millisecond)
		return
	}
	acked("reclaim", "-", 0, n.ID, got.History[len(got.History)-1].From, 0, t)
}

// noteExpiry reports when an expiry's hand-over began, once: the history
// does not keep it.
func noteExpiry(n *domain.Number, last time.Time) time.Time {
	h := n.Handover
	if h == nil || h.Reason != domain.HandoverExpired || h.Since.Equal(last) {
		return last
	}
	fmt.Printf("expiry %s %s\n", n.ID, h.Since.Format(time.RFC3339Nano))
	return h.Since
}

// acked reports an operation the engine acknowledged, after its reply.
func acked(kind string, op domain.OpID, u domain.UserID, num string, at time.Time, refund domain.Nano, t time.Time) {
	fmt.Printf("ack %s %s %d %s %s %d %d\n", kind, op, u, num, at.Format(time.RFC3339Nano), refund,
		time.Since(t).Microseconds())
}

func (d *holder) refused(err error, wait time.Duration) {
	if !handoverRefusal(err) {
		fmt.Println("err", strings.ReplaceAll(err.Error(), "\n", " "))
	}
	time.Sleep(wait)
}

func (d *holder) reportGuards() {
	for range time.Tick(100 * time.Millisecond) {
		if k := d.guards.Swap(0); k > 0 {
			fmt.Println("guards", k)
		}
	}
}

// handoverRefusal tells the domain's answers in a race between a holder,
// an admin and the scheduler from failures.
func handoverRefusal(err error) bool {
	for _, t := range []error{domain.ErrTransferExpired, domain.ErrNotRecipient, domain.ErrNotExpired, domain.ErrBusy} {
		if errors.Is(err, t) {
			return true
		}
	}
	return isRefusal(err)
}

// verify opens the engine once more, lets every owed chore finish, and
// checks the journal against Fragment and the acknowledgements.
func (t *handoverTally) verify(f flags, dir string, numbers int, cfg handoverChild,
	fake *fragmenttest.Server, px *fragmentProxy) (res map[string]any, err error) {
	mode, _ := persistence.ParseFsyncMode(f.fsync)
	client, err := cfg.client()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	eng, err := actors.Open(handoverOptions(dir, mode, vclock{base: time.Unix(0, cfg.Base)}, client))
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, eng.Close(ctx)) }()
	owed, err := countOwed(ctx, eng, numbers, func(n *domain.Number) bool { return n.Handover != nil })
	if err != nil {
		return nil, err
	}
	t.owed += owed
	left, err := waitChores(ctx, eng, numbers, time.Minute)
	if err != nil {
		return nil, err
	}
	if err := eng.Drain(ctx); err != nil {
		return nil, err
	}
	_, checkErr := eng.Check()
	lost, err := t.lost(ctx, eng)
	if err != nil {
		return nil, err
	}
	var s handoverScore
	for i := 1; i <= numbers; i++ {
		n, err := eng.Number(ctx, numberID(i))
		if err != nil {
			return nil, err
		}
		s.add(n, t.expiries[n.ID], px.terminations(n.ID), fake)
	}
	return t.report(f, numbers, s, left, lost, checkErr), nil
}

// waitChores waits, at most limit, until no number owes Fragment anything,
// and returns how many numbers still owe a hand-over.
func waitChores(ctx context.Context, eng *actors.Engine, numbers int, limit time.Duration) (int, error) {
	for deadline := time.Now().Add(limit); ; time.Sleep(20 * time.Millisecond) {
		k, err := countOwed(ctx, eng, numbers, func(n *domain.Number) bool { return n.Chore().Any() })
		if err != nil || k == 0 || time.Now().After(deadline) {
			if err == nil && k > 0 {
				k, err = countOwed(ctx, eng, numbers, func(n *domain.Number) bool { return n.Handover != nil })
			}
			return k, err
		}
	}
}

// lost counts the acknowledged operations the recovered engine lacks.
func (t *handoverTally) lost(ctx context.Context, eng *actors.Engine) (int, error) {
	lost := 0
	for _, a := range t.acks {
		missing, err := handoverMissing(ctx, eng, a)
		if err != nil {
			return 0, err
		}
		if missing != "" {
			lost++
			fmt.Printf("  LOST: %s %s user %d number %s at %s: no %s\n", a.kind, a.op, a.user, a.number,
				a.at.Format(time.RFC3339Nano), missing)
		}
	}
	return lost, nil
}

// handoverMissing looks for an acknowledged operation: its holding in the
// number's history and, for a rent or a refund, its completed ledger
// entry. It names what is missing, or returns "".
func handoverMissing(ctx context.Context, eng *actors.Engine, a hoAck) (string, error) {
	n, err := eng.Number(ctx, a.number)
	if err != nil {
		return "", err
	}
	how := map[string]string{"rent": "rented", "cancel": "cancelled", "accept": "transferred", "reclaim": "reclaimed"}[a.kind]
	found := false
	for _, h := range n.History {
		at := h.From
		if a.kind == "rent" {
			at = h.Until
		}
		found = found || h.How == how && h.User == a.user && at.Equal(a.at)
	}
	switch {
	case !found:
		return how + " holding in the history", nil
	case a.kind != "rent" && a.refund == 0:
		return "", nil
	}
	w, err := eng.Wallet(ctx, a.user)
	if err != nil {
		return "", err
	}
	if e, ok := w.Entry(domain.OpID(a.op)); !ok || e.Status != domain.EntryCompleted {
		return "completed ledger entry (payment or refund)", nil
	}
	return "", nil
}

// handoverScore is the journal's hand-overs held against the fake.
type handoverScore struct {
	handovers, completed, early, earlyNumbers, codes, terminations, unrecorded int
	notes                                                                      []string
}

func (s *handoverScore) add(n *domain.Number, expiries []time.Time, ends []termination, fake *fragmenttest.Server) {
	ws := handoverWindows(n, expiries)
	done, early := judge(ws, ends)
	s.handovers += len(ws)
	s.completed += done
	s.early += early
	if early > 0 {
		s.earlyNumbers++
		s.note("%s: rented again before the sessions of %d of its hand-overs were ended", n.ID, early)
	}
	if done < len(ws) {
		s.note("%s: %d hand-overs without an ending of sessions at Fragment after them", n.ID, len(ws)-done)
	}
	k := fake.Terminations(n.ID)
	s.terminations += k
	s.unrecorded += k - len(ends)
	rented := n.Rental != nil && !n.Rental.Expired
	if fake.LoginCodesOn(n.ID) != rented || (n.Codes == domain.CodesOn) != rented {
		s.codes++
		s.note("%s: rented %v, login codes on at Fragment %v, recorded %s", n.ID, rented, fake.LoginCodesOn(n.ID), n.Codes)
	}
}

func (s *handoverScore) note(format string, args ...any) {
	if len(s.notes) < 10 {
		s.notes = append(s.notes, fmt.Sprintf(format, args...))
	}
}

// window is one hand-over as the number's history shows it: its holder
// lost the number at from (for an expiry: at the latest then), and the
// next rental began at next (zero while none did).
type window struct{ from, next time.Time }

// handoverWindows reads the hand-overs off a number's history: one for
// each accepted transfer, each cancel, and each expiry (a reclaim, or an
// expired rental not yet reclaimed). An expiry's hand-over that a cancel
// replaced is the cancel's: the sessions are ended once, for the latest
// loss. expiries are the expiry hand-overs' starts the children saw; where
// none was seen, the rental's end stands for it (the expiry came at or
// after it: no renewals are made).
func handoverWindows(n *domain.Number, expiries []time.Time) []window {
	var ws []window
	waiting := 0 // ws[waiting:] wait for the next rental
	var last *domain.Holding
	for i := range n.History {
		h := &n.History[i]
		switch h.How {
		case "rented":
			for k := waiting; k < len(ws); k++ {
				ws[k].next = h.From
			}
			waiting = len(ws)
		case "transferred", "cancelled":
			ws = append(ws, window{from: h.From})
		case "reclaimed":
			ws = append(ws, window{from: expiredAt(last, h.From, expiries)})
		}
		if h.How == "rented" || h.How == "transferred" {
			last = h
		}
	}
	if r := n.Rental; r != nil && r.Expired {
		ws = append(ws, window{from: expiredAt(last, time.Time{}, expiries)})
	}
	return ws
}

// expiredAt is when the rental of holding h expired: a start the children
// saw between its end and upto (zero: no bound), else its end.
func expiredAt(h *domain.Holding, upto time.Time, expiries []time.Time) time.Time {
	if h == nil {
		return time.Time{}
	}
	for _, at := range expiries {
		if !at.Before(h.Until) && (upto.IsZero() || !at.After(upto)) {
			return at
		}
	}
	return h.Until
}

// judge counts the windows Fragment confirms (an ending of sessions sent
// after the loss), and the windows whose next rental began before any such
// ending was answered: offered before clean.
func judge(ws []window, ends []termination) (completed, early int) {
	for _, w := range ws {
		after, clean := false, false
		for _, e := range ends {
			if e.sent.Before(w.from) {
				continue
			}
			after = true
			clean = clean || w.next.IsZero() || !e.done.After(w.next)
		}
		if after {
			completed++
		}
		if !w.next.IsZero() && !clean {
			early++
		}
	}
	return completed, early
}

func (t *handoverTally) report(f flags, numbers int, s handoverScore, left, lost int, checkErr error) map[string]any {
	ok := checkErr == nil && left == 0 && s.completed == s.handovers && s.early == 0 && s.codes == 0
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
		"expiries_seen": seen}
}
