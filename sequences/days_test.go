package sequences

import (
	"strings"
	"testing"
	"time"
)

func TestParseDays(t *testing.T) {
	const (
		sun = 1 << time.Sunday
		mon = 1 << time.Monday
		tue = 1 << time.Tuesday
		wed = 1 << time.Wednesday
		thu = 1 << time.Thursday
		fri = 1 << time.Friday
		sat = 1 << time.Saturday
	)
	good := []struct {
		in      []string
		want    Weekdays
		printed string
	}{
		{[]string{"mon-fri"}, mon | tue | wed | thu | fri, "mon,tue,wed,thu,fri"},
		{[]string{"weekdays"}, mon | tue | wed | thu | fri, "mon,tue,wed,thu,fri"},
		{[]string{"weekends"}, sat | sun, "sat,sun"},
		{[]string{"mon,wed,fri"}, mon | wed | fri, "mon,wed,fri"},
		{[]string{"mon, wed , fri"}, mon | wed | fri, "mon,wed,fri"},
		{[]string{"mon", "wed", "fri"}, mon | wed | fri, "mon,wed,fri"},
		{[]string{"Monday", "THU"}, mon | thu, "mon,thu"},
		{[]string{"fri-mon"}, fri | sat | sun | mon, "mon,fri,sat,sun"},
		{[]string{"sun"}, sun, "sun"},
		{[]string{"mon-sun"}, 0, "every day"},
		{[]string{"every day"}, 0, "every day"},
		{[]string{"daily"}, 0, "every day"},
		{[]string{""}, 0, "every day"},
		{nil, 0, "every day"},
	}
	for _, tc := range good {
		got, err := ParseDays(tc.in...)
		if err != nil || got != tc.want {
			t.Errorf("ParseDays(%q) = %b, %v; want %b", tc.in, got, err, tc.want)
			continue
		}
		if got.String() != tc.printed {
			t.Errorf("ParseDays(%q).String() = %q, want %q", tc.in, got.String(), tc.printed)
		}
	}
	bad := []struct {
		in   []string
		want string
	}{
		{[]string{"funday"}, `invalid day "funday"`},
		{[]string{"mon-xyz"}, `invalid day "xyz"`},
		{[]string{"mon", "wednes"}, `invalid day "wednes"`},
		{[]string{"mon;wed"}, `invalid day "mon;wed"`},
		{[]string{"1"}, `invalid day "1"`},
	}
	for _, tc := range bad {
		got, err := ParseDays(tc.in...)
		if err == nil {
			t.Errorf("ParseDays(%q) = %v, want an error", tc.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseDays(%q) error %q, want it to contain %q", tc.in, err, tc.want)
		}
	}
}

func TestWeekdaysHas(t *testing.T) {
	var every Weekdays
	weekdays, _ := ParseDays("mon-fri")
	for d := time.Sunday; d <= time.Saturday; d++ {
		if !every.Has(d) {
			t.Errorf("the zero set lacks %v", d)
		}
		want := d != time.Saturday && d != time.Sunday
		if weekdays.Has(d) != want {
			t.Errorf("mon-fri Has(%v) = %v, want %v", d, !want, want)
		}
	}
}
