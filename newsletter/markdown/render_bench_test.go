package markdown_test

// Rendering a mail body from a letter of typical length (2.5 KB of
// Markdown, testkit.SampleLetter):
//
//	go test -run '^$' -bench . -count 6 ./newsletter/letter/

import (
	"strings"
	"testing"
	"text/template"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter/markdown"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

func sampleMarkdown(b *testing.B) string {
	var sb strings.Builder
	if err := template.Must(template.New("l").Parse(testkit.SampleLetter)).Execute(&sb, sequences.SampleData()); err != nil {
		b.Fatal(err)
	}
	return sb.String()
}

// BenchmarkRender is the whole body of one mail: HTML and text parts in
// their layouts.
func BenchmarkRender(b *testing.B) {
	md := sampleMarkdown(b)
	d := sequences.SampleData()
	frame := templates.Mail{Subject: "On rest", Preheader: "Three small practices for the days after", UnsubscribeURL: d.UnsubscribeURL,
		MeURL: d.MeURL, PostalAddress: "1 Bench Street", CrisisLine: "Crisis? Call 988."}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := markdown.Render(md, frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHTML(b *testing.B) {
	md := sampleMarkdown(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := markdown.HTML(md); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlainText(b *testing.B) {
	md := sampleMarkdown(b)
	b.ReportAllocs()
	for b.Loop() {
		markdown.PlainText(md)
	}
}
