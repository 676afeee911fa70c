package config

import (
	"strings"
	"testing"
)

// TestTransactionalURL: SMTP_URL_TRANSACTIONAL is read as a second SMTP
// URL, needs SMTP_URL, and a bad one is named without its password.
func TestTransactionalURL(t *testing.T) {
	t.Setenv("SMTP_URL", "smtp://broadcast-token:broadcast-token@smtp.example.org:587")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.TransactionalURL != "" {
		t.Errorf("unset: TransactionalURL = %q, want empty", c.TransactionalURL)
	}

	t.Setenv("SMTP_URL_TRANSACTIONAL", "smtp://outbound-token:outbound-token@smtp.example.org:587")
	if c, err = Load(); err != nil {
		t.Fatal(err)
	}
	if c.TransactionalURL != "smtp://outbound-token:outbound-token@smtp.example.org:587" || c.Mail.URL != "smtp://broadcast-token:broadcast-token@smtp.example.org:587" {
		t.Errorf("set: TransactionalURL %q, Mail.URL %q", c.TransactionalURL, c.Mail.URL)
	}

	t.Setenv("SMTP_URL_TRANSACTIONAL", "pop3://user:secret-password@smtp.example.org")
	if _, err := Load(); err == nil || !strings.HasPrefix(err.Error(), "SMTP_URL_TRANSACTIONAL: ") ||
		strings.Contains(err.Error(), "SMTP_URL: ") || strings.Contains(err.Error(), "secret-password") {
		t.Errorf("bad SMTP_URL_TRANSACTIONAL: %v", err)
	}

	t.Setenv("SMTP_URL_TRANSACTIONAL", "smtp://u:p@smtp.example.org:587")
	t.Setenv("SMTP_URL", "")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "SMTP_URL_TRANSACTIONAL needs SMTP_URL") {
		t.Errorf("SMTP_URL_TRANSACTIONAL without SMTP_URL: %v", err)
	}
}
