package mailer_test

// What judging a refusal costs, next to sending a mail (BenchmarkSend):
//
//	go test -run '^$' -bench 'Classify|Send' -count 6 ./newsletter/mailer/

import (
	"testing"

	"github.com/satina/newsletter/newsletter/mailer"
)

func BenchmarkClassify(b *testing.B) {
	cases := append(append([]replyCase(nil), providerReplies...), mtaReplies...)
	type args struct {
		stage    mailer.Stage
		code     int
		enhanced string
		text     string
	}
	parsed := make([]args, len(cases))
	for i, tc := range cases {
		re := mailer.ParseReply(tc.stage, tc.reply, rcpt)
		parsed[i] = args{tc.stage, re.Code, re.Enhanced, re.Text}
	}
	// Classify alone: the verdict on a reply already split up.
	b.Run("verdict", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			a := parsed[i%len(parsed)]
			_ = mailer.Classify(a.stage, a.code, a.enhanced, a.text)
		}
	})
	// The whole path Send takes on a refusal: split the reply, join its
	// lines, mask the address, classify.
	b.Run("reply", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			tc := cases[i%len(cases)]
			_ = mailer.ParseReply(tc.stage, tc.reply, rcpt)
		}
	})
}
