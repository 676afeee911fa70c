package sequences

import (
	"testing"
	"testing/fstest"
)

// TestAfterDays: an `after` of whole days is reported in days, as the
// scheduler counts it on the subscriber's calendar; anything else is not.
func TestAfterDays(t *testing.T) {
	cases := []struct {
		after string
		days  int
		ok    bool
	}{
		{"7d", 7, true},
		{"1w", 7, true},
		{"1w2d", 9, true},
		{"3d", 3, true},
		{"48h", 2, true}, // the same span as 2d
		{"36h", 0, false},
		{"1.5d", 0, false},
		{"2d12h", 0, false},
		{"90m", 0, false},
		{"0s", 0, false},
	}
	for _, tc := range cases {
		set, err := Load(fstest.MapFS{
			"s/01-a.md": {Data: []byte("---\nsubject: Hi\nafter: " + tc.after + "\n---\nHello\n")},
		})
		if err != nil {
			t.Fatalf("after: %s: %v", tc.after, err)
		}
		q, _ := set.Get("s")
		if days, ok := q.Steps[0].AfterDays(); days != tc.days || ok != tc.ok {
			t.Errorf("after: %s: AfterDays() = %d, %v; want %d, %v", tc.after, days, ok, tc.days, tc.ok)
		}
	}
}
