package mailer_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/mailer"
)

// TestOutboxIsReadable: a dev-mode .eml shows a long link whole (no
// quoted-printable soft breaks), and each file written is logged with its
// path and subject, never the address or a link.
func TestOutboxIsReadable(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	tr, err := mailer.New(mailer.Config{OutboxDir: dir, From: "Satina <letters@example.org>",
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	link := "http://localhost:8080/confirm/" + strings.Repeat("AbC123-_", 12) + ".k3x9d0"
	m := &newsletter.Message{To: "reader@example.org", Subject: "Please confirm — your guide",
		Text: "Dear Fellow Humans,\n\nconfirm here: " + link + "\n", HTML: `<p><a href="` + link + `">Confirm</a></p>`}
	s := tr.NewSender()
	defer s.Close()
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("outbox holds %v, want one .eml", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(link)) {
		t.Errorf("the .eml does not show the link whole:\n%s", b)
	}
	if !bytes.Contains(b, []byte("Content-Transfer-Encoding: 8bit")) {
		t.Errorf("the .eml bodies are not 8bit")
	}
	log := logs.String()
	if !strings.Contains(log, files[0]) || !strings.Contains(log, "Please confirm") {
		t.Errorf("log %q lacks the file's path or subject", log)
	}
	if strings.Contains(log, "reader@example.org") || strings.Contains(log, "/confirm/") {
		t.Errorf("log %q holds the address or a link", log)
	}
}
