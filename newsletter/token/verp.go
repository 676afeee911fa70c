package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// VERP tags. Every mail to a subscriber goes out from
// <local>+<tag>@<domain> (RETURN_PATH, the envelope sender), and its
// List-Unsubscribe carries a mailto to the same form of address with
// another tag. What comes back to such an address names the subscriber
// and the mail through the tag, which only the holder of the key can make.
//
// A tag is, in lower-case base32 (a-z, 2-7; a receiving server that folds
// the case of an address breaks nothing):
//
//	<kind><subscriber id><mail: 4 characters><mac: 16 characters>
//
// kind is 'b' (the envelope sender: bounces) or 'u' (the List-Unsubscribe
// mailto); the subscriber id is the store's id (lower-case letters and
// digits); mail is 20 bits of the SHA-256 of the mail's ledger key, enough
// to tell one subscriber's mails apart; mac is the first 80 bits of
// HMAC-SHA256(key, "verp|" kind id mail). A tag for a 16-character id is
// 37 characters.

// TagKind says what a tagged address is for.
type TagKind byte

// The kinds of tag.
const (
	// TagBounce is the envelope sender's tag: bounces come back to it.
	TagBounce TagKind = 'b'
	// TagUnsubscribe is the List-Unsubscribe mailto's tag: mail to it
	// unsubscribes.
	TagUnsubscribe TagKind = 'u'
)

// Tag is what a verified VERP tag names.
type Tag struct {
	Kind       TagKind
	Subscriber string // the subscriber's id
	Mail       string // MailHash of the mail's ledger key
}

// verp is the purpose inside a tag's MAC: no link token verifies as a
// tag, nor the other way round.
const verp Purpose = "verp"

// Lengths of a tag's fixed parts, and the longest subscriber id a tag
// takes (a local part is at most 64 characters).
const (
	mailLen     = 4
	tagMACLen   = 16
	tagMACBytes = tagMACLen * 5 / 8
	maxTagID    = 32
)

// b32 is lower-case base32 without padding.
var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// MailHash is the mail part of a tag for the ledger key mailKey: four
// base32 characters (20 bits) of its SHA-256.
func MailHash(mailKey string) string {
	h := sha256.Sum256([]byte(mailKey))
	return b32.EncodeToString(h[:3])[:mailLen]
}

// VERPTag returns the tag of kind for the subscriber and the mail whose
// ledger key is mailKey. The id must be 1 to 32 lower-case letters and
// digits, as the store makes them; anything else is ErrMalformed.
func (s *Signer) VERPTag(kind TagKind, subscriber, mailKey string) (string, error) {
	if !validKind(kind) || !validTagID(subscriber) {
		return "", ErrMalformed
	}
	payload := string(kind) + subscriber + MailHash(mailKey)
	return payload + s.tagMAC(payload), nil
}

// VERPVerify checks a tag found in an address (case ignored) and returns
// what it names. ErrMalformed: not a tag's shape; ErrSignature: not made
// with this key.
func (s *Signer) VERPVerify(tag string) (Tag, error) {
	tag = strings.ToLower(tag)
	if len(tag) < 1+1+mailLen+tagMACLen || len(tag) > 1+maxTagID+mailLen+tagMACLen {
		return Tag{}, ErrMalformed
	}
	payload, mac := tag[:len(tag)-tagMACLen], tag[len(tag)-tagMACLen:]
	kind, id, mail := TagKind(payload[0]), payload[1:len(payload)-mailLen], payload[len(payload)-mailLen:]
	if !validKind(kind) || !validTagID(id) || !validB32(mail) || !validB32(mac) {
		return Tag{}, ErrMalformed
	}
	if !hmac.Equal([]byte(mac), []byte(s.tagMAC(payload))) {
		return Tag{}, ErrSignature
	}
	return Tag{Kind: kind, Subscriber: id, Mail: mail}, nil
}

func (s *Signer) tagMAC(payload string) string {
	return b32.EncodeToString(s.mac(verp, payload)[:tagMACBytes])
}

func validKind(k TagKind) bool { return k == TagBounce || k == TagUnsubscribe }

// validTagID reports whether id can stand in a tag: 1 to maxTagID
// lower-case letters and digits.
func validTagID(id string) bool {
	if id == "" || len(id) > maxTagID {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// validB32 reports whether s is made of b32's characters only.
func validB32(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}
