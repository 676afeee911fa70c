package bounce

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testReturnPath = "bounces@example.org"

// corpus is what each sample in testdata/ must read as.
var corpus = []struct {
	file        string
	kind        Kind
	tag, source string
	recipient   string
	status      string
	code        int
	fault       bool
	origID      string
}{
	{"postfix-user-unknown.eml", Permanent, "b1-Hq7vT2xLm9_aP4", TagFromEnvelope, "anna.k@example.com", "5.1.1", 550, true, "n1.7c1e0b9a4f2d@example.org"},
	{"postfix-delayed.eml", Temporary, "b2-Lr4cN8wQy1_sD6", TagFromEnvelope, "ben.m@example.net", "4.4.1", 0, false, "n2.88aa01f3c2@example.org"},
	{"sendmail-dsn.eml", Permanent, "b3-Wd2pK7vR0x_Ym3", TagFromReturnPath, "carla.n@example.com", "5.1.1", 550, true, "n3.3f0c2d1e77@example.org"},
	{"sendmail-text.eml", Permanent, "b4-Fj6sE1rTq8_Ua0", TagFromEnvelope, "dora.p@old.example.net", "5.1.1", 550, true, "n4.0b9e8d7c6a@example.org"},
	{"qmail.eml", Permanent, "b5-Px3mA9cVz2_Lk7", TagFromEnvelope, "emil.r@example.net", "5.1.1", 550, true, "n5.5d4c3b2a19@example.org"},
	{"exim-user-unknown.eml", Permanent, "b6-Cv5nH2jKw4_Rt1", TagFromEnvelope, "frida.s@example.com", "5.1.1", 550, true, "n6.1a2b3c4d5e@example.org"},
	{"exim-policy-5.7.1.eml", Permanent, "b7-Mn0bG6fDs3_Hy8", TagFromEnvelope, "greta.t@example.net", "5.7.1", 550, false, "n7.9f8e7d6c5b@example.org"},
	{"exim-delay-warning.eml", Temporary, "b8-Ks9tY4uIo7_Ve2", TagFromEnvelope, "hanna.w@example.net", "4.7.1", 451, false, ""},
	{"gmail-address-not-found.eml", Permanent, "b9-Gh1rW5eXn6_Qa3", TagFromEnvelope, "ida.vk@example.com", "5.1.1", 550, true, "n9.aa11bb22cc@example.org"},
	{"gmail-text-failure.eml", Permanent, "b10-Jk2lZ7xCv8_Wm5", TagFromEnvelope, "jonas.q@example.net", "5.1.1", 550, true, "n10.6e5d4c3b2a@example.org"},
	{"gmail-delay.eml", Temporary, "b11-Qw3eR8tYu9_Io6", TagFromEnvelope, "karl.l@example.com", "", 0, false, "n11.0f1e2d3c4b@example.org"},
	{"office365-recipient-not-found.eml", Permanent, "b12-Zx4cV9bNm0_As7", TagFromEnvelope, "lena.o@example.com", "5.1.10", 550, true, "n12.1b2c3d4e5f@example.org"},
	{"office365-blocked.eml", Permanent, "b13-Cv6bN1mQw2_Er9", TagFromEnvelope, "mia.j@outlook.example.com", "5.7.708", 550, false, "n13.2c3d4e5f6a@example.org"},
	{"exchange-text.eml", Permanent, "b14-Rt7yU2iOp3_Df0", TagFromEnvelope, "nils.h@corp.example.com", "5.1.1", 550, true, "n14.3d4e5f6a7b@example.org"},
	{"yahoo-text.eml", Permanent, "b15-Yu8iO3pAs4_Fg1", TagFromEnvelope, "olga.f@yahoo.example.com", "", 554, true, "n15.4e5f6a7b8c@example.org"},
	{"arf-aol.eml", Complaint, "b16-Op1aS5dFg6_Hj3", TagFromReturnPath, "", "", 0, false, "n16.5f6a7b8c9d@example.org"},
	{"arf-yahoo.eml", Complaint, "b17-Uv3wX7yZa8_Bc5", TagFromReturnPath, "paula.e@yahoo.example.com", "", 0, false, "n17.6a7b8c9d0e@example.org"},
	{"arf-microsoft-jmrp.eml", Complaint, "u18-Mn5oP9qRs0_Tu7", TagFromListUnsubscribe, "quinn.d@hotmail.example.com", "", 0, false, "n18.7b8c9d0e1f@example.org"},
	{"vacation-auto-submitted.eml", Unknown, "b19-Vw6xY0zAb1_Cd8", TagFromEnvelope, "", "", 0, false, ""},
	{"vacation-exchange.eml", Unknown, "b20-Ef7gH1iJk2_Lm9", TagFromEnvelope, "", "", 0, false, ""},
	{"unsubscribe.eml", Unsubscribe, "u21-Gh8iJ2kLm3_No0", TagFromEnvelope, "sara.b@example.net", "", 0, false, ""},
	{"unsubscribe-plain.eml", Unsubscribe, "u22-Pq9rS3tUv4_Wx1", TagFromEnvelope, "theo.v@example.com", "", 0, false, ""},
	{"dsn-relayed-success.eml", Unknown, "b23-Yz0aB4cDe5_Fg2", TagFromEnvelope, "uwe.z@example.com", "2.0.0", 0, false, ""},
	{"untagged-other.eml", Unknown, "", "", "", "", 0, false, ""},
}

