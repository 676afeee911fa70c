package compose

// One letter composed for one recipient, through a plan (plan.go) and
// through the full rendering it stands in for:
//
//	go test -run '^$' -bench 'Compose' -count 6 ./newsletter/

import (
	"fmt"
	"testing"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
)

func BenchmarkComposeLetter(b *testing.B) {
	c := planComposer("https://letters.example.org")
	l := &newsletter.Letter{ID: "0123456789abcdef", Subject: "On rest", Markdown: testkit.SampleLetter}
	for _, way := range []string{"planned", "full"} {
		b.Run(way, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				sub := &newsletter.Subscriber{ID: fmt.Sprintf("%016x", i), Email: fmt.Sprintf("reader%d@example.org", i), Name: "Anna", Status: newsletter.StatusConfirmed}
				var err error
				if way == "planned" {
					_, err = c.Letter(sub, l)
				} else {
					_, err = fullLetter(c, sub, l)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
