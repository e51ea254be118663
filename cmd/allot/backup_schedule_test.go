package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"allot/actors"
	"allot/persistence"
)

func TestBackupFromEnv(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		wOn     bool
		wErrVar string
	}{
		{"off", nil, false, ""},
		{"on with defaults", map[string]string{"BACKUP_DIR": "/b"}, true, ""},
		{"everything", map[string]string{"BACKUP_DIR": "/b", "BACKUP_EVERY": "6h", "BACKUP_KEEP": "3",
			"BACKUP_AGE_RECIPIENT": id.Recipient().String(), "BACKUP_COMMAND": "true"}, true, ""},
		{"bad period", map[string]string{"BACKUP_DIR": "/b", "BACKUP_EVERY": "1s"}, false, "BACKUP_EVERY"},
		{"bad keep", map[string]string{"BACKUP_DIR": "/b", "BACKUP_KEEP": "0"}, false, "BACKUP_KEEP"},
		{"a private key as recipient", map[string]string{"BACKUP_DIR": "/b", "BACKUP_AGE_RECIPIENT": id.String()}, false,
			"BACKUP_AGE_RECIPIENT"},
		{"command without a directory", map[string]string{"BACKUP_COMMAND": "true"}, false, "BACKUP_DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := backupFromEnv(envOf(tt.env))
			if tt.wErrVar != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wErrVar) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wErrVar)
				}
				if strings.Contains(err.Error(), id.String()) {
					t.Fatalf("the error quotes the private key: %v", err)
				}
				return
			}
			if err != nil || c.enabled() != tt.wOn {
				t.Fatalf("enabled %v, err %v; want %v", c.enabled(), err, tt.wOn)
			}
		})
	}
}

// smallDataDir is a closed data directory with some history, its final
// snapshot written.
func smallDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	e, err := actors.Open(actors.Options{Dir: dir, Fsync: persistence.FsyncOS, SegmentSize: 4 << 10, ManualClock: true})
	if err != nil {
		t.Fatal(err)
	}
	l := startLoad(t, e, 3, 5)
	l.waitOps(t, 40)
	l.stop(t)
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBackups_EncryptedShippedPrunedAndRestorable runs the schedule's
// step three times: each backup verifies, is encrypted to the recipient,
// shipped by the command; only the newest two stay; the newest restores
// with the identity and opens.
func TestBackups_EncryptedShippedPrunedAndRestorable(t *testing.T) {
	data, out, ship := smallDataDir(t), t.TempDir(), t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	b := &backups{cfg: backupConfig{Dir: out, Keep: 2, Recipient: id.Recipient(), Command: `cp "$1" ` + ship},
		dataDir: data, log: slog.New(slog.DiscardHandler), now: func() time.Time { return at }}
	for range 3 {
		b.once(context.Background())
		at = at.Add(24 * time.Hour)
	}
	kept := dirNames(t, out)
	if len(kept) != 2 || !strings.HasSuffix(kept[1], ".tar.gz.age") || !strings.Contains(kept[1], "20261203T") {
		t.Fatalf("kept %v, want the newest two, encrypted", kept)
	}
	if shipped := dirNames(t, ship); len(shipped) != 3 {
		t.Errorf("shipped %v, want all three", shipped)
	}
	last, size, fails := b.state.read()
	if fails != 0 || !last.Equal(at.Add(-24*time.Hour)) || size <= 0 {
		t.Errorf("state: last good %s, size %d, failures %d", last, size, fails)
	}
	raw, _ := os.ReadFile(filepath.Join(out, kept[1]))
	if strings.Contains(string(raw), "journal") {
		t.Error("the encrypted backup shows its member names: not encrypted")
	}
	keyFile := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(keyFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "restored")
	if code, stderr := runQuiet(t, "restore", "--from", filepath.Join(out, kept[1]), "--data", target); code == 0 {
		t.Fatalf("an encrypted archive restored without its identity: %s", stderr)
	}
	if code, stderr := runQuiet(t, "restore", "--from", filepath.Join(out, kept[1]), "--identity", keyFile, "--data", target); code != 0 {
		t.Fatalf("restore: exit %d: %s", code, stderr)
	}
}

// TestBackups_AFailedCommandIsReportedNotCounted: the command fails; the
// admins are told, the failure counted, and no backup counts as good.
func TestBackups_AFailedCommandIsReportedNotCounted(t *testing.T) {
	data, out := smallDataDir(t), t.TempDir()
	var told []string
	b := &backups{cfg: backupConfig{Dir: out, Keep: 3, Command: "echo no route to host >&2; exit 3"}, dataDir: data,
		log: slog.New(slog.DiscardHandler), now: time.Now, alert: func(s string) { told = append(told, s) }}
	b.once(context.Background())
	last, _, fails := b.state.read()
	if fails != 1 || !last.IsZero() || len(told) != 1 || !strings.Contains(told[0], "no route to host") {
		t.Fatalf("failures %d, last good %s, told %q", fails, last, told)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(backupCollector{b})
	if n, err := testutil.GatherAndCount(reg, "allot_backup_failures_total", "allot_backup_last_success_timestamp_seconds"); err != nil || n != 1 {
		t.Errorf("series %d, %v; want the failures only, no last success yet", n, err)
	}
}

func TestBackups_RefusedInsideTheDataDirectory(t *testing.T) {
	data := t.TempDir()
	_, err := startBackups(context.Background(), backupConfig{Dir: filepath.Join(data, "backups"), Every: time.Hour, Keep: 1},
		data, slog.New(slog.DiscardHandler), nil)
	if err == nil || !strings.Contains(err.Error(), "inside DATA_DIR") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}