func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(corpus) {
		t.Errorf("testdata has %d samples, the table %d: keep them in step", len(files), len(corpus))
	}
	p, err := NewParser(testReturnPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range corpus {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			r, err := p.Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if r.Kind != c.kind {
				t.Errorf("Kind = %v, want %v (diagnostic %q)", r.Kind, c.kind, r.Diagnostic)
			}
			if r.Tag != c.tag || r.TagSource != c.source {
				t.Errorf("Tag = %q from %q, want %q from %q", r.Tag, r.TagSource, c.tag, c.source)
			}
			if r.Recipient != c.recipient {
				t.Errorf("Recipient = %q, want %q", r.Recipient, c.recipient)
			}
			if r.Status != c.status || r.Code != c.code {
				t.Errorf("Status, Code = %q, %d, want %q, %d (diagnostic %q)", r.Status, r.Code, c.status, c.code, r.Diagnostic)
			}
			if r.AddressFault() != c.fault {
				t.Errorf("AddressFault = %v, want %v (status %q, code %d, diagnostic %q)", r.AddressFault(), c.fault, r.Status, r.Code, r.Diagnostic)
			}
			if r.OriginalMessageID != c.origID {
				t.Errorf("OriginalMessageID = %q, want %q", r.OriginalMessageID, c.origID)
			}
			if len(r.Diagnostic) > MaxDiagnostic || strings.ContainsAny(r.Diagnostic, "\r\n") {
				t.Errorf("Diagnostic not one bounded line: %q", r.Diagnostic)
			}
			if (r.Kind == Permanent || r.Kind == Temporary) && r.Diagnostic == "" {
				t.Error("a bounce without a Diagnostic")
			}
		})
	}
}

func TestOriginalHeadersKept(t *testing.T) {
	raw, err := os.ReadFile("testdata/arf-yahoo.eml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(raw, testReturnPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Original.Get("List-Unsubscribe"); !strings.Contains(got, "bounces+u17-De4fG8hIj9_Kl6@example.org") {
		t.Errorf("Original List-Unsubscribe = %q", got)
	}
	if r.FeedbackType != "abuse" {
		t.Errorf("FeedbackType = %q, want abuse", r.FeedbackType)
	}
}

func TestOtherReturnPathFindsNoTag(t *testing.T) {
	raw, err := os.ReadFile("testdata/qmail.eml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(raw, "bounces@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if r.Tag != "" || r.Kind != Permanent {
		t.Errorf("got tag %q kind %v, want no tag, permanent", r.Tag, r.Kind)
	}
}

func TestNewParserRejects(t *testing.T) {
	for _, rp := range []string{"", "bounces", "Bounces <bounces@example.org>", "a@b, c@d", "@example.org"} {
		if _, err := NewParser(rp); err == nil {
			t.Errorf("NewParser(%q) accepted", rp)
		}
	}
}

func TestMalformed(t *testing.T) {
	for _, raw := range []string{"", "\r\n\r\nbody only", "no header here\n\nbody", " folded first\n"} {
		_, err := Parse([]byte(raw), testReturnPath)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q) error = %v, want ErrMalformed", raw, err)
		}
	}
}

