package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"allot/actors"
	"allot/adapters/telegram"
	"allot/domain"
	"allot/persistence"
)

// The bot's side of -mode telegram: the engine and the real bot polling
// the fake Bot API. In-process it shares this process with the fake and
// the people; under -split it is the whole of the child, -mode
// telegram-bot, so that the child's CPU time is the bot's alone.

// The fake Bot API the telegram-bot child polls, passed in its environment
// by the driver that serves it.
const (
	tgBotURLEnv   = "LOADTEST_TELEGRAM_API_URL"
	tgBotTokenEnv = "LOADTEST_TELEGRAM_TOKEN"
)

// botSide is the engine and the bot polling the fake on it.
type botSide struct {
	eng     *actors.Engine
	bot     atomic.Pointer[telegram.Bot] // set once started; the engine's notices may come before
	client  *http.Client                 // the bot's
	stop    context.CancelFunc
	botDone chan struct{}
}

// openBotSide opens the engine in dir and starts the bot polling the fake
// Bot API at apiURL. The engine tells the bot of its notices once the bot
// exists.
func openBotSide(dir string, fsync persistence.FsyncMode, apiURL, token string) (*botSide, error) {
	b := &botSide{botDone: make(chan struct{})}
	eng, err := actors.Open(actors.Options{Dir: dir, Fsync: fsync, Notify: func(n actors.Notice) {
		if bot := b.bot.Load(); bot != nil {
			bot.Notify(n)
		}
	}})
	if err != nil {
		return nil, err
	}
	b.eng = eng
	if err := b.start(apiURL, token); err != nil {
		_ = eng.Close(context.Background())
		return nil, err
	}
	return b, nil
}

// start builds the bot with every limit raised and starts it polling.
// Its Bot API client is cmd/allot's (telegram.NewAPI on
// telegram.HTTPClient), so the figures are production's.
func (b *botSide) start(apiURL, token string) error {
	b.client = telegram.HTTPClient()
	api, err := telegram.NewAPI(token, apiURL, b.client)
	if err != nil {
		return err
	}
	bot, err := telegram.New(b.eng, api, telegram.Config{
		Limits: telegram.LimitOptions{MessagesPerMin: 1e6, MessageBurst: 1e5, OperationsPerMin: 1e6,
			OperationBurst: 1e5, PaymentsPerMin: 1e6, PaymentBurst: 1e5,
			GlobalPerSec: 1e6, GlobalBurst: 1e6}, // the default 1000 updates/s overall would drop updates
		Outbox: telegram.OutboxOptions{Global: 1e6, GlobalBurst: 1e6, PerChat: 1e6, ChatBurst: 1e6},
	}, nil)
	if err != nil {
		return fmt.Errorf("the bot: %w", err)
	}
	b.bot.Store(bot)
	ctx, stop := context.WithCancel(context.Background())
	b.stop = stop
	labelled(sideBot, func() {
		go func() {
			defer close(b.botDone)
			_ = bot.Run(ctx)
		}()
	})
	return nil
}

// stopPolling stops the bot: its cancelled long poll ends at once. Its
// idle connections are closed too, so that the fake's HTTP server does not
// wait for one dialed but never used to time out. Calling it again does
// nothing.
func (b *botSide) stopPolling() {
	b.stop()
	<-b.botDone
	b.client.CloseIdleConnections()
}

// close stops the bot and closes the engine.
func (b *botSide) close() {
	b.stopPolling()
	_ = b.eng.Close(context.Background())
}

