package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/satina/newsletter/internal/smtptest"
)

// admin calls the admin API of s with a JSON body (nil for none) and
// decodes a JSON answer into out (nil to ignore it). It returns the status.
func (s *process) admin(method, path string, body, out any) int {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer admin-secret-for-the-tests")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return res.StatusCode
}

// importConfirmed imports the addresses as confirmed subscribers in no
// sequence, through POST /admin/api/subscribers.
func (s *process) importConfirmed(emails []string) {
	s.t.Helper()
	type row struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		Status   string `json:"status"`
		Sequence string `json:"sequence"`
	}
	rows := make([]row, len(emails))
	for i, e := range emails {
		rows[i] = row{Email: e, Name: fmt.Sprint("Reader ", i), Status: "confirmed"}
	}
	var res struct {
		Imported int
		Skipped  int
		Errors   []any
	}
	if code := s.admin("POST", "/admin/api/subscribers", map[string]any{"subscribers": rows}, &res); code != http.StatusOK {
		s.t.Fatalf("import: status %d", code)
	}
	if res.Imported != len(emails) || len(res.Errors) > 0 {
		s.t.Fatalf("import of %d: %+v", len(emails), res)
	}
}

// sendLetterNow schedules a letter due at once and returns its id. The
// send time carries fractions of a second: every subscriber imported
// before the call is confirmed at send_at and so a recipient.
func (s *process) sendLetterNow(subject string) string {
	s.t.Helper()
	var created struct{ ID string }
	code := s.admin("POST", "/admin/api/letters", map[string]any{
		"subject": subject, "markdown": "Dear {{ .FirstName }},\n\nThis is the letter.\n\nLeave: {{ .UnsubscribeURL }}\n",
		"send_at": time.Now().Format(time.RFC3339Nano),
	}, &created)
	if code != http.StatusCreated || created.ID == "" {
		s.t.Fatalf("create letter: status %d, id %q", code, created.ID)
	}
	return created.ID
}

func (s *process) letter(id string) letterState {
	s.t.Helper()
	var l letterState
	if code := s.admin("GET", "/admin/api/letters/"+id, nil, &l); code != http.StatusOK {
		s.t.Fatalf("GET letter %s: status %d", id, code)
	}
	return l
}

// countTo counts the messages with the subject accepted for each address.
func countTo(smtp *smtptest.Server, subject string) map[string]int {
	n := map[string]int{}
	for _, m := range smtp.Messages() {
		if m.Subject() == subject {
			n[strings.ToLower(m.To)]++
		}
	}
	return n
}

// lostAndDuplicates compares what each address got with one copy each.
func lostAndDuplicates(t *testing.T, got map[string]int, emails []string) (lost, dups int) {
	t.Helper()
	for _, e := range emails {
		switch n := got[e]; {
		case n == 0:
			lost++
			if lost <= 10 {
				t.Errorf("lost: %s got nothing", e)
			}
		case n > 1:
			dups += n - 1
			t.Logf("duplicate: %s ×%d", e, n)
		}
	}
	return lost, dups
}

// waitUntil polls cond every 20ms until it holds or timeout passes.
func waitUntil(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// waitForMail waits until the SMTP server has accepted n messages in all
// and reports whether it did within timeout; it polls tightly, so that a
// fault injected right after lands while mail is going out.
func waitForMail(smtp *smtptest.Server, n int, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); len(smtp.Messages()) < n; time.Sleep(200 * time.Microsecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// queued counts the jobs in the queue whose id starts with prefix.
func queued(t *testing.T, rdb *redis.Client, queue, prefix string) int {
	n := 0
	for _, job := range rdb.ZRange(t.Context(), queue, 0, -1).Val() {
		if strings.HasPrefix(job, prefix) {
			n++
		}
	}
	return n
}

func recipientList(n int, domain string) []string {
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("reader%04d@%s", i, domain)
	}
	return emails
}

// letterState is GET /admin/api/letters/<id>.
type letterState struct {
	ID, Subject, Status   string
	Recipients            int
	Sent, Failed, Skipped int
}
