package config

import (
	"strings"
	"testing"
)

// TestAuthorTZ: AUTHOR_TZ is DEFAULT_TZ when unset, the zone named when
// set, and a name that is not a zone stops the start, naming AUTHOR_TZ.
func TestAuthorTZ(t *testing.T) {
	t.Setenv("DEFAULT_TZ", "America/New_York")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.AuthorTZ.String() != "America/New_York" {
		t.Errorf("unset: AuthorTZ %v, want DEFAULT_TZ's America/New_York", c.AuthorTZ)
	}
	t.Setenv("AUTHOR_TZ", "Europe/Berlin")
	if c, err = Load(); err != nil || c.AuthorTZ.String() != "Europe/Berlin" || c.DefaultTZ.String() != "America/New_York" {
		t.Errorf("set: %v, %v", c, err)
	}
	for _, bad := range []string{"Mars/Olympus", "Local", "+02:00"} {
		t.Setenv("AUTHOR_TZ", bad)
		if _, err := Load(); err == nil || !strings.HasPrefix(err.Error(), "AUTHOR_TZ: ") {
			t.Errorf("AUTHOR_TZ=%s: %v", bad, err)
		}
	}
}
