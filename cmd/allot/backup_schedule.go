package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/prometheus/client_golang/prometheus"

	"allot/persistence"
)

// backupConfig is how `allot run` backs itself up: into BACKUP_DIR every
// BACKUP_EVERY, keeping the newest BACKUP_KEEP, encrypted to
// BACKUP_AGE_RECIPIENT when set, and handed to BACKUP_COMMAND (the
// operator's way off the machine: rclone, aws, scp) when set. Off without
// BACKUP_DIR.
type backupConfig struct {
	Dir       string
	Every     time.Duration
	Keep      int
	Recipient *age.X25519Recipient
	Command   string
}

func (b backupConfig) enabled() bool { return b.Dir != "" }

// state is the schedule as the start's log line says it.
func (b backupConfig) state() string {
	if !b.enabled() {
		return "off (no BACKUP_DIR)"
	}
	s := fmt.Sprintf("every %s into %s, keeping %d", b.Every, b.Dir, b.Keep)
	if b.Recipient != nil {
		s += ", encrypted"
	}
	if b.Command != "" {
		s += ", shipped by BACKUP_COMMAND"
	}
	return s
}

// Defaults of the scheduled backups.
const (
	defaultBackupEvery = 24 * time.Hour
	defaultBackupKeep  = 7
)

// backupFromEnv reads the scheduled backups' settings; each error names
// its variable.
func backupFromEnv(getenv func(string) string) (backupConfig, error) {
	c := backupConfig{Every: defaultBackupEvery, Keep: defaultBackupKeep}
	var errs []error
	bad := func(name string, err error) { errs = append(errs, fmt.Errorf("%s: %w", name, err)) }
	c.Dir = strings.TrimSpace(getenv("BACKUP_DIR"))
	if v := strings.TrimSpace(getenv("BACKUP_EVERY")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 30*24*time.Hour {
			bad("BACKUP_EVERY", fmt.Errorf("want a duration from 1m to 720h, got %q", v))
		}
		c.Every = d
	}
	if v := strings.TrimSpace(getenv("BACKUP_KEEP")); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil || k < 1 || k > 1000 {
			bad("BACKUP_KEEP", fmt.Errorf("want how many backups to keep, 1 to 1000, got %q", v))
		}
		c.Keep = k
	}
	if v := strings.TrimSpace(getenv("BACKUP_AGE_RECIPIENT")); v != "" {
		r, err := age.ParseX25519Recipient(v)
		if err != nil {
			bad("BACKUP_AGE_RECIPIENT", errors.New("want an age public key (age1…), as age-keygen prints it"))
		}
		c.Recipient = r
	}
	c.Command = strings.TrimSpace(getenv("BACKUP_COMMAND"))
	if c.Dir == "" && (c.Recipient != nil || c.Command != "" || getenv("BACKUP_EVERY") != "") {
		bad("BACKUP_DIR", errors.New("set it too: the backups are written there first"))
	}
	return c, errors.Join(errs...)
}

// backupPrefix names the files the schedule writes and prunes; nothing
// else in BACKUP_DIR is ever touched.
const backupPrefix = "allot-backup-"

// backupState is what /metrics tells of the scheduled backups.
type backupState struct {
	mu       sync.Mutex
	lastGood time.Time // when the newest good backup finished
	lastSize int64
	failures uint64
}

