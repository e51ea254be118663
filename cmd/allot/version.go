package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// versionText is what `allot version` prints: the release version (the
// linker's, else the module's from the build info), the VCS revision and
// its time, and the Go that built it. What the build info lacks is said
// to be unknown, with why.
func versionText(linker string, bi *debug.BuildInfo, ok bool) string {
	if !ok {
		bi = &debug.BuildInfo{}
	}
	module := bi.Main.Version
	if module == "" {
		module = "unknown"
	}
	v := linker
	if v == "" || v == "dev" {
		v = module
	}
	if v == "(devel)" {
		v = "(devel): built from a source tree, not a tagged release"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	rev, when := settings["vcs.revision"], settings["vcs.time"]
	const noVCS = "unknown (built without VCS information: go run, go test, or -buildvcs=false)"
	if rev == "" {
		rev = noVCS
	} else if settings["vcs.modified"] == "true" {
		rev += " (with uncommitted changes)"
	}
	if when == "" {
		when = noVCS
	}
	var b strings.Builder
	fmt.Fprintf(&b, "allot %s\n", v)
	if linker != "" && linker != "dev" {
		fmt.Fprintf(&b, "module:   %s\n", module)
	}
	fmt.Fprintf(&b, "revision: %s\ntime:     %s\n", rev, when)
	if bi.GoVersion != "" {
		fmt.Fprintf(&b, "go:       %s\n", bi.GoVersion)
	}
	return b.String()
}

// releaseVersion is the version an archive's manifest records: the
// linker's when set, else the module's from the build info (with the
// revision when there is one), else "dev".
func releaseVersion() string {
	if version != "" && version != "dev" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	if v == "" {
		return "dev"
	}
	return v
}
