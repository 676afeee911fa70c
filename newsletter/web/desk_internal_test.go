package web

import (
	"testing"
	"time"

	"github.com/satina/newsletter/sequences"
)

func TestFormatAfter(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 90 * time.Minute: "1h30m", 2 * time.Hour: "2h", 45 * time.Minute: "45m", 30 * time.Second: "30s",
		72 * time.Hour: "3d", 14 * 24 * time.Hour: "2w", 36 * time.Hour: "36h",
	} {
		if got := formatAfter(d); got != want {
			t.Errorf("formatAfter(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestStepWhen(t *testing.T) {
	days, _ := sequences.ParseDays("mon-fri")
	win := sequences.Window{Start: 8 * time.Hour, End: 11 * time.Hour}
	for _, c := range []struct {
		i    int
		st   sequences.Step
		want string
	}{
		{0, sequences.Step{}, "As soon as they confirm"},
		{0, sequences.Step{After: 72 * time.Hour}, "3 days after they confirm"},
		{1, sequences.Step{}, "Right after the previous letter"},
		{2, sequences.Step{After: 7 * 24 * time.Hour, Window: &win, Days: days},
			"1 week after the previous letter, between 08:00 and 11:00, on mon, tue, wed, thu, fri in the reader's time zone"},
		{1, sequences.Step{After: 90 * time.Minute}, "1h30m after the previous letter"},
	} {
		if got := stepWhen(c.i, &c.st); got != c.want {
			t.Errorf("stepWhen(%d, %+v) = %q, want %q", c.i, c.st, got, c.want)
		}
	}
}
