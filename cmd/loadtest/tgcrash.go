package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"allot/domain"
	"allot/persistence"
)

// -mode tgcrash's sizes and waits.
const (
	tgUsers      = 20               // people when -users is not given: the short run in make test
	tgMaxUsers   = 500              // each is a goroutine and a chat the fake keeps
	tgMaxNumbers = 200              // the admins add them by hand, one /add_number a second each
	tgStartWait  = 60 * time.Second // for a started bot to answer anyone
	tgAnswerWait = 30 * time.Second // after the last start, for the answers still owed
	tgStopWait   = 30 * time.Second // for the bot to stop on SIGTERM
	tgKillMin    = 200              // ms after a start's first answer before the kill, at least
	tgKillSpread = 1300             // and at most this much more
)

// runTgCrash is -mode tgcrash: a crash test at the Telegram boundary. This
// process plays Telegram (the fake Bot API, which keeps the updates the bot
// has not confirmed, across the bot's deaths) and the people; the bot is
// the real binary, bin/allot run, long polling the fake. People press
// buttons and admins type commands while the bot is killed with SIGKILL at
// random moments and started again, -cycles times; then it runs once more
// until every person has the answer to their last update, and is stopped
// with SIGTERM. This process then opens the data directory and checks that
// no update went unanswered and none was applied twice: each /adjust's
// reason is in the ledger and the audit log once, each number's rental
// holds one day per /extend, each purchase button is in a ledger once.
func runTgCrash(f flags) (map[string]any, error) {
	cfg, err := tgConfigure(f)
	if err != nil {
		return nil, err
	}
	dir, temp, err := tgRunDir(f)
	if err != nil {
		return nil, err
	}
	res, err := tgRunIn(f, cfg, dir)
	switch {
	case err == nil && tgFailed(res):
		log := &tgChild{dir: dir}
		fmt.Printf("  the bot's log, last lines:\n%s\n", log.tail(8))
		fallthrough
	case err != nil:
		fmt.Printf("  kept the run's directory: %s (the bot's output is in allot.log)\n", dir)
	case temp:
		_ = os.RemoveAll(dir)
	}
	return res, err
}

// tgConfig is the run's size and the binary it drives.
type tgConfig struct {
	users, admins, numbers int
	bin                    string
}

// tgConfigure reads the flags: -users and -numbers only when given, as
// their defaults are sized for the engine modes.
func tgConfigure(f flags) (tgConfig, error) {
	if _, err := persistence.ParseFsyncMode(f.fsync); err != nil {
		return tgConfig{}, err
	}
	set := map[string]bool{}
	flag.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	c := tgConfig{users: tgUsers}
	if set["users"] {
		c.users = min(max(f.users, 2), tgMaxUsers)
	}
	c.admins = max(1, c.users/3) // each admin gets about one answer a second: the outbox's limit per chat
	c.numbers = max(1, (c.users-c.admins)/2)
	if set["numbers"] {
		c.numbers = min(max(f.numbers, 1), tgMaxNumbers)
	}
	var err error
	c.bin, err = tgBinary()
	return c, err
}

// tgRunDir is -dir, which must hold no data yet (the run counts what it
// finds there), or a fresh temporary directory.
func tgRunDir(f flags) (dir string, temp bool, err error) {
	if f.dir == "" {
		dir, err = os.MkdirTemp("", "allot-tgcrash-")
		return dir, true, err
	}
	if dir, err = filepath.Abs(f.dir); err != nil {
		return "", false, err
	}
	if es, _ := os.ReadDir(filepath.Join(dir, "data")); len(es) > 0 {
		return "", false, fmt.Errorf("-mode tgcrash needs a -dir without data: %s/data is not empty", dir)
	}
	return dir, false, os.MkdirAll(dir, 0o755)
}

// tgRunIn runs the cycles in dir and scores them.
func tgRunIn(f flags, cfg tgConfig, dir string) (map[string]any, error) {
	wire := newTgWire()
	defer wire.close()
	run := newTgRun(wire, cfg, f.seed)
	data := filepath.Join(dir, "data")
	child := &tgChild{bin: cfg.bin, dir: dir, dataDir: data,
		env: tgChildEnv(data, wire.URL(), wire.fake.Token(), f.fsync, run.owner(), run.otherAdmins())}
	defer child.close()
	events, unsub := wire.fake.Subscribe(0)
	defer unsub()
	go run.dispatch(events)
	t0 := time.Now()
	run.live()
	if err := run.cycles(f, child); err != nil {
		run.abort()
		return nil, child.failure(err)
	}
	end, err := run.finish(child, int64(f.cycles+1))
	if err != nil {
		run.abort()
		return nil, child.failure(err)
	}
	end.elapsed, end.calls = time.Since(t0), wire.callCounts()
	st, tot, checkErr, err := tgVerify(data, run.userIDs(), run.numbers)
	if err != nil {
		return nil, err
	}
	t := run.tally()
	sc := scoreTgCrash(run.allSent(), st, run.tag)
	return tgReport(f, cfg, t, sc, tot, checkErr, end), nil
}

