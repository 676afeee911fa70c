package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"

	"github.com/satina/newsletter/newsletter"
)

// signupInput is the signup as a form or a JSON body carries it.
type signupInput struct {
	Email    string      `json:"email" form:"email" validate:"required,max=254,oneline,address"`
	Name     string      `json:"name" form:"name" validate:"max=100,oneline"`
	Consent  consentFlag `json:"consent" form:"consent" validate:"required"`
	Sequence string      `json:"sequence" form:"sequence" validate:"max=64,oneline"`
	TZ       string      `json:"tz" form:"tz" validate:"max=64,oneline"`
	Website  string      `json:"website" form:"website"`
	Redirect string      `json:"-" form:"redirect"`
}

// errConsentType is a consent that is neither a boolean, a number nor a
// string (an object or a list).
var errConsentType = errors.New("consent must be true")

// consentFlag is the consent checkbox: true, "true", "on", "yes" or "1".
type consentFlag string

// UnmarshalJSON takes a JSON boolean, number or string.
func (f *consentFlag) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		if x {
			*f = "true"
		} else {
			*f = ""
		}
	case float64:
		*f = consentFlag(fmt.Sprint(x))
	case string:
		*f = consentFlag(x)
	case nil:
		*f = ""
	default:
		return errConsentType
	}
	return nil
}

func (f consentFlag) given() bool {
	switch strings.ToLower(strings.TrimSpace(string(f))) {
	case "true", "on", "yes", "1":
		return true
	}
	return false
}

// Messages people read next to a field, by field and validation tag.
var fieldMessages = map[string]map[string]string{
	"email": {
		"required": "Please enter your email address.",
		"":         "That doesn't look like an email address. Could you check it?",
	},
	"name": {
		"max": "Please keep your name to 100 characters or fewer.",
		"":    "Please write your name on one line, without special characters.",
	},
	"consent": {
		"": "Please tick the box, so that I may send you the guide and the weekly tips.",
	},
	"sequence": {"": "That isn't a sequence I know."},
	"tz":       {"": "That isn't a time zone I know."},
}

// validatorSet wraps one validator with our own rules.
type validatorSet struct {
	v *validator.Validate
}

func newValidator() *validatorSet {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string { return strings.Split(f.Tag.Get("json"), ",")[0] })
	// oneline: valid UTF-8 with no control characters and no Unicode line
	// or paragraph separators (so no CR/LF header injection, no NUL).
	_ = v.RegisterValidation("oneline", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		if !utf8.ValidString(s) {
			return false
		}
		return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) }) < 0
	})
	// address: a plain address as imports require (newsletter.CheckEmail:
	// no quoted local part, no second "@", a dotted domain), made of
	// visible characters only (no zero-width spaces). It stands in for the
	// validator's own "email", whose regular expression cost a tenth of a
	// signup's CPU; it refuses all that "email" refused
	// (TestAddressRefusesWhatEmailRefused).
	_ = v.RegisterValidation("address", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		if newsletter.CheckEmail(newsletter.NormalizeEmail(s)) != nil {
			return false
		}
		return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) || unicode.IsSpace(r) }) < 0
	})
	return &validatorSet{v: v}
}

// check validates in and returns one message per bad field.
func (vs *validatorSet) check(in *signupInput) map[string]string {
	errs := map[string]string{}
	if err := vs.v.Struct(in); err != nil {
		if ves, ok := err.(validator.ValidationErrors); ok {
			for _, fe := range ves {
				field := fe.Field()
				if _, seen := errs[field]; seen {
					continue
				}
				errs[field] = message(field, fe.Tag())
			}
		} else {
			errs["_"] = "The request could not be checked."
		}
	}
	if _, bad := errs["consent"]; !bad && !in.Consent.given() {
		errs["consent"] = message("consent", "")
	}
	return errs
}

func message(field, tag string) string {
	m := fieldMessages[field]
	if s, ok := m[tag]; ok {
		return s
	}
	if s, ok := m[""]; ok {
		return s
	}
	return "This value is not valid."
}
