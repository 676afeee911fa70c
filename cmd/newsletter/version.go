package main

import (
	"runtime/debug"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// without it, the version comes from the build's module and VCS stamps.
var version = ""

// versionString is the version, the commit it was built from when known,
// and the Go version, e.g. "v1.2.3 (commit 5c095be, go1.26.8)".
func versionString() string {
	v := version
	info, ok := debug.ReadBuildInfo()
	if !ok {
		if v == "" {
			v = "(unknown)"
		}
		return v
	}
	if v == "" {
		v = info.Main.Version
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+changes"
			}
		}
	}
	var extra []string
	if len(rev) >= 7 {
		extra = append(extra, "commit "+rev[:7]+dirty)
	}
	extra = append(extra, info.GoVersion)
	return v + " (" + strings.Join(extra, ", ") + ")"
}