func (s *backupState) read() (time.Time, int64, uint64) {
	if s == nil {
		return time.Time{}, 0, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastGood, s.lastSize, s.failures
}

// backups is the running schedule.
type backups struct {
	cfg     backupConfig
	dataDir string
	log     *slog.Logger
	alert   func(string) // tells the admins of a failure
	now     func() time.Time
	state   backupState
	stop    context.CancelFunc
	done    chan struct{}
}

// startBackups starts the schedule: the first backup one period after the
// start (a restart loop must not fill the disk), then every period. nil
// when BACKUP_DIR is unset.
func startBackups(ctx context.Context, cfg backupConfig, dataDir string, log *slog.Logger, alert func(string)) (*backups, error) {
	if !cfg.enabled() {
		return nil, nil
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("BACKUP_DIR: %w", err)
	}
	if inside(cfg.Dir, dataDir) {
		return nil, fmt.Errorf("BACKUP_DIR %s is inside DATA_DIR %s: a backup must survive the loss of the data", cfg.Dir, dataDir)
	}
	ctx, stop := context.WithCancel(ctx)
	b := &backups{cfg: cfg, dataDir: dataDir, log: log, alert: alert, now: time.Now, stop: stop, done: make(chan struct{})}
	go b.run(ctx)
	return b, nil
}

func (b *backups) run(ctx context.Context) {
	defer close(b.done)
	t := time.NewTicker(b.cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		b.once(ctx)
	}
}

// once makes one backup and reports how it went.
func (b *backups) once(ctx context.Context) {
	path, size, err := b.make(ctx)
	if err != nil {
		b.state.mu.Lock()
		b.state.failures++
		b.state.mu.Unlock()
		b.log.Error("scheduled backup failed", "err", err)
		if b.alert != nil {
			b.alert("The scheduled backup failed: " + err.Error())
		}
		return
	}
	b.state.mu.Lock()
	b.state.lastGood, b.state.lastSize = b.now(), size
	b.state.mu.Unlock()
	b.log.Info("scheduled backup done", "file", path, "bytes", size)
}

// make writes, verifies, encrypts, prunes and ships one backup; it
// returns the file kept and its size. A backup counts as good only once it
// verified and, with BACKUP_COMMAND, once the command succeeded; a failed
// command is reported, never retried blindly (the next period makes a new
// backup).
func (b *backups) make(ctx context.Context) (string, int64, error) {
	name := backupPrefix + b.now().UTC().Format("20060102T150405Z") + ".tar.gz"
	plain := filepath.Join(b.cfg.Dir, name)
	if _, err := backup(b.dataDir, plain, io.Discard); err != nil {
		return "", 0, fmt.Errorf("write: %w", err)
	}
	if err := verifyArchive(plain, io.Discard); err != nil {
		_ = os.Remove(plain)
		return "", 0, fmt.Errorf("verify %s: %w", plain, err)
	}
	path := plain
	if b.cfg.Recipient != nil {
		var err error
		if path, err = encryptFile(plain, b.cfg.Recipient); err != nil {
			_ = os.Remove(plain)
			return "", 0, fmt.Errorf("encrypt: %w", err)
		}
		_ = os.Remove(plain)
	}
	b.prune()
	st, err := os.Stat(path)
	if err != nil {
		return "", 0, err
	}
	if b.cfg.Command != "" {
		if err := runBackupCommand(ctx, b.cfg.Command, path); err != nil {
			return "", 0, err
		}
	}
	return path, st.Size(), nil
}

// encryptFile writes plain, encrypted to r, to plain + ".age", atomically.
func encryptFile(plain string, r age.Recipient) (string, error) {
	in, err := os.Open(plain)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out := plain + ".age"
	err = persistence.WriteFileAtomic(out, 0o600, func(w io.Writer) error {
		enc, err := age.Encrypt(w, r)
		if err != nil {
			return err
		}
		if _, err := io.Copy(enc, in); err != nil {
			return err
		}
		return enc.Close()
	})
	return out, err
}

// prune removes the schedule's own backups beyond the newest Keep.
func (b *backups) prune() {
	ents, err := os.ReadDir(b.cfg.Dir)
	if err != nil {
		return
	}
	var ours []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), backupPrefix) && !e.IsDir() && !strings.Contains(e.Name(), ".tmp") {
			ours = append(ours, e.Name())
		}
	}
	slices.Sort(ours) // the names carry the time: oldest first
	for len(ours) > b.cfg.Keep {
		if err := os.Remove(filepath.Join(b.cfg.Dir, ours[0])); err != nil {
			b.log.Warn("pruning an old backup failed", "file", ours[0], "err", err)
		}
		ours = ours[1:]
	}
}

// runBackupCommand runs the operator's command line with sh, the backup's
// path in $1 and in $BACKUP_FILE (rclone copy "$1" remote:allot/),
// bounded by an hour.
func runBackupCommand(ctx context.Context, command, path string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command, "allot-backup", path)
	cmd.Env = append(os.Environ(), "BACKUP_FILE="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tail := strings.TrimSpace(string(out))
		if len(tail) > 300 {
			tail = "…" + tail[len(tail)-300:]
		}
		return fmt.Errorf("BACKUP_COMMAND failed (%w): %s", err, tail)
	}
	return nil
}

func (b *backups) close() {
	if b == nil {
		return
	}
	b.stop()
	<-b.done
}

// The scheduled backups' series: the alert on a backup older than a day
// reads the first.
var (
	descBackupLastGood = prometheus.NewDesc("allot_backup_last_success_timestamp_seconds",
		"When the newest scheduled backup that verified (and was shipped, with BACKUP_COMMAND) finished, Unix seconds; "+
			"absent until one did.", nil, nil)
	descBackupLastSize = prometheus.NewDesc("allot_backup_last_size_bytes",
		"The size of the newest good scheduled backup (encrypted, with BACKUP_AGE_RECIPIENT).", nil, nil)
	descBackupFailures = prometheus.NewDesc("allot_backup_failures_total",
		"Scheduled backups that failed to be written, verified, encrypted or shipped since the start.", nil, nil)
)

// backupCollector exports the schedule's state; nil schedules export nothing.
type backupCollector struct{ b *backups }

func (c backupCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descBackupLastGood
	ch <- descBackupLastSize
	ch <- descBackupFailures
}

func (c backupCollector) Collect(ch chan<- prometheus.Metric) {
	if c.b == nil {
		return
	}
	last, size, fails := c.b.state.read()
	ch <- prometheus.MustNewConstMetric(descBackupFailures, prometheus.CounterValue, float64(fails))
	if last.IsZero() {
		return
	}
	ch <- prometheus.MustNewConstMetric(descBackupLastGood, prometheus.GaugeValue, float64(last.Unix()))
	ch <- prometheus.MustNewConstMetric(descBackupLastSize, prometheus.GaugeValue, float64(size))
}