// stock adds the numbers and gives the users userID(1..users) a balance
// each. It tolerates a data dir from an earlier run.
func (b *botSide) stock(ctx context.Context, numbers, users int) error {
	err := parallel(numbers, func(i int) error {
		if _, err := b.eng.AddNumber(ctx, 0, numberID(i+1)); err != nil && !errors.Is(err, domain.ErrNumberExists) {
			return fmt.Errorf("add number: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return parallel(users, func(i int) error {
		_, err := b.eng.Deposit(ctx, domain.Payment{Tx: domain.TxID{Account: "telegram-setup", LT: uint64(i + 1), Hash: "start"},
			Amount: domain.TON(botBalance), User: userID(i + 1), At: time.Now()})
		if err != nil && !errors.Is(err, domain.ErrDuplicateTx) {
			return fmt.Errorf("starting balance: %w", err)
		}
		return nil
	})
}

// botReport is the telegram-bot child's last line, after "result ": the
// engine's totals and checks once the bot stopped and the engine drained,
// for the driver to finish the invariants with the rentals its people were
// confirmed.
type botReport struct {
	Totals actors.Totals `json:"totals"`
	Check  string        `json:"check,omitempty"` // the engine's Check error, if any
	CPU    int64         `json:"cpu_ns"`          // the child's user+system CPU time, all of it
}

// checkErr is the engine's Check error again.
func (r botReport) checkErr() error {
	if r.Check == "" {
		return nil
	}
	return errors.New(r.Check)
}

// runTelegramBot is -mode telegram-bot, the child of -mode telegram
// -split: it stocks the engine in -dir, starts the bot polling the driver's
// fake, says "ready", and answers each "cpu" line on stdin with its CPU
// time ("cpu <ns>"). When stdin closes or SIGTERM comes, it stops the bot,
// drains and checks the engine, and prints "result <botReport JSON>".
func runTelegramBot(f flags) error {
	fsync, err := persistence.ParseFsyncMode(f.fsync)
	if err != nil {
		return err
	}
	apiURL, token := os.Getenv(tgBotURLEnv), os.Getenv(tgBotTokenEnv)
	if apiURL == "" || token == "" || f.dir == "" {
		return fmt.Errorf("needs -dir, %s and %s: -mode telegram -split starts it", tgBotURLEnv, tgBotTokenEnv)
	}
	b, err := openBotSide(f.dir, fsync, apiURL, token)
	if err != nil {
		return err
	}
	defer b.close()
	ctx := context.Background()
	if err := b.stock(ctx, min(f.numbers, botMaxNumbers), f.users); err != nil {
		return err
	}
	fmt.Println("ready")
	if err := answerCPU(os.Stdin, os.Stdout); err != nil {
		return err
	}
	b.stopPolling()
	return reportBot(ctx, b.eng, os.Stdout)
}

// answerCPU answers each "cpu" line of in with this process's CPU time,
// until in closes or SIGTERM comes. The reader goroutine is left blocked
// on a SIGTERM: the process ends soon after.
func answerCPU(in io.Reader, out io.Writer) error {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	defer signal.Stop(term)
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for {
		select {
		case <-term:
			return nil
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			if line != "cpu" {
				return fmt.Errorf("unknown request %q on stdin", line)
			}
			cpu, err := cpuTime()
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(out, "cpu %d\n", cpu.Nanoseconds()); err != nil {
				return fmt.Errorf("answer cpu: %w", err)
			}
		}
	}
}

// reportBot drains the engine, checks it and prints the result line.
func reportBot(ctx context.Context, eng *actors.Engine, out io.Writer) error {
	if err := eng.Drain(ctx); err != nil {
		return fmt.Errorf("drain: %w", err)
	}
	tot, cerr := eng.Check()
	cpu, err := cpuTime()
	if err != nil {
		return err
	}
	rep := botReport{Totals: tot, CPU: cpu.Nanoseconds()}
	if cerr != nil {
		rep.Check = cerr.Error()
	}
	j, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("encode the result: %w", err)
	}
	if _, err := fmt.Fprintf(out, "result %s\n", j); err != nil {
		return fmt.Errorf("print the result: %w", err)
	}
	return nil
}

// cpuTime is the user and system CPU time this process has used, all its
// threads together: exact to the microsecond, where /proc/<pid>/stat
// counts clock ticks.
func cpuTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