func TestTagBoundaries(t *testing.T) {
	p, err := NewParser(testReturnPath)
	if err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]string{
		"<bounces+abc_D-1@example.org>":          "abc_D-1",
		"BOUNCES+abc@EXAMPLE.ORG":                "abc",
		"xbounces+abc@example.org":               "",
		"bounces+abc@example.org.evil.example":   "",
		"bounces+abc@example.organic":            "",
		"write to bounces+abc@example.org.":      "abc",
		"bounces+a.b@example.org":                "",
		"bounces@example.org":                    "",
		"mailto:bounces+u9-x@example.org?subj=1": "u9-x",
	} {
		if got := p.tagIn(s); got != want {
			t.Errorf("tagIn(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestAddressFault(t *testing.T) {
	for _, c := range []struct {
		r    Report
		want bool
	}{
		{Report{Kind: Permanent, Status: "5.1.1"}, true},
		{Report{Kind: Permanent, Status: "5.1.10"}, true},
		{Report{Kind: Permanent, Status: "5.2.1"}, true},
		{Report{Kind: Permanent, Status: "5.2.2"}, false},
		{Report{Kind: Permanent, Status: "5.1.8"}, false},
		{Report{Kind: Permanent, Status: "5.1.90"}, false},
		{Report{Kind: Permanent, Status: "5.1.1", Diagnostic: "550 5.1.1 sender address rejected"}, false},
		{Report{Kind: Permanent, Code: 550, Diagnostic: "550 Client host [192.0.2.1] blocked using zen"}, false},
		{Report{Kind: Permanent, Code: 550, Recipient: "policy@example.com", Diagnostic: "550 <policy@example.com>: no such user"}, true},
		{Report{Kind: Permanent, Status: "5.7.1", Code: 550}, false},
		{Report{Kind: Permanent, Status: "5.0.0", Code: 550}, true},
		{Report{Kind: Permanent, Code: 553}, true},
		{Report{Kind: Permanent, Code: 554}, false},
		{Report{Kind: Permanent, Code: 554, Diagnostic: "554 no such user here"}, true},
		{Report{Kind: Permanent, Code: 550, Diagnostic: "550 Relay access denied"}, false},
		{Report{Kind: Temporary, Status: "4.1.1"}, false},
		{Report{Kind: Complaint}, false},
	} {
		if got := c.r.AddressFault(); got != c.want {
			t.Errorf("%+v: AddressFault = %v, want %v", c.r, got, c.want)
		}
	}
	var nilReport *Report
	if nilReport.AddressFault() {
		t.Error("nil report is an address fault")
	}
}

func TestCapsMessageSize(t *testing.T) {
	raw, err := os.ReadFile("testdata/qmail.eml")
	if err != nil {
		t.Fatal(err)
	}
	big := append(raw, make([]byte, MaxMessageBytes+1000)...)
	r, err := Parse(big, testReturnPath)
	if err != nil || r.Kind != Permanent {
		t.Fatalf("Parse of an oversized bounce = %+v, %v; want a permanent report", r, err)
	}
}

// TestLineEndings: CRLF (as IMAP serves mail), LF and the bare CR of old
// Mac mail all read the same.
func TestLineEndings(t *testing.T) {
	for _, c := range corpus {
		raw, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		lf := strings.ReplaceAll(string(raw), "\r\n", "\n")
		for name, text := range map[string]string{
			"crlf": strings.ReplaceAll(lf, "\n", "\r\n"),
			"lf":   lf,
			"cr":   strings.ReplaceAll(lf, "\n", "\r"),
		} {
			r, err := Parse([]byte(text), testReturnPath)
			if err != nil {
				t.Errorf("%s %s: %v", c.file, name, err)
				continue
			}
			if r.Kind != c.kind || r.Tag != c.tag || r.Recipient != c.recipient || r.Status != c.status || r.OriginalMessageID != c.origID {
				t.Errorf("%s %s: got %v %q %q %q %q", c.file, name, r.Kind, r.Tag, r.Recipient, r.Status, r.OriginalMessageID)
			}
		}
	}
}
