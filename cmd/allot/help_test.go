package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

// dispatchOut runs the command line args and returns its exit status and
// what it printed.
func dispatchOut(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = dispatch(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestDispatch_Help: `allot help` and `allot run --help` print the
// commands and every variable with its default, and start nothing.
func TestDispatch_Help(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"run", "--help"}, {"run", "-h"}, {"run", "-help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, _ := dispatchOut(t, args...)
			if code != 0 {
				t.Fatalf("exit status %d, want 0", code)
			}
			for _, want := range []string{"allot snapshot verify", "allot backup", "allot version"} {
				if !strings.Contains(out, want) {
					t.Errorf("help lacks the command %q", want)
				}
			}
			for _, v := range envVars {
				line := "\n  " + v.Name + "\n"
				if v.Default != "" {
					line = "\n  " + v.Name + "=" + v.Default + "\n"
				}
				if !strings.Contains(out, line) {
					t.Errorf("help lacks the line %q", strings.TrimSpace(line))
				}
			}
			for _, a := range seedAliases {
				if !strings.Contains(out, a.Seed+" → "+a.Name) {
					t.Errorf("help does not say %s is read as %s", a.Seed, a.Name)
				}
			}
		})
	}
}

func TestWriteHelp_MeaningsWrapped(t *testing.T) {
	var b bytes.Buffer
	writeHelp(&b)
	for _, line := range strings.Split(b.String(), "\n") {
		if n := len([]rune(line)); n > helpWidth+10 { // the usage's lines are a little wider
			t.Errorf("line of %d columns: %q", n, line)
		}
		if strings.Contains(line, "`") {
			t.Errorf("markdown left in help: %q", line)
		}
	}
}

// TestDispatch_RunRefusesArguments: anything but help is an error with
// the usage, not a start (these would start the bot if taken for one).
func TestDispatch_RunRefusesArguments(t *testing.T) {
	tests := []struct{ name, arg, wErr string }{
		{"unknown flag", "--dry-run", "unknown flag --dry-run"},
		{"short flag", "-x", "unknown flag -x"},
		{"word", "now", `unexpected argument "now"`},
		{"a data directory", "./data", `unexpected argument "./data"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := dispatchOut(t, "run", tt.arg)
			if code != 2 || out != "" {
				t.Fatalf("exit status %d, stdout %q: want 2 and nothing", code, out)
			}
			if !strings.Contains(errOut, tt.wErr) || !strings.Contains(errOut, "usage:") {
				t.Errorf("stderr = %q, want %q and the usage", errOut, tt.wErr)
			}
		})
	}
}

// TestDispatch_SubcommandsRefuseUnknownFlags: every command refuses a flag
// it does not know with exit status 2 and answers -h with status 0.
func TestDispatch_SubcommandsRefuseUnknownFlags(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		args  []string
		wCode int
	}{
		{"snapshot flag for a directory", []string{"snapshot", "inspect", "--bogus"}, 2},
		{"snapshot flag after the directory", []string{"snapshot", "verify", dir, "--json"}, 2},
		{"snapshot two directories", []string{"snapshot", "repair", dir, dir}, 2},
		{"snapshot help", []string{"snapshot", "--help"}, 0},
		{"snapshot inspect help", []string{"snapshot", "inspect", "-h"}, 0},
		{"backup unknown flag", []string{"backup", "--to", dir + "/x.tar", "--bogus"}, 2},
		{"backup argument", []string{"backup", "--to", dir + "/x.tar", "extra"}, 2},
		{"backup help", []string{"backup", "-h"}, 0},
		{"restore unknown flag", []string{"restore", "--from", dir + "/x.tar", "--bogus"}, 2},
		{"restore help", []string{"restore", "--help"}, 0},
		{"version flag", []string{"version", "--short"}, 2},
		{"version argument", []string{"version", "now"}, 2},
		{"unknown command", []string{"--bogus"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, _ := dispatchOut(t, tt.args...); code != tt.wCode {
				t.Errorf("exit status %d, want %d", code, tt.wCode)
			}
		})
	}
}

func TestDispatch_Version(t *testing.T) {
	code, out, _ := dispatchOut(t, "version")
	if code != 0 || !strings.HasPrefix(out, "allot ") || !strings.Contains(out, "\nrevision: ") ||
		!strings.Contains(out, "\ntime: ") {
		t.Errorf("exit status %d, output %q: want the version, revision and time", code, out)
	}
	if strings.HasPrefix(out, "allot dev\n") {
		t.Errorf("output %q: the build info was not read", out)
	}
}

func TestVersionText(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "376681ddcb9c"},
		{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}
	tests := []struct {
		name   string
		linker string
		bi     *debug.BuildInfo
		ok     bool
		want   []string
	}{
		{"no build info", "dev", nil, false,
			[]string{"allot unknown\n", "revision: unknown (built without VCS", "time:     unknown ("}},
		{"go run", "dev", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "allot", Version: "(devel)"}}, true,
			[]string{"allot (devel): built from a source tree, not a tagged release\n", "revision: unknown", "go:       go1.26.8\n"}},
		{"go build in a checkout", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260102030405-376681ddcb9c+dirty"},
			Settings: vcs}, true,
			[]string{"allot v0.0.0-20260102030405-376681ddcb9c+dirty\n", "revision: 376681ddcb9c (with uncommitted changes)\n",
				"time:     2026-01-02T03:04:05Z\n"}},
		{"release", "v1.4.0", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: vcs[:3]}, true,
			[]string{"allot v1.4.0\n", "module:   v1.4.0\n", "revision: 376681ddcb9c\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := versionText(tt.linker, tt.bi, tt.ok)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("versionText = %q, want it to contain %q", got, w)
				}
			}
		})
	}
}
