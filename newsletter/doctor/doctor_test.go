package doctor

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

func TestGoodSetupAllOK(t *testing.T) {
	k := rsaKey()
	rs := runWith(t, goodConfig("", writeKey(t, k, false)), goodZone(t, k)...)
	wantChecks := []string{CheckDKIM, CheckSPF, CheckDMARC, CheckBaseURL, CheckPostalAddress, CheckRedis}
	if len(rs) != len(wantChecks) {
		t.Fatalf("got %d results, want %d: %+v", len(rs), len(wantChecks), rs)
	}
	for i, r := range rs {
		if r.Check != wantChecks[i] {
			t.Errorf("result %d is %s, want %s", i, r.Check, wantChecks[i])
		}
		if r.Level != OK || r.Fix != "" {
			t.Errorf("%s: %s %q fix %q, want ok without a fix", r.Check, r.Level, r.Message, r.Fix)
		}
	}
	want(t, rs[0], OK, "nl1._domainkey.example.org publishes the public half of DKIM_KEY_FILE (RSA 2048-bit)")
	want(t, rs[1], OK, "lets mail.example.org (127.0.0.1) send")
	want(t, rs[2], OK, "p=quarantine")
}

func TestDevModeMakesNoDNSQueries(t *testing.T) {
	addr, z := startDNS(t)
	c := goodConfig(addr, "/nonexistent/dkim.pem")
	c.SMTPHost, c.BaseURL, c.Persistence = "", "http://localhost:8080", nil
	rs := Run(context.Background(), c)
	for _, check := range []string{CheckDKIM, CheckSPF, CheckDMARC} {
		want(t, only(t, rs, check), OK, "not sending yet")
	}
	want(t, only(t, rs, CheckBaseURL), Warn, "fine for trying things out")
	want(t, only(t, rs, CheckRedis), Warn, "embedded in-memory Redis keeps nothing")
	if n := z.queries.Load(); n != 0 {
		t.Errorf("dev mode asked the DNS server %d questions, want none", n)
	}
}

func TestMailFromAtLocalhostIsNotLookedUp(t *testing.T) {
	addr, z := startDNS(t)
	c := goodConfig(addr, "")
	c.MailFrom = "Newsletter <newsletter@localhost>"
	rs := Run(context.Background(), c)
	want(t, only(t, rs, CheckSPF), OK, "MAIL_FROM is at localhost")
	if n := z.queries.Load(); n != 0 {
		t.Errorf("asked %d questions about localhost, want none", n)
	}
}

func TestBadMailFrom(t *testing.T) {
	for _, from := range []string{"", "not an address", "Letters <letters@exa mple.org>", "Letters <letters@bücher.example>"} {
		c := goodConfig("127.0.0.1:1", "")
		c.MailFrom = from
		rs := Run(context.Background(), c)
		r := only(t, rs, CheckMailFrom)
		want(t, r, Fail, "MAIL_FROM", "Set MAIL_FROM")
		if strings.Contains(r.Message, "letters@") {
			t.Errorf("message shows the address's local part: %q", r.Message)
		}
	}
}

func TestResolverDown(t *testing.T) {
	// A UDP port with nobody behind it: every question times out or is refused.
	c := goodConfig("127.0.0.1:1", writeKey(t, newEd25519(t), false))
	c.Timeout = 100 * time.Millisecond
	rs := Run(context.Background(), c)
	for _, check := range []string{CheckDKIM, CheckSPF, CheckDMARC} {
		want(t, only(t, rs, check), Warn, "cannot tell")
	}
}

func TestSilentResolverTimesOut(t *testing.T) {
	// A UDP socket that reads every question and answers none.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on UDP 127.0.0.1: %v", err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	c := goodConfig(pc.LocalAddr().String(), writeKey(t, rsaKey(), false))
	c.Timeout = 100 * time.Millisecond
	start := time.Now()
	rs := Run(context.Background(), c)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Run took %v against a silent resolver", d)
	}
	for _, check := range []string{CheckDKIM, CheckSPF, CheckDMARC} {
		want(t, only(t, rs, check), Warn, "timeout")
	}
}

func TestServfailIsCannotTell(t *testing.T) {
	k := rsaKey()
	addr, z := startDNS(t, goodZone(t, k)...)
	z.failOn("_dmarc.example.org", "example.org")
	rs := Run(context.Background(), goodConfig(addr, writeKey(t, k, false)))
	want(t, only(t, rs, CheckDMARC), Warn, "SERVFAIL")
	want(t, only(t, rs, CheckSPF), Warn, "cannot tell")
	want(t, only(t, rs, CheckDKIM), OK, "publishes")
}

func TestTruncatedAnswerIsAskedAgainOverTCP(t *testing.T) {
	k := rsaKey()
	addr, z := startDNS(t, goodZone(t, k)...)
	z.truncate()
	rs := Run(context.Background(), goodConfig(addr, writeKey(t, k, true)))
	want(t, only(t, rs, CheckDKIM), OK, "publishes")
	want(t, only(t, rs, CheckSPF), OK, "lets mail.example.org")
	if z.tcpQueries.Load() == 0 {
		t.Error("no question came over TCP")
	}
}

func TestPrint(t *testing.T) {
	rs := []Result{
		{Check: CheckDKIM, Level: OK, Message: "all good"},
		{Check: CheckPostalAddress, Level: Warn, Message: "empty", Fix: "Set it."},
		{Check: CheckSPF, Level: Fail, Message: "no record", Fix: "Publish:\n  v=spf1 -all"},
	}
	var b bytes.Buffer
	if fails := Print(&b, rs); fails != 1 {
		t.Errorf("Print returned %d failures, want 1", fails)
	}
	wantOut := "" +
		"ok    DKIM            all good\n" +
		"warn  POSTAL_ADDRESS  empty\n" +
		"                 fix: Set it.\n" +
		"fail  SPF             no record\n" +
		"                 fix: Publish:\n" +
		"                        v=spf1 -all\n" +
		"\n1 ok, 1 warning, 1 failure\n"
	if b.String() != wantOut {
		t.Errorf("Print wrote\n%s\nwant\n%s", b.String(), wantOut)
	}
}

func TestLogSkipsOK(t *testing.T) {
	var b bytes.Buffer
	l := slog.New(slog.NewTextHandler(&b, nil))
	Log(context.Background(), l, []Result{
		{Check: CheckDKIM, Level: OK, Message: "fine"},
		{Check: CheckRedis, Level: Fail, Message: "keeps nothing", Fix: "appendonly yes"},
		{Check: CheckPostalAddress, Level: Warn, Message: "empty", Fix: "set it"},
	})
	out := b.String()
	if strings.Contains(out, "fine") || !strings.Contains(out, "level=ERROR msg=\"doctor: keeps nothing\" check=Redis") ||
		!strings.Contains(out, "level=WARN msg=\"doctor: empty\" check=POSTAL_ADDRESS") {
		t.Errorf("log:\n%s", out)
	}
}
