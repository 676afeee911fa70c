package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// fuzzServer is the whole web side on an in-process Redis (miniredis, the
// one dev mode uses), so that a fuzzer can run thousands of signups a
// second without a Redis server.
func fuzzServer(tb testing.TB) (*Server, *miniredis.Miniredis, *redisstore.Store) {
	tb.Helper()
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(mr.Close)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	tb.Cleanup(func() { rdb.Close() })
	store := redisstore.New(rdb, "fuzz:")
	set, err := sequences.Load(sequences.Builtin)
	if err != nil {
		tb.Fatal(err)
	}
	clock := newsletter.SystemClock{}
	signer := token.NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &service.Service{Store: store, Sequences: set, DefaultSequence: "guide", DefaultTZ: time.UTC, Clock: clock, Log: log}
	composer := &compose.Composer{Links: &compose.Links{BaseURL: "http://fuzz.test", Signer: signer, Clock: clock}, Sequences: set}
	s := New(Config{Service: svc, Store: store, Signer: signer, Composer: composer, Site: templates.Site{Title: "Fuzz", BaseURL: "http://fuzz.test"},
		AdminToken: "admin-secret-for-the-tests", Clock: clock, Log: log})
	return s, mr, store
}

// signupCodes are the answers POST /subscribe may give (the rate limit is
// off here).
var signupCodes = map[int]bool{
	http.StatusAccepted: true, http.StatusSeeOther: true, http.StatusBadRequest: true,
	http.StatusRequestEntityTooLarge: true, http.StatusUnsupportedMediaType: true,
	http.StatusUnprocessableEntity: true, http.StatusRequestHeaderFieldsTooLarge: true,
}

// FuzzSignup posts arbitrary bodies with arbitrary content types to
// /subscribe: the answer is one of the contract's codes with a body, never
// a 5xx, and whatever was stored is a clean one-line record.
func FuzzSignup(f *testing.F) {
	s, mr, store := fuzzServer(f)
	const jsonCT, formCT = "application/json", "application/x-www-form-urlencoded"
	for _, seed := range []struct{ ct, body string }{
		{jsonCT, `{"email":"a@example.org","consent":true}`},
		{jsonCT, `{"email":"a@example.org","name":"Ada","consent":"yes","tz":"Europe/Berlin","sequence":"guide"}`},
		{jsonCT, `{"email":"a@example.org","name":"x\r\nBcc: evil@example.org","consent":true}`},
		{jsonCT, `{"email":123,"consent":{}}`},
		{jsonCT, `[1,2]`},
		{jsonCT, `{"email":"a@example.org","consent":tr`},
		{jsonCT, `{"email":"a@example.org","consent":true,"website":"http://spam"}`},
		{jsonCT + "; charset=utf-8", "{\"email\":\"\xff@example.org\",\"consent\":1}"},
		{formCT, "email=a%40example.org&consent=on&name=Ada"},
		{formCT, "email=a%40example.org&consent=on&name=%0D%0ABcc%3A+x%40y.org"},
		{formCT, "email=%zz&consent=%"},
		{"multipart/form-data; boundary=zz", "--zz\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@example.org\r\n--zz\r\nContent-Disposition: form-data; name=\"consent\"\r\n\r\non\r\n--zz--\r\n"},
		{"multipart/form-data", "--x\r\n"},
		{"text/plain", "email=a@example.org"},
		{"", ""},
	} {
		f.Add(seed.ct, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		if strings.IndexFunc(contentType, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) >= 0 {
			return // no client can send this header; net/http refuses it
		}
		mr.FlushAll()
		req := httptest.NewRequest(http.MethodPost, "/subscribe", bytes.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		res, err := s.App().Test(req, -1)
		if err != nil {
			// The server failed before any handler ran (it once did so
			// for every broken multipart body: seed multipart-empty-part).
			t.Fatalf("no answer from the handlers: %v", err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !signupCodes[res.StatusCode] {
			t.Fatalf("status %d for Content-Type %q body %q: %.300s", res.StatusCode, contentType, body, out)
		}
		if res.StatusCode != http.StatusSeeOther && len(bytes.TrimSpace(out)) == 0 {
			t.Fatalf("status %d with an empty body", res.StatusCode)
		}
		subs, _, err := store.Subscribers(t.Context(), "", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusAccepted && res.StatusCode != http.StatusSeeOther && len(subs) > 0 {
			t.Fatalf("status %d but %d subscriber(s) stored", res.StatusCode, len(subs))
		}
		if len(subs) > 1 {
			t.Fatalf("one signup stored %d subscribers", len(subs))
		}
		for _, sub := range subs {
			if err := newsletter.CheckEmail(sub.Email); err != nil {
				t.Errorf("stored address %q: %v", sub.Email, err)
			}
			if !oneLine(sub.Name) || utf8.RuneCountInString(sub.Name) > 100 {
				t.Errorf("stored name %q is not one clean line of at most 100 characters", sub.Name)
			}
			if !oneLine(sub.TZ) || !oneLine(sub.Sequence) {
				t.Errorf("stored tz %q / sequence %q", sub.TZ, sub.Sequence)
			}
		}
	})
}

func oneLine(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

// FuzzSignupFields runs the validator alone (fast) on arbitrary field
// values: whatever it lets through is safe to store and to put in a mail
// header.
func FuzzSignupFields(f *testing.F) {
	v := newValidator()
	f.Add("a@example.org", "Ada", "on", "guide", "Europe/Berlin")
	f.Add("a@example.org\r\nBcc: evil@example.org", "x\r\nBcc: y", "true", "", "")
	f.Add(`"a b"@example.org`, "Zoë\u2028", "1", "../x", "../../etc/passwd")
	f.Add("a\u200b@exämple.org", "\x00", "yes", "g\x00", "UTC")
	f.Fuzz(func(t *testing.T, email, name, consent, sequence, tz string) {
		in := &signupInput{Email: email, Name: name, Consent: consentFlag(consent), Sequence: sequence, TZ: tz}
		errs := v.check(in)
		for field, msg := range errs {
			if strings.TrimSpace(msg) == "" {
				t.Fatalf("empty message for %s", field)
			}
		}
		if _, bad := errs["email"]; !bad {
			if err := newsletter.CheckEmail(newsletter.NormalizeEmail(email)); err != nil || !oneLine(email) {
				t.Fatalf("email %q passed the validator but not CheckEmail: %v", email, err)
			}
		}
		if _, bad := errs["name"]; !bad && (!oneLine(name) || utf8.RuneCountInString(name) > 100 || strings.ContainsAny(name, "\u2028\u2029")) {
			t.Fatalf("name %q passed the validator", name)
		}
		if _, bad := errs["consent"]; !bad && !consentFlag(consent).given() {
			t.Fatalf("consent %q passed the validator", consent)
		}
		for field, s := range map[string]string{"sequence": sequence, "tz": tz} {
			if _, bad := errs[field]; !bad && (!oneLine(s) || len(s) > 64) {
				t.Fatalf("%s %q passed the validator", field, s)
			}
		}
	})
}
