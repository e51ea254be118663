package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// asLoadtestEnv, set to 1, makes the test binary run main instead of the
// tests: -mode telegram -split starts os.Executable() as its bot, which
// under go test is this binary.
const asLoadtestEnv = "LOADTEST_TEST_AS_MAIN"

// TestMain runs main when this binary was started as a load test's child.
func TestMain(m *testing.M) {
	if os.Getenv(asLoadtestEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRunTelegram_split drives a few people for a moment against the bot
// in its own process: the run checks the usual invariants and measures the
// bot's CPU. No timing is asserted; a loaded machine is only slower.
func TestRunTelegram_split(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a bot process and drives it for seconds")
	}
	t.Setenv(asLoadtestEnv, "1")
	res, err := runTelegram(flags{mode: "telegram", split: true, users: 20, numbers: 200,
		duration: 1500 * time.Millisecond, fsync: "os", seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := res["invariants_ok"].(bool); !ok {
		t.Errorf("invariants not ok: %v", res)
	}
	if n, _ := res["updates"].(int64); n <= 0 {
		t.Errorf("updates %v, want some", res["updates"])
	}
	if us, _ := res["bot_cpu_us_per_update"].(float64); us <= 0 {
		t.Errorf("bot_cpu_us_per_update %v, want a positive figure", res["bot_cpu_us_per_update"])
	}
	if split, _ := res["split"].(bool); !split {
		t.Errorf("split %v, want true", res["split"])
	}
}

// TestBotChild_waitReady: a child that cannot start says why, and one that
// never says ready is given up on.
func TestBotChild_waitReady(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cmd   *exec.Cmd
		limit time.Duration
		wErr  string
	}{
		{"exits early", exec.Command(exe, "-mode", "telegram-bot", "-dir", t.TempDir()), time.Minute, tgBotURLEnv},
		{"never ready", exec.Command("sleep", "60"), 200 * time.Millisecond, "did not say ready"},
		{"no such binary", exec.Command(exe + "-missing"), time.Minute, "start the bot process"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cmd.Env = append(os.Environ(), asLoadtestEnv+"=1")
			c, err := startBotChild(tt.cmd)
			if err == nil {
				defer c.close()
				err = c.waitReady(tt.limit)
			}
			if err == nil || !strings.Contains(err.Error(), tt.wErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wErr)
			}
		})
	}
}
