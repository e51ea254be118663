package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"time"

	"allot/adapters/telegram/telegramtest"
	"allot/persistence"
)

// -mode telegram -split: this process, the driver, keeps the fake Bot API
// and the people; the bot and its engine run in a child, this executable
// again as -mode telegram-bot. The child's CPU time over the drive window
// is then the bot's alone, which in one process it is not: the fake and
// the people take a third of the CPU there.

// The waits on the bot's process; past them the run fails.
const (
	botReadyWait  = 2 * time.Minute  // to stock the engine and start polling: fsync=always adds 6000 entries one by one
	botAnswerWait = 10 * time.Second // for its CPU time: it only reads a clock
	botStopWait   = time.Minute      // to stop, drain, check and print its result
)

// runTelegramSplit is -mode telegram -split. The people and the figures
// are the in-process mode's; the report adds each process's CPU time per
// update over the drive window.
func runTelegramSplit(f flags) (map[string]any, error) {
	if _, err := persistence.ParseFsyncMode(f.fsync); err != nil {
		return nil, err
	}
	dir, cleanup, err := dataDir(f, "telegram")
	if err != nil {
		return nil, err
	}
	defer cleanup() // last: the child is gone by then
	w := newBotWorld(f.users, f.seed)
	defer w.close()
	numbers := min(f.numbers, botMaxNumbers)
	t0 := time.Now()
	c, err := startBot(f, dir, numbers, w.srv)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if err := w.greet(); err != nil {
		return nil, err
	}
	setup := time.Since(t0)
	r, cpu, err := driveMeasured(w, c, f.duration)
	if err != nil {
		return nil, err
	}
	rep, err := c.finish(botStopWait)
	if err != nil {
		return nil, err
	}
	inv := botInvariants(rep.Totals, rep.checkErr(), r)
	w.report(f, numbers, r, rep.Totals, inv)
	cpu.report(r)
	res := botResult(f, numbers, r, inv, setup, w.dropped.Load())
	for k, v := range cpu.fields(r) {
		res[k] = v
	}
	return res, nil
}

// startBot starts the bot's process on the fake srv and waits until it
// polls.
func startBot(f flags, dir string, numbers int, srv *telegramtest.Server) (*botChild, error) {
	cmd, err := botCommand(f, dir, numbers, srv)
	if err != nil {
		return nil, err
	}
	c, err := startBotChild(cmd)
	if err != nil {
		return nil, err
	}
	if err := c.waitReady(botReadyWait); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// botCommand is this executable as -mode telegram-bot on the engine in
// dir, polling srv. With -cpuprofile the child writes its own profile
// beside the driver's, with ".bot" added to the name.
func botCommand(f flags, dir string, numbers int, srv *telegramtest.Server) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this executable to start the bot's process: %w", err)
	}
	args := []string{"-mode", "telegram-bot", "-dir", dir, "-fsync", f.fsync,
		"-users", strconv.Itoa(f.users), "-numbers", strconv.Itoa(numbers)}
	if f.memprof != "" {
		args = append(args, "-memprofile", f.memprof+".bot")
	}
	if f.cpuprof != "" {
		args = append(args, "-cpuprofile", f.cpuprof+".bot")
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), tgBotURLEnv+"="+srv.URL(), tgBotTokenEnv+"="+srv.Token())
	return cmd, nil
}

// splitCPU is the CPU time, user and system, that each process used over
// the drive window.
type splitCPU struct {
	bot    time.Duration // the bot's process: the bot and its engine
	driver time.Duration // this one: the fake Bot API and the people
}

// driveMeasured drives the people for d between two readings of both
// processes' CPU time. The bot's is read first on the way in and first on
// the way out, so both windows hold one round trip to it.
func driveMeasured(w *botWorld, c *botChild, d time.Duration) (botTally, splitCPU, error) {
	bot0, err := c.cpuTime()
	if err != nil {
		return botTally{}, splitCPU{}, err
	}
	drv0, err := cpuTime()
	if err != nil {
		return botTally{}, splitCPU{}, err
	}
	r := w.drive(d)
	bot1, err := c.cpuTime()
	if err != nil {
		return botTally{}, splitCPU{}, err
	}
	drv1, err := cpuTime()
	if err != nil {
		return botTally{}, splitCPU{}, err
	}
	return r, splitCPU{bot: bot1 - bot0, driver: drv1 - drv0}, nil
}

// usPer is d in microseconds per update; 0 without updates.
func usPer(d time.Duration, updates int64) float64 {
	if updates == 0 {
		return 0
	}
	return float64(d.Microseconds()) / float64(updates)
}

// perCPUSec is how many updates a second of the bot's CPU answers: its
// rate on one core if nothing else ran there.
func (s splitCPU) perCPUSec(updates int64) float64 {
	if s.bot <= 0 {
		return 0
	}
	return float64(updates) / s.bot.Seconds()
}

// report prints the split after the in-process mode's summary.
func (s splitCPU) report(r botTally) {
	cores := runtime.NumCPU()
	fmt.Println("  SPLIT: the bot and its engine ran in a process of their own; this one was the fake Bot API and the people")
	fmt.Printf("  CPU over the drive window: the bot %.1f µs/update (%.2f s, %.2f of %d cores busy): %.0f updates/s per core, %.0f on all %d\n",
		usPer(s.bot, r.updates), s.bot.Seconds(), s.bot.Seconds()/r.elapsed.Seconds(), cores,
		s.perCPUSec(r.updates), s.perCPUSec(r.updates)*float64(cores), cores)
	fmt.Printf("  the fake Bot API and the people %.1f µs/update (%.2f s)\n", usPer(s.driver, r.updates), s.driver.Seconds())
}

// fields are the split's figures for the JSON result.
func (s splitCPU) fields(r botTally) map[string]any {
	cores := runtime.NumCPU()
	return map[string]any{
		"split": true, "cores": cores, "bot_cpu_s": round(s.bot.Seconds()), "driver_cpu_s": round(s.driver.Seconds()),
		"bot_cpu_us_per_update":         round(usPer(s.bot, r.updates)),
		"driver_cpu_us_per_update":      round(usPer(s.driver, r.updates)),
		"bot_updates_per_cpu_sec":       round(s.perCPUSec(r.updates)),
		"bot_updates_per_sec_all_cores": round(s.perCPUSec(r.updates) * float64(cores)),
	}
}
