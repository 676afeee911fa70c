package token

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestVERPTagRoundTrip(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	tag, err := s.VERPTag(TagBounce, "0a1b2c3d4e5f6789", "step:guide/01-guide.md@1")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z2-7]+$`).MatchString(tag[len(tag)-20:]) || len(tag) != 37 {
		t.Errorf("tag %q: want 37 characters of [a-z0-9]", tag)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`).MatchString(tag) {
		t.Errorf("tag %q does not fit bounce's tagged-address pattern", tag)
	}
	for _, spelled := range []string{tag, strings.ToUpper(tag)} { // a server may fold the case
		got, err := s.VERPVerify(spelled)
		if err != nil {
			t.Fatalf("verify %q: %v", spelled, err)
		}
		want := Tag{Kind: TagBounce, Subscriber: "0a1b2c3d4e5f6789", Mail: MailHash("step:guide/01-guide.md@1")}
		if got != want {
			t.Errorf("verify %q = %+v, want %+v", spelled, got, want)
		}
	}
	unsub, _ := s.VERPTag(TagUnsubscribe, "0a1b2c3d4e5f6789", "step:guide/01-guide.md@1")
	if unsub[1:len(unsub)-16] != tag[1:len(tag)-16] || unsub[0] != 'u' || unsub == tag {
		t.Errorf("unsubscribe tag %q and bounce tag %q should differ in kind and MAC only", unsub, tag)
	}
	if got, err := s.VERPVerify(unsub); err != nil || got.Kind != TagUnsubscribe {
		t.Errorf("unsubscribe tag: %+v, %v", got, err)
	}
	if MailHash("letter:a") == MailHash("letter:b") {
		t.Error("two ledger keys with one mail hash")
	}
}

func TestVERPVerifyRefuses(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	other := NewSigner([]byte("another key, also 32 bytes long!"))
	tag, _ := s.VERPTag(TagBounce, "0a1b2c3d4e5f6789", "letter:l1")
	foreign, _ := other.VERPTag(TagBounce, "0a1b2c3d4e5f6789", "letter:l1")
	// Another subscriber's id with this tag's MAC: a forgery.
	swapped := tag[:1] + "0a1b2c3d4e5f6788" + tag[17:]
	// The kind changed: an unsubscribe cannot be made from a bounce tag.
	rekinded := "u" + tag[1:]
	// A link token is no tag.
	link := s.Sign(Unsubscribe, "0a1b2c3d4e5f6789", time.Time{})
	for _, c := range []struct {
		name, tag string
		want      error
	}{
		{"other key", foreign, ErrSignature},
		{"other subscriber", swapped, ErrSignature},
		{"other kind", rekinded, ErrSignature},
		{"empty", "", ErrMalformed},
		{"too short", tag[:21], ErrMalformed},
		{"unknown kind", "x" + tag[1:], ErrMalformed},
		{"not base32", tag[:len(tag)-1] + "1", ErrMalformed},
		{"punctuation in the id", tag[:3] + "-" + tag[4:], ErrMalformed},
		{"too long", "b" + strings.Repeat("a", 40) + tag[len(tag)-20:], ErrMalformed},
		{"a link token", link, ErrMalformed},
	} {
		if _, err := s.VERPVerify(c.tag); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	for _, id := range []string{"", "UPPER", "with-dash", strings.Repeat("a", 33)} {
		if _, err := s.VERPTag(TagBounce, id, "k"); !errors.Is(err, ErrMalformed) {
			t.Errorf("VERPTag(%q): %v, want ErrMalformed", id, err)
		}
	}
	if _, err := s.VERPTag('x', "abc", "k"); !errors.Is(err, ErrMalformed) {
		t.Errorf("unknown kind: %v", err)
	}
}

// FuzzVERPVerify: any string is refused or names a tag this key made.
func FuzzVERPVerify(f *testing.F) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	good, _ := s.VERPTag(TagUnsubscribe, "0a1b2c3d4e5f6789", "confirm:1")
	for _, seed := range []string{good, strings.ToUpper(good), "", "b", good + "a", "b\x00" + good[2:]} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		got, err := s.VERPVerify(tag)
		if err != nil {
			return
		}
		again, err := s.VERPTag(got.Kind, got.Subscriber, "")
		if err != nil || len(again) != len(tag) {
			t.Fatalf("verified %q as %+v, which VERPTag cannot make: %v", tag, got, err)
		}
	})
}
