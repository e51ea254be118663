package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
)

// runCrash is -mode crash: a child process runs the engine under load and
// prints every operation the engine acknowledged; the parent kills it with
// SIGKILL at a random moment, reopens the data directory, and checks that
// every acknowledged operation is there. The directory carries over from
// cycle to cycle, so recovery also runs on top of earlier recoveries.
func runCrash(f flags) (map[string]any, error) {
	if _, err := persistence.ParseFsyncMode(f.fsync); err != nil {
		return nil, err
	}
	dir, cleanup, err := dataDir(f, "crash")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	users, numbers := min(f.users, 100), min(f.numbers, 2000)
	r := rand.New(rand.NewPCG(uint64(f.seed), 7))
	var all []ack
	lost, invOK := 0, true
	var lastErr error
	for c := 1; c <= f.cycles; c++ {
		acks, err := crashCycle(f, dir, c, users, numbers, r)
		if err != nil {
			return nil, fmt.Errorf("cycle %d: %w", c, err)
		}
		all = append(all, acks...)
		l, inv, err := verifyAcks(dir, f, all)
		if err != nil {
			return nil, fmt.Errorf("cycle %d: verify: %w", c, err)
		}
		lost += l
		if inv != nil {
			invOK, lastErr = false, inv
		}
		fmt.Printf("crash cycle %d: %d acknowledged this cycle, %d in all, %d lost\n", c, len(acks), len(all), l)
	}
	if lastErr != nil {
		fmt.Println("  INVARIANTS:", lastErr)
	}
	fmt.Printf("crash: %d cycles on %s, %d acknowledged operations, %d lost, invariants ok: %v\n", f.cycles, f.store, len(all), lost, invOK)
	return map[string]any{"mode": "crash", "cycles": f.cycles, "acknowledged": len(all), "lost": lost,
		"invariants_ok": invOK, "fsync": f.fsync}, nil
}

// crashCycle starts the child, lets it run a random while after its setup,
// kills it, and returns what it acknowledged.
func crashCycle(f flags, dir string, cycle, users, numbers int, r *rand.Rand) ([]ack, error) {
	cmd := childCommand(f, "-mode", "crash-child", "-dir", dir, "-users", strconv.Itoa(users),
		"-numbers", strconv.Itoa(numbers), "-fsync", f.fsync, "-cycle", strconv.Itoa(cycle),
		"-seed", strconv.FormatInt(f.seed+int64(cycle), 10))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan struct{})
	got := make(chan []ack, 1)
	go func() { got <- readAcks(out, ready) }()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, errors.New("child did not get ready in 60 s")
	}
	time.Sleep(time.Duration(20+r.IntN(300)) * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return nil, err
	}
	acks := <-got
	_ = cmd.Wait()
	return acks, nil
}

// readAcks parses the child's "ack" lines until its stdout closes. A line
// cut by the kill is ignored: its operation was not yet reported.
func readAcks(out io.Reader, ready chan struct{}) []ack {
	var acks []ack
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		switch {
		case len(fs) == 1 && fs[0] == "ready":
			close(ready)
		case len(fs) == 6 && fs[0] == "ack":
			k, _ := strconv.Atoi(fs[1])
			u, _ := strconv.ParseInt(fs[3], 10, 64)
			t, _ := strconv.ParseInt(fs[4], 10, 64)
			acks = append(acks, ack{kind: k, op: fs[2], user: domain.UserID(u), to: domain.UserID(t), number: fs[5]})
		}
	}
	return acks
}

// runCrashChild is the process that gets killed. It returns only when it
// cannot start; otherwise it runs until SIGKILL.
func runCrashChild(f flags) error {
	mode, err := persistence.ParseFsyncMode(f.fsync)
	if err != nil {
		return err
	}
	// Snapshots and passivation run inside the few hundred milliseconds
	// before the kill, so that it lands in them too: on PostgreSQL that is
	// wallets' own snapshots being stored, idle wallets leaving memory and
	// being loaded back.
	eng, err := actors.Open(engineOptions(f, actors.Options{Dir: f.dir, Fsync: mode,
		IdleTimeout: crashIdle, SnapshotInterval: crashSnapshots}))
	if err != nil {
		return err
	}
	ctx := context.Background()
	w := newWorld(eng, f.users, f.numbers, fmt.Sprintf("c%d", f.cycle))
	if err := w.setup(ctx, 4*runtime.GOMAXPROCS(0)); err != nil {
		return err
	}
	fmt.Println("ready")
	for i := 1; i <= f.users; i++ {
		go func(ui int) {
			r := rand.New(rand.NewPCG(uint64(f.seed), uint64(ui)))
			for {
				acks, _, _ := w.do(ctx, r, pick(r), ui)
				for _, a := range acks {
					num := a.number
					if num == "" {
						num = "-"
					}
					fmt.Printf("ack %d %s %d %d %s\n", a.kind, a.op, a.user, a.to, num)
				}
			}
		}(i)
	}
	select {} // until killed
}

// How often the crash child snapshots, and how soon its entities go idle.
const (
	crashSnapshots = 100 * time.Millisecond
	crashIdle      = 40 * time.Millisecond
)

// settleTimeout bounds how long a crash mode's parent waits for a
// reopened engine to drain and close: far more than either takes, so that
// a store that never makes the awaited records durable fails the run with
// the reason instead of hanging it.
const settleTimeout = 2 * time.Minute

// verifyAcks reopens the directory (recovery resumes cut-short sagas),
// waits for the resumed work, and looks for every acknowledged operation.
func verifyAcks(dir string, f flags, acks []ack) (lost int, inv error, err error) {
	mode, _ := persistence.ParseFsyncMode(f.fsync)
	eng, err := actors.Open(engineOptions(f, actors.Options{Dir: dir, Fsync: mode}))
	if err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	defer func() { err = errors.Join(err, eng.Close(ctx)) }()
	if err := eng.Drain(ctx); err != nil {
		return 0, nil, err
	}
	for _, a := range acks {
		ok, err := present(ctx, eng, a)
		if err != nil {
			return 0, nil, err
		}
		if !ok {
			lost++
			fmt.Printf("  LOST: %s %s user %d number %s\n", kindName(a.kind), a.op, a.user, a.number)
		}
	}
	t, cerr := eng.Check()
	if cerr == nil && t.Processing != 0 {
		cerr = fmt.Errorf("%d purchases still processing after recovery", t.Processing)
	}
	return lost, cerr, nil
}

func kindName(k int) string {
	if k >= 0 && k < opKinds {
		return opNames[k]
	}
	return "accept"
}

// present reports whether an acknowledged operation survived.
func present(ctx context.Context, eng *actors.Engine, a ack) (bool, error) {
	switch a.kind {
	case opTopUp, opRent, opRenew:
		op := domain.OpID(a.op)
		if a.kind == opTopUp {
			op = domain.OpID("tx:" + a.op)
		}
		w, err := eng.Wallet(ctx, a.user)
		if err != nil {
			return false, err
		}
		e, ok := w.Entry(op)
		return ok && e.Status == domain.EntryCompleted, nil
	case opTransfer:
		return true, nil // an offer is acknowledged, but may since have been accepted or closed
	default: // accept
		n, err := eng.Number(ctx, a.number)
		if err != nil {
			return false, err
		}
		for _, h := range n.History {
			if h.How == "transferred" && h.User == a.user {
				return true, nil
			}
		}
		return false, nil
	}
}
