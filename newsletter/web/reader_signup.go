package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/templates"
)

func (s *Server) landingData() templates.Landing {
	return templates.Landing{
		Site: s.cfg.Site, ConsentText: newsletter.ConsentText, ConsentVersion: newsletter.ConsentVersion,
	}
}

func (s *Server) landing(c *fiber.Ctx) error {
	data := s.landingData()
	data.Sequence = c.Query("sequence")
	if len(data.Sequence) > 64 {
		data.Sequence = ""
	}
	return s.page(c, "landing", data)
}

func (s *Server) thanks(c *fiber.Ctx) error {
	return s.page(c, "message", templates.Message{
		Site: s.cfg.Site, Title: "Please check your inbox",
		Message: "I've sent you an email with a link. Open it and press the button to confirm, " +
			"and the guide is on its way at once. Nothing arrives? Look in the spam folder, or sign up again in ten minutes.",
		Link: "/", LinkText: "Back to the start",
	})
}

// cors lets a form on the author's own site post with fetch. No cookies
// are involved, so any origin may.
func (s *Server) cors(c *fiber.Ctx) error {
	c.Set("Access-Control-Allow-Origin", "*")
	c.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	c.Set("Access-Control-Allow-Headers", "Content-Type, Accept")
	c.Set("Access-Control-Max-Age", "86400")
	if c.Method() == fiber.MethodOptions {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Next()
}

// subscribe takes a signup as a form or JSON. signupGuard, in front of it,
// counts the request toward SIGNUP_LIMIT; a valid signup is counted in the
// store's own write (the request's signupMeter says so), and a signup the
// store refuses for the limit becomes errSignupLimited (429).
//
// Every address gets the same answer, in the same time: new, pending,
// confirmed, unsubscribed or suppressed, the store does the same one
// round trip (see service.Signup), so nobody can learn who is subscribed.
func (s *Server) subscribe(c *fiber.Ctx) error {
	isJSON, in, err := decodeSignup(c)
	var fe newsletter.FieldErrors
	switch {
	case errors.As(err, &fe):
		return s.signupInvalid(c, isJSON, in, fe)
	case err != nil:
		return err
	}
	if errs := s.valid.check(in); len(errs) > 0 {
		return s.signupInvalid(c, isJSON, in, errs)
	}
	result := service.SignupResult("honeypot")
	if in.Website == "" {
		meter := signupMeterOf(c)
		var limit newsletter.Limit
		if meter != nil {
			limit = meter.limit
		}
		result, err = s.cfg.Service.Signup(c.UserContext(), service.SignupRequest{
			Email: in.Email, Name: strings.TrimSpace(in.Name), Sequence: in.Sequence, TZ: in.TZ,
			IP: truncateIP(s.clientIP(c)), Source: map[bool]string{true: "api", false: "form"}[isJSON], Limit: limit,
		})
		if meter != nil && !errors.As(err, &fe) { // the store counted it (or failed, and counting would fail too)
			meter.counted = true
		}
		switch {
		case errors.Is(err, newsletter.ErrLimited):
			return errSignupLimited
		case errors.As(err, &fe): // refused before the store counted it
			return s.signupInvalid(c, isJSON, in, fe)
		case err != nil:
			return err
		}
		s.cfg.Service.CountSignup(result)
	}
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.Signups.WithLabelValues(string(result)).Inc()
	}
	if isJSON {
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "pending"})
	}
	return c.Redirect(s.thanksURL(c, in.Redirect), fiber.StatusSeeOther)
}

// tooMany answers 429 with the seconds until the limit's window ends.
func (s *Server) tooMany(c *fiber.Ctx, now, reset time.Time) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(reset.Sub(now).Seconds())+1))
	return s.fail(c, fiber.StatusTooManyRequests, "Too many signups from your address this hour. Please try again later.")
}

func (s *Server) signupInvalid(c *fiber.Ctx, isJSON bool, in *signupInput, errs map[string]string) error {
	if isJSON {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": errs})
	}
	data := s.landingData()
	data.Errors, data.Email, data.Name, data.Sequence = errs, in.Email, in.Name, in.Sequence
	return s.page(c.Status(fiber.StatusUnprocessableEntity), "landing", data)
}

// decodeSignup reads a JSON or form body; 400 when it does not parse (or
// is not a JSON object), 415 for other content types, and FieldErrors
// (422) for a field of the wrong type.
func decodeSignup(c *fiber.Ctx) (bool, *signupInput, error) {
	in := &signupInput{}
	ct := strings.ToLower(string(c.Request().Header.ContentType()))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationJSON):
		err := json.Unmarshal(c.Body(), in)
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field == "":
			return true, in, errNotObject
		case errors.As(err, &te):
			return true, in, newsletter.FieldErrors{te.Field: fmt.Sprintf("The field %q has the wrong type.", te.Field)}
		case errors.Is(err, errConsentType):
			return true, in, newsletter.FieldErrors{"consent": message("consent", "")}
		case err != nil:
			return true, nil, fiber.NewError(fiber.StatusBadRequest, "The body is not valid JSON.")
		}
		return true, in, nil
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm), strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		if err := c.BodyParser(in); err != nil {
			return false, nil, fiber.NewError(fiber.StatusBadRequest, "The form could not be read.")
		}
		return false, in, nil
	default:
		return false, nil, fiber.NewError(fiber.StatusUnsupportedMediaType, "Send the signup as a form or as JSON.")
	}
}

// thanksURL is where a form signup goes next: back to the page it came
// from when it asked (an embedded form), else /thanks. Only the request's
// own origin is allowed, so the field cannot make an open redirect.
func (s *Server) thanksURL(c *fiber.Ctx, redirect string) string {
	if redirect == "" {
		return "/thanks"
	}
	u, err := url.Parse(redirect)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(redirect, "\r\n") {
		return "/thanks"
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		if ref, err := url.Parse(c.Get(fiber.HeaderReferer)); err == nil && ref.Host != "" {
			origin = ref.Scheme + "://" + ref.Host
		}
	}
	if origin != "" && origin == u.Scheme+"://"+u.Host {
		return u.String()
	}
	return "/thanks"
}
