package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
	"allot/persistence"
)

// TestServe_RecoveryWithLossIsLoud: a start that fell back from a damaged
// snapshot says so on /readyz and tells the admins once; the start after
// it is clean again and tells nobody.
func TestServe_RecoveryWithLossIsLoud(t *testing.T) {
	dir := t.TempDir()
	damagedSnapshot(t, dir)
	tg := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(tg.Close)
	tg.AddUser(owner)
	j := &journey{t: t, tg: tg}

	addr, stop := serveOn(t, dir, tg)
	if got := readyz(t, addr); !strings.Contains(got, "journal: recovered with loss: yes — snapshot ") ||
		!strings.Contains(got, ".snap.broken (nothing acknowledged lost)") {
		t.Errorf("/readyz:\n%s", got)
	}
	j.see(owner, 0, "setting data aside", ".snap.broken")
	stop()

	addr, stop = serveOn(t, dir, tg)
	defer stop()
	if got := readyz(t, addr); !strings.Contains(got, "journal: recovered with loss: no\n") {
		t.Errorf("/readyz of the clean start:\n%s", got)
	}
	before := j.last(owner)
	tg.Command(owner, "start", "")
	j.see(owner, -before, "Hello")
	if n := alertsIn(tg.Messages(owner.ID)); n != 1 {
		t.Errorf("the admins were told %d times, want once", n)
	}
}

// damagedSnapshot leaves a data directory whose only snapshot is damaged,
// with the journal whole: the start falls back to the journal alone.
func damagedSnapshot(t *testing.T, dir string) {
	t.Helper()
	e, err := actors.Open(actors.Options{Dir: dir, Fsync: persistence.FsyncOS})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.Deposit(ctx, domain.Payment{Tx: domain.TxID{Account: "w", LT: 1, Hash: "h"},
		Amount: domain.TON(3), User: 4242}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil { // writes the snapshot
		t.Fatal(err)
	}
	snaps, err := filepath.Glob(filepath.Join(dir, "snapshots", "*.snap"))
	if err != nil || len(snaps) != 1 {
		t.Fatalf("snapshots %v, %v", snaps, err)
	}
	b, err := os.ReadFile(snaps[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(snaps[0], b, 0o640); err != nil {
		t.Fatal(err)
	}
}

// serveOn runs allot on dir with the fake Bot API and Olga as the owner,
// and returns its HTTP address and how to stop it.
func serveOn(t *testing.T, dir string, tg *telegramtest.Server) (addr string, stop func()) {
	t.Helper()
	addr = freeAddr(t)
	cfg, err := loadConfig(envOf(map[string]string{"DATA_DIR": dir, "HTTP_ADDR": addr, "FSYNC": "os",
		"BOT_TOKEN": tg.Token(), "TELEGRAM_API_URL": tg.URL(), "OWNER_ID": "42"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := serve(ctx, cfg, slog.New(slog.DiscardHandler)); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	return addr, func() { cancel(); wg.Wait() }
}

func readyz(t *testing.T, addr string) string {
	t.Helper()
	if code := getStatus(t, "http://"+addr+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz = %d", code)
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func alertsIn(ms []telegramtest.Message) int {
	n := 0
	for _, m := range ms {
		if strings.Contains(m.Text, "setting data aside") {
			n++
		}
	}
	return n
}

func TestRecoveryState(t *testing.T) {
	loss := func(what, file string, acked bool) persistence.Loss {
		return persistence.Loss{What: what, File: file, Acknowledged: acked}
	}
	tests := []struct {
		name   string
		losses []persistence.Loss
		want   string
	}{
		{"clean", nil, "recovered with loss: no"},
		{"a snapshot", []persistence.Loss{loss("snapshot", "/d/snapshots/a.snap.broken", false)},
			"recovered with loss: yes — snapshot a.snap.broken (nothing acknowledged lost)"},
		{"a repair that lost records, and more", []persistence.Loss{loss("journal repair", "/d/j/1.wal.broken", true),
			loss("snapshot", "b", false), loss("snapshot", "c", false), loss("snapshot", "d", false),
			loss("snapshot", "e", false)},
			"recovered with loss: yes — journal repair 1.wal.broken, snapshot b, snapshot c, 2 more (acknowledged records lost)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := recoveryState(persistence.RecoveryInfo{Losses: tt.losses}); got != tt.want {
				t.Errorf("recoveryState = %q\nwant %q", got, tt.want)
			}
		})
	}
}