func newTgRun(wire *tgWire, cfg tgConfig, seed int64) *tgRun {
	run := &tgRun{wire: wire, byChat: map[int64]*tgPerson{}, admins: cfg.admins,
		tag:      strconv.FormatInt(time.Now().UnixMilli(), 36),
		deadline: make(chan struct{}), barrier: make(chan struct{}),
		started: map[domain.UserID]bool{}, credited: map[domain.UserID]bool{}, added: map[string]bool{}}
	for i := 1; i <= cfg.numbers; i++ {
		run.numbers = append(run.numbers, numberID(i))
	}
	run.addPeople(cfg.users, seed)
	return run
}

// addPeople creates the people: the first admins (the first is the owner),
// then the customers.
func (run *tgRun) addPeople(users int, seed int64) {
	for i := 1; i <= users; i++ {
		admin := 0
		if i <= run.admins {
			admin = i
		}
		p := newTgPerson(run, userID(i), admin, uint64(seed))
		run.people = append(run.people, p)
		run.byChat[int64(p.id)] = p
	}
}

// cycles starts the bot, kills it with SIGKILL a random while after it
// first answered someone, and does it again, -cycles times.
func (run *tgRun) cycles(f flags, child *tgChild) error {
	r := rand.New(rand.NewPCG(uint64(f.seed), 23))
	for c := 1; c <= f.cycles; c++ {
		if err := run.startBot(child, int64(c)); err != nil {
			return fmt.Errorf("start %d: %w", c, err)
		}
		time.Sleep(time.Duration(tgKillMin+r.IntN(tgKillSpread+1)) * time.Millisecond)
		run.inFlight += run.wire.inFlight()
		if err := child.kill(); err != nil {
			return fmt.Errorf("kill %d: %w", c, err)
		}
	}
	return nil
}

// startBot starts process inst and waits until it answers someone.
func (run *tgRun) startBot(child *tgChild, inst int64) error {
	run.wire.instance.Store(inst)
	if err := child.start(inst); err != nil {
		return err
	}
	if run.wire.awaitAnswering(inst, child.exited, tgStartWait) {
		return nil
	}
	if err := child.running(); err != nil {
		return err
	}
	return fmt.Errorf("the bot answered nobody within %s of its start", tgStartWait)
}

// tgEnd is how the last start went.
type tgEnd struct {
	drain   time.Duration // from the last start until every person had their last answer, or gave up
	termErr error         // the bot did not stop cleanly on SIGTERM
	elapsed time.Duration
	calls   map[string]int // the bot's Bot API calls in the whole run, by method
}

// finish starts the bot a last time, lets every person have the answer to
// their last update (at most tgAnswerWait), stops the bot with SIGTERM,
// and waits until every event of the fake has reached its person.
func (run *tgRun) finish(child *tgChild, inst int64) (tgEnd, error) {
	run.wire.instance.Store(inst)
	if err := child.start(inst); err != nil {
		return tgEnd{}, err
	}
	run.stopping.Store(true)
	t0 := time.Now()
	timer := time.AfterFunc(tgAnswerWait, run.closeDeadline)
	run.wg.Wait()
	timer.Stop()
	end := tgEnd{drain: time.Since(t0)}
	if err := child.running(); err != nil {
		return end, err
	}
	end.termErr = child.term(tgStopWait)
	if !run.flush(10 * time.Second) {
		return end, fmt.Errorf("the fake's events did not come through within 10 s")
	}
	return end, nil
}

// abort ends the people at once, after a failure.
func (run *tgRun) abort() {
	run.stopping.Store(true)
	run.closeDeadline()
	run.wg.Wait()
}

func (run *tgRun) closeDeadline() { run.once.Do(func() { close(run.deadline) }) }

// failure adds the end of the bot's log to err.
func (c *tgChild) failure(err error) error {
	return fmt.Errorf("%w\n--- the last lines of %s:\n%s", err, filepath.Join(c.dir, "allot.log"), c.tail(30))
}

func (run *tgRun) owner() string { return strconv.FormatInt(int64(run.people[0].id), 10) }

func (run *tgRun) otherAdmins() []string {
	var ids []string
	for _, p := range run.people[1:run.admins] {
		ids = append(ids, strconv.FormatInt(int64(p.id), 10))
	}
	return ids
}

func (run *tgRun) userIDs() []domain.UserID {
	ids := make([]domain.UserID, 0, len(run.people))
	for _, p := range run.people {
		ids = append(ids, p.id)
	}
	return ids
}

func (run *tgRun) allSent() []*tgSent {
	var all []*tgSent
	for _, p := range run.people {
		all = append(all, p.sent...)
	}
	return all
}
