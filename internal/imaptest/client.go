package imaptest

import (
	"net/url"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// URL is BOUNCE_MAILBOX for folder on this server, in plain text
// (imap://…?tls=none), the user name and password percent-encoded.
func (d *Server) URL(folder string) string {
	u := url.URL{Scheme: "imap", User: url.UserPassword(User, Password), Host: d.PlainAddr, Path: "/" + folder, RawQuery: "tls=none"}
	return u.String()
}

// login opens a client of the test's own, in plain text.
func (d *Server) login(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(d.PlainAddr, nil)
	if err != nil {
		t.Fatalf("imaptest: dial %s: %v", d.PlainAddr, err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(User, Password).Wait(); err != nil {
		t.Fatalf("imaptest: login: %v\n%s", err, d.Log())
	}
	return c
}

// Deliver appends msgs to folder, creating it first when needed.
func (d *Server) Deliver(t testing.TB, folder string, msgs ...[]byte) {
	t.Helper()
	c := d.login(t)
	defer c.Logout()
	if folder != "INBOX" {
		_ = c.Create(folder, nil).Wait() // exists already: fine
	}
	for _, m := range msgs {
		cmd := c.Append(folder, int64(len(m)), nil)
		if _, err := cmd.Write(m); err != nil {
			t.Fatalf("imaptest: append: %v", err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatalf("imaptest: append: %v", err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatalf("imaptest: append: %v\n%s", err, d.Log())
		}
	}
}

// Messages returns the messages in folder (those marked \Deleted but not
// yet expunged included), oldest first; none when the folder is missing.
func (d *Server) Messages(t testing.TB, folder string) [][]byte {
	t.Helper()
	c := d.login(t)
	defer c.Logout()
	mbox, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil || mbox.NumMessages == 0 {
		return nil
	}
	var all imap.SeqSet
	all.AddRange(1, mbox.NumMessages)
	msgs, err := c.Fetch(all, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil {
		t.Fatalf("imaptest: fetch: %v", err)
	}
	var out [][]byte
	for _, m := range msgs {
		for _, b := range m.BodySection {
			out = append(out, b.Bytes)
		}
	}
	return out
}
