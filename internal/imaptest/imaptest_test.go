package imaptest

import (
	"net/url"
	"strings"
	"testing"
)

func TestStartDeliverMessages(t *testing.T) {
	d := Start(t, false)
	if got := d.Messages(t, "Bounces"); len(got) != 0 {
		t.Fatalf("a missing folder holds %d messages", len(got))
	}
	d.Deliver(t, "Bounces", []byte("Subject: one\r\n\r\nfirst\r\n"), []byte("Subject: two\r\n\r\nsecond\r\n"))
	got := d.Messages(t, "Bounces")
	if len(got) != 2 || !strings.Contains(string(got[0]), "first") || !strings.Contains(string(got[1]), "second") {
		t.Fatalf("messages = %q", got)
	}
	u, err := url.Parse(d.URL("Bounces"))
	if err != nil || u.Scheme != "imap" || u.Query().Get("tls") != "none" || u.Host != d.PlainAddr || u.Path != "/Bounces" {
		t.Errorf("URL = %v, %v", u, err)
	}
	if pw, _ := u.User.Password(); pw != Password || u.User.Username() != User {
		t.Errorf("URL's credentials = %v", u.User)
	}
}
