package mailer_test

// One mail of a typical letter's size sent over a kept connection into a
// discarding SMTP server over TCP: through the mailer, and through a bare
// go-mail loop (the floor the mailer adds to).
//
//	go test -run '^$' -bench Send -count 6 ./newsletter/mailer/

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/mailer"
	"github.com/satina/newsletter/newsletter/token"
)

func sampleMessage(b *testing.B) *newsletter.Message {
	clock := newsletter.SystemClock{}
	c := &compose.Composer{Links: &compose.Links{BaseURL: "https://letters.example.org", Signer: token.NewSigner([]byte(testkit.RandomHex(32))), Clock: clock},
		PostalAddress: "1 Bench Street", CrisisLine: "Crisis? Call 988."}
	m, err := c.Letter(&newsletter.Subscriber{ID: "0123456789abcdef", Email: "reader@example.org", Name: "Anna", Status: newsletter.StatusConfirmed},
		&newsletter.Letter{ID: "fedcba9876543210", Subject: "On rest", Markdown: testkit.SampleLetter})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func BenchmarkSend(b *testing.B) {
	m := sampleMessage(b)
	b.Run("mailer", func(b *testing.B) {
		sink := smtptest.StartDiscard(b)
		tr, err := mailer.New(mailer.Config{URL: sink.URL(), From: "Satina <letters@example.org>"})
		if err != nil {
			b.Fatal(err)
		}
		s := tr.NewSender()
		defer s.Close()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			mm := *m
			mm.To = fmt.Sprintf("reader%d@example.org", i)
			if err := s.Send(context.Background(), &mm); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gomail", func(b *testing.B) {
		sink := smtptest.StartDiscard(b)
		host, port, _ := net.SplitHostPort(sink.Addr)
		p, _ := strconv.Atoi(port)
		c, err := gomail.NewClient(host, gomail.WithPort(p), gomail.WithTLSPolicy(gomail.NoTLS), gomail.WithoutNoop(), gomail.WithTimeout(30*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		conn, err := c.DialToSMTPClientWithContext(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseWithSMTPClient(conn)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
			_ = msg.From("Satina <letters@example.org>")
			_ = msg.To(fmt.Sprintf("reader%d@example.org", i))
			msg.Subject(m.Subject)
			for k, v := range m.Headers {
				msg.SetGenHeader(gomail.Header(k), v)
			}
			msg.SetBodyString(gomail.TypeTextPlain, m.Text)
			msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
			if err := c.SendWithSMTPClient(conn, msg); err != nil {
				b.Fatal(err)
			}
		}
	})
}
