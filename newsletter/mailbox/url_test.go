package mailbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Config
	}{
		{"imaps://bounces%40example.org:s3cret@imap.example.org/Bounces",
			Config{Addr: "imap.example.org:993", Username: "bounces@example.org", Password: "s3cret", Folder: "Bounces", Security: ImplicitTLS}},
		{"imaps://bounces@example.org:s3cret@imap.example.org:1993/",
			Config{Addr: "imap.example.org:1993", Username: "bounces@example.org", Password: "s3cret", Folder: "INBOX", Security: ImplicitTLS}},
		{"imap://bob:p%2Fw%3F%23%25@mail.example.org/INBOX/Bounces",
			Config{Addr: "mail.example.org:143", Username: "bob", Password: "p/w?#%", Folder: "INBOX/Bounces", Security: StartTLS}},
		{"imap://bob:pw@mail.example.org/Bounces?tls=starttls",
			Config{Addr: "mail.example.org:143", Username: "bob", Password: "pw", Folder: "Bounces", Security: StartTLS}},
		{"imap://bob:pw@127.0.0.1:10143/Bounces?tls=none",
			Config{Addr: "127.0.0.1:10143", Username: "bob", Password: "pw", Folder: "Bounces", Security: NoTLS}},
		{"IMAPS://bob:pw@[::1]/B%C3%BCro",
			Config{Addr: "[::1]:993", Username: "bob", Password: "pw", Folder: "Büro", Security: ImplicitTLS}},
	} {
		got, err := ParseURL(c.in)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", c.in, err)
			continue
		}
		if got.Addr != c.want.Addr || got.Username != c.want.Username || got.Password != c.want.Password ||
			got.Folder != c.want.Folder || got.Security != c.want.Security {
			t.Errorf("ParseURL(%q) = %+v / %q %q, want %+v", c.in, got, got.Username, got.Password, c.want)
		}
	}
}

func TestParseURLRejects(t *testing.T) {
	const secret = "Hunter2-secret"
	for _, in := range []string{
		"",
		"https://bob:" + secret + "@example.org/Bounces",
		"imaps://example.org/Bounces",
		"imaps://bob@example.org/Bounces",
		"imaps://bob:@example.org/Bounces",
		"imaps://bob:" + secret + "@/Bounces",
		"imaps://bob:" + secret + "@example.org:99999/Bounces",
		"imaps://bob:" + secret + "@example.org:port/Bounces",
		"imaps://bob:" + secret + "@example.org/Bounces?tls=none",
		"imap://bob:" + secret + "@example.org/Bounces?tls=maybe",
		"imap://bob:" + secret + "@example.org/Bounces?tls=none&tls=none",
		"imap://bob:" + secret + "@example.org/Bounces?folder=x",
		"imap://bob:" + secret + "@example.org/Bounces#frag",
		"imap://bob:" + secret + "@exa mple.org/Bounces",
		"imap://bob:" + secret + "%zz@example.org/Bounces",
		"imap://bob:" + secret + "@example.org/Bou%0Ances",
		"imap:bob:" + secret,
	} {
		_, err := ParseURL(in)
		if err == nil {
			t.Errorf("ParseURL(%q) accepted", in)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "Hunter2") {
			t.Errorf("ParseURL(%q) error shows the password: %v", in, err)
		}
	}
}

func TestConfigNeverShowsPassword(t *testing.T) {
	c, err := ParseURL("imap://bounces%40example.org:Hunter2-secret@imap.example.org/Bounces?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "cfg", c, "ptr", &c)
	js, _ := json.Marshal(c)
	for _, s := range []string{
		c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c), fmt.Sprintf("%+v", &c),
		logs.String(), string(js),
	} {
		if strings.Contains(s, "Hunter2") || strings.Contains(s, "bounces@example.org") {
			t.Errorf("shows the password or the whole user name: %s", s)
		}
	}
	if want := "imap://b***@example.org@imap.example.org:143/Bounces?tls=none"; c.String() != want {
		t.Errorf("String() = %q, want %q", c.String(), want)
	}
}

func TestMaskUser(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"bob":                 "b***",
		"bounces@example.org": "b***@example.org",
		"@example.org":        "***@example.org",
		"ümit@example.org":    "ü***@example.org",
	} {
		if got := MaskUser(in); got != want {
			t.Errorf("MaskUser(%q) = %q, want %q", in, got, want)
		}
	}
}
