package web

import (
	"math/rand/v2"
	"testing"

	"github.com/go-playground/validator/v10"
)

// The signup's "address" rule stands in for the validator's "email" (a
// regular expression that cost a tenth of a signup's CPU). It must refuse
// every address "email" refused: 300,000 mutations of a plain address with
// the characters where the two could part (quotes, brackets, controls,
// zero-width and non-ASCII letters, letters and emoji beyond U+FFFF, digits
// in the top-level domain) find none that the signup form now takes and
// "email" would not; so do the cases a review found.
func TestAddressRefusesWhatEmailRefused(t *testing.T) {
	vs := newValidator()
	email := validator.New()
	alphabet := []rune("ab.-_+@@..é日\u00a0\ufffd\ufffc!#$%&'*/=?^`{|}~01 \"()[]:;<>,\\\u200bxn--üΩ\u0301\t\u3000Ⅸ²٣😀𝐚𠀀")
	for _, s := range []string{"😀@example.com", "a\ufffc@example.com", "a@𠀀.cn", "𝐚@example.com", "a@example.𝐜𝐨𝐦", "a@b.xn--123"} {
		if len(vs.check(&signupInput{Email: s, Consent: "true"})) == 0 {
			t.Errorf("the form takes %q", s)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	accepted := 0
	for i := 0; i < 300000; i++ {
		b := []rune("a@b.cd")
		for range r.IntN(4) + 1 {
			pos := r.IntN(len(b) + 1)
			c := alphabet[r.IntN(len(alphabet))]
			switch {
			case r.IntN(3) == 0:
				b = append(b[:pos], append([]rune{c}, b[pos:]...)...)
			case pos < len(b) && r.IntN(2) == 0:
				b[pos] = c
			case pos < len(b):
				b = append(b[:pos], b[pos+1:]...)
			}
		}
		s := string(b)
		if len(vs.check(&signupInput{Email: s, Consent: "true"})) > 0 {
			continue
		}
		accepted++
		if email.Var(s, "email") != nil {
			t.Errorf("the form takes %q, which the validator's email refuses", s)
		}
	}
	if accepted < 1000 {
		t.Errorf("only %d of the mutations were valid addresses: the test proves little", accepted)
	}
}
