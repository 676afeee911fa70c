package newsletter

import (
	"testing"
	"time"
)

// BenchmarkLoadLocation: a signup's time zone check, uncached (as
// time.LoadLocation reads and parses the zone each time) and cached.
func BenchmarkLoadLocation(b *testing.B) {
	b.Run("time.LoadLocation", func(b *testing.B) {
		for b.Loop() {
			if _, err := time.LoadLocation("Europe/Berlin"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if _, err := loadLocation("Europe/Berlin"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
