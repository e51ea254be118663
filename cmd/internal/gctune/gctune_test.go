package gctune

import (
	"errors"
	"math"
	"runtime/debug"
	"testing"
)

// restore puts the collector back as the test found it.
func restore(t *testing.T) {
	pct, lim := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	debug.SetGCPercent(pct)
	debug.SetMemoryLimit(lim)
	t.Cleanup(func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(lim)
	})
}

func files(m map[string]string) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		if s, ok := m[p]; ok {
			return []byte(s), nil
		}
		return nil, errors.New("no such file")
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestApply(t *testing.T) {
	const gib = int64(1) << 30
	meminfo := "MemTotal:       25165824 kB\nMemFree:        1000 kB\n" // 24 GiB
	for _, tc := range []struct {
		name    string
		env     map[string]string
		files   map[string]string
		percent int
		limit   int64
	}{
		{"machine's memory", nil, map[string]string{"/proc/meminfo": meminfo}, Percent, 18 * gib},
		{"cgroup v2 limit", nil, map[string]string{"/sys/fs/cgroup/memory.max": "4294967296\n", "/proc/meminfo": meminfo},
			Percent, 3 * gib},
		{"cgroup v2 without a limit", nil, map[string]string{"/sys/fs/cgroup/memory.max": "max\n", "/proc/meminfo": meminfo},
			Percent, 18 * gib},
		{"cgroup v1 limit", nil, map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "2147483648"},
			Percent, 3 * gib / 2},
		{"nothing known: the runtime's default", nil, nil, 100, 0},
		{"GOGC from the environment", map[string]string{"GOGC": "150"}, map[string]string{"/proc/meminfo": meminfo}, 100, 18 * gib},
	} {
		t.Run(tc.name, func(t *testing.T) {
			restore(t)
			debug.SetGCPercent(100) // what the runtime made of GOGC (the test cannot set the real one)
			p := apply(env(tc.env), files(tc.files))
			if p.Percent != tc.percent || p.Limit != tc.limit {
				t.Fatalf("Apply = %+v, want percent %d, limit %d", p, tc.percent, tc.limit)
			}
			if got := debug.SetGCPercent(-1); got != tc.percent {
				t.Errorf("GC percent in force = %d, want %d", got, tc.percent)
			}
			if got := debug.SetMemoryLimit(-1); tc.limit > 0 && got != tc.limit {
				t.Errorf("memory limit in force = %d, want %d", got, tc.limit)
			}
		})
	}
}

func TestApply_GOMEMLIMITFromEnvironmentIsKept(t *testing.T) {
	restore(t)
	debug.SetMemoryLimit(1 << 30) // what the runtime made of GOMEMLIMIT=1GiB
	p := apply(env(map[string]string{"GOMEMLIMIT": "1GiB"}), files(map[string]string{"/proc/meminfo": "MemTotal: 100 kB"}))
	if p.Limit != 1<<30 || p.Percent != Percent || !p.FromEnv {
		t.Fatalf("Apply = %+v, want the environment's limit kept and GOGC %d", p, Percent)
	}
}

func TestMemTotal_BadText(t *testing.T) {
	for _, s := range []string{"", "MemTotal:", "MemTotal: x kB", "MemTotal: -5 kB", "MemFree: 5 kB"} {
		if got := memTotal([]byte(s)); got != 0 {
			t.Errorf("memTotal(%q) = %d, want 0", s, got)
		}
	}
}

// An open runs with the growth trigger off only under a memory limit, and
// the collector is as it was afterwards, whatever the open returned.
func TestStarting(t *testing.T) {
	restore(t)
	debug.SetGCPercent(400)
	during := func() (int, error) {
		pct := debug.SetGCPercent(-1)
		debug.SetGCPercent(pct)
		return pct, errors.New("open failed")
	}

	debug.SetMemoryLimit(math.MaxInt64)
	if pct, err := Starting(during); pct != 400 || err == nil {
		t.Errorf("without a limit: GOGC %d during the open (want 400 untouched), err %v", pct, err)
	}

	debug.SetMemoryLimit(8 << 30)
	if pct, err := Starting(during); pct != -1 || err == nil {
		t.Errorf("under a limit: GOGC %d during the open (want -1: off), err %v", pct, err)
	}
	if pct := debug.SetGCPercent(400); pct != 400 {
		t.Errorf("GOGC %d after the open, want 400 again", pct)
	}
}
