package web

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/metrics"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/templates"
)

// Size limits for requests.
const (
	PublicBodyLimit = 64 << 10 // public endpoints
	AdminBodyLimit  = 16 << 20 // the admin API (imports)
	HeaderLimit     = 16 << 10 // request line and headers together
)

// Store is what the web side reads directly; everything that changes
// subscribers goes through service.Service.
type Store interface {
	Ping(ctx context.Context) error
	// Health is "" when the store can take writes, else what stands in
	// the way (see redisstore.Store.Health).
	Health(ctx context.Context) string
	SendingState(ctx context.Context) (newsletter.Sending, error)
	Subscriber(ctx context.Context, id string) (*newsletter.Subscriber, error)
	Subscribers(ctx context.Context, status newsletter.Status, offset, limit int) ([]*newsletter.Subscriber, int, error)
	SubscriberByEmail(ctx context.Context, email string) (*newsletter.Subscriber, error)
	Hit(ctx context.Context, key string, at time.Time, window time.Duration) (int64, time.Time, error)
	newsletter.Letters
	adminStore
	guessStore
	imageStore // desk_images.go
}

// Config wires a Server.
type Config struct {
	Service       *service.Service
	Store         Store
	Signer        *token.Signer
	Metrics       *metrics.Metrics
	Site          templates.Site
	AdminToken    string
	WebhookSecret string // shared secret of the provider bounce/complaint webhook; empty turns it off
	MetricsToken  string // bearer token of GET /metrics; empty: /metrics answers 404
	// AuthorTZ is AUTHOR_TZ: the desk shows and reads times in it; nil
	// is DEFAULT_TZ.
	AuthorTZ       *time.Location
	TrustedProxies []netip.Prefix
	SignupLimit    int // per client IP per hour; 0 turns the limit off
	Log            *slog.Logger
	Clock          newsletter.Clock
	// Composer renders previews on the author's desk: the same layout,
	// footer and headers as the worker's mail. Previews are off when nil.
	Composer *compose.Composer
	// TestSender sends one test mail at once through the mail transport
	// (see newsletter.SendOne). Test mail is off when nil.
	TestSender func(ctx context.Context, m *newsletter.Message) error
	// AuthorEmail is the author's own address, where the desk sends a
	// sequence step's test (REPLY_TO's address, else MAIL_FROM's); empty:
	// no step test.
	AuthorEmail string
	// Feedback wires the bounce and complaint webhooks and the
	// suppression list (hook_routes.go).
	Feedback FeedbackConfig
}

// Server is the HTTP side.
type Server struct {
	cfg   Config
	app   *fiber.App
	valid *validatorSet
}

// New builds the routes.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	// Whatever the web side logs (paths, errors) goes through the redactor:
	// no whole address, no token, no signed link (guard_log.go).
	cfg.Log = slog.New(RedactingHandler(cfg.Log.Handler()))
	s := &Server{cfg: cfg, valid: newValidator()}
	s.app = fiber.New(fiber.Config{
		AppName: "newsletter",
		// The most any route takes; headerReceived sets each request's
		// own limit before its body is read (guard_body.go).
		BodyLimit:             AdminBodyLimit,
		ReadBufferSize:        HeaderLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
		// Multipart bodies are read when a handler asks (after the public
		// 64 KiB limit), not by the server for every request: a broken one
		// is then the handler's clear 400, and no one can make the server
		// spool files to disk on a public endpoint.
		DisablePreParseMultipartForm: true,
	})
	s.app.Server().HeaderReceived = s.headerReceived
	s.routes()
	return s
}

// App returns the Fiber app, for Listen and for tests.
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Shutdown stops accepting connections and waits for requests in flight,
// at most until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

func (s *Server) routes() {
	a := s.app
	a.Use(s.recoverer, s.securityHeaders, compressText())
	// The signup limit counts every POST /subscribe, also those whose body
	// is refused; the admin guard answers a locked-out client 429 before
	// its body is read (guard_guess.go).
	a.Use("/subscribe", s.signupGuard)
	a.Use("/admin/api", s.apiGuard)
	a.Use(s.bodyGuard)
	a.Use("/admin", s.deskPolicy)
	a.Get("/", s.landing)
	a.Get("/favicon.svg", static("favicon.svg", "image/svg+xml"))
	a.Get("/robots.txt", robots)
	a.Options("/subscribe", s.cors)
	a.Post("/subscribe", s.cors, publicLimit, s.subscribe)
	a.Get("/thanks", s.thanks)
	a.Get("/confirm/:token", s.confirmPage)
	a.Post("/confirm/:token", publicLimit, s.confirm)
	a.Get("/unsubscribe/:token", s.unsubscribePage)
	a.Post("/unsubscribe/:token", publicLimit, s.unsubscribe)
	a.Get("/me/:token", s.mePage)
	a.Get("/me/:token/export", s.meExport)
	a.Post("/me/:token/erase", publicLimit, s.meErase)
	a.Get("/download/:token", s.download)
	a.Get("/letters", s.letters)
	a.Get("/letters/feed.xml", s.feed)
	a.Get("/letters/:id", s.letterPage)
	s.hookRoutes()
	a.Get("/healthz", s.healthz)
	a.Get("/metrics", s.metricsHandler())
	s.adminAPIRoutes()
	s.adminUIRoutes()
}

// publicLimit answers 413 for a public request body over PublicBodyLimit.
// bodyGuard already did for every route but the admin's; this states it
// on the route, on the bytes as received (never decoded).
func publicLimit(c *fiber.Ctx) error {
	if len(c.Request().Body()) > PublicBodyLimit {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "The request body is over 64 KiB.")
	}
	return c.Next()
}

// recoverer turns a panic into a logged 500 rather than a dropped
// connection; no input should reach it.
func (s *Server) recoverer(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Log.Error("panic in handler", "path", c.Path(), "panic", r)
			err = fiber.NewError(fiber.StatusInternalServerError, "Something went wrong on our side.")
		}
	}()
	return c.Next()
}

// securityHeaders sets the headers every response carries: the page CSP
// (guard_csp.go), no referrer (every link a reader follows from /me or a
// token page would otherwise carry the token), no framing, and HSTS when
// BASE_URL is https.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "interest-cohort=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.secureCookies() {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	return c.Next()
}

// robotsTxt keeps crawlers out of the token pages and the desk; a token
// link that leaks somewhere public is then at least not followed.
const robotsTxt = `User-agent: *
Disallow: /confirm/
Disallow: /unsubscribe/
Disallow: /me/
Disallow: /download/
Disallow: /admin
Disallow: /subscribe
`

func robots(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.SendString(robotsTxt)
}

// wantsJSON reports whether the answer should be JSON: API paths, JSON
// bodies and clients that ask for it.
func wantsJSON(c *fiber.Ctx) bool {
	if strings.HasPrefix(c.Path(), "/admin/api") || strings.HasSuffix(c.Path(), "/export") {
		return true
	}
	ct := string(c.Request().Header.ContentType())
	if strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return true
	}
	accept := c.Get(fiber.HeaderAccept)
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// errorHandler answers every error a handler returns: Fiber errors with
// their code, store outages with 503, anything else with 500 (a bug).
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	code, msg := fiber.StatusInternalServerError, "Something went wrong on our side. Please try again in a moment."
	var fe *fiber.Error
	var fields newsletter.FieldErrors
	switch {
	case errors.As(err, &fields) && wantsJSON(c):
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": fields})
	case errors.As(err, &fields):
		code, msg = fiber.StatusUnprocessableEntity, fields.Error()
	case errors.As(err, &fe):
		code, msg = fe.Code, fe.Message
		if code == fiber.StatusNotFound && msg == "Cannot "+c.Method()+" "+c.Path() {
			msg = "There is nothing at this address."
		}
		if fe == fiber.ErrRequestEntityTooLarge { // from fasthttp: the route's body limit
			msg = s.tooLargeMessage(c)
		}
	case errors.Is(err, newsletter.ErrUnavailable):
		code, msg = fiber.StatusServiceUnavailable, "We can't reach our storage right now. Nothing was lost; please try again in a minute."
		s.cfg.Log.Warn("store unavailable", "path", c.Path(), "err", err)
	case errors.Is(err, newsletter.ErrNotFound):
		code, msg = fiber.StatusNotFound, "There is nothing at this address."
	case errors.Is(err, newsletter.ErrConflict):
		code, msg = fiber.StatusConflict, err.Error()
	default:
		s.cfg.Log.Error("request failed", "path", c.Path(), "err", err)
	}
	if code == fiber.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, "30")
	}
	return s.fail(c, code, msg)
}

// fail answers code with msg as JSON or as a page.
func (s *Server) fail(c *fiber.Ctx, code int, msg string) error {
	if wantsJSON(c) {
		return c.Status(code).JSON(fiber.Map{"error": msg})
	}
	return s.page(c.Status(code), "message", templates.Message{
		Site: s.cfg.Site, Status: code, Title: titleFor(code), Message: msg, Link: "/", LinkText: "Back to the start",
	})
}

func titleFor(code int) string {
	switch {
	case code == fiber.StatusNotFound:
		return "Nothing here"
	case code == fiber.StatusTooManyRequests:
		return "Slow down a little"
	case code == fiber.StatusServiceUnavailable:
		return "Back in a moment"
	case code >= 500:
		return "Something went wrong"
	default:
		return "That didn't work"
	}
}

// page renders a page template as the response.
func (s *Server) page(c *fiber.Ctx, name string, data any) error {
	c.Type("html", "utf-8")
	return templates.Page(c.Response().BodyWriter(), name, data)
}

func static(name, contentType string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		b, ok := templates.Static(name)
		if !ok {
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderContentType, contentType)
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		return c.Send(b)
	}
}

func (s *Server) healthz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if trouble := s.cfg.Store.Health(ctx); trouble != "" {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable",
			"reason": "Redis: " + healthReasons[trouble]})
	}
	st, err := s.cfg.Store.SendingState(ctx)
	if err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "reason": "Redis: not answering"})
	}
	out := toSendingJSON(st)
	return c.JSON(fiber.Map{"status": "ok", "sending": out.State, "reason": out.Reason})
}

// healthReasons words the store's trouble for /healthz.
var healthReasons = map[string]string{
	"unreachable": "not answering", "loading": "loading its data", "read-only": "read-only (a replica, or a failover under way)",
	"out-of-memory": "out of memory", "cluster-down": "the cluster is down", "moved": "the cluster is moving slots",
	"try-again": "busy, asks to try again", "no-perm": "the Redis user may not write (check its ACL)",
	"unavailable": "not answering",
}

func (s *Server) metricsHandler() fiber.Handler {
	if s.cfg.Metrics == nil || s.cfg.MetricsToken == "" {
		return func(c *fiber.Ctx) error { return fiber.ErrNotFound }
	}
	h := adaptor.HTTPHandler(promhttp.HandlerFor(s.cfg.Metrics.Registry, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		if !bearerIs(c.Get(fiber.HeaderAuthorization), s.cfg.MetricsToken) {
			return fiber.ErrNotFound // no hint that anything is here
		}
		return h(c)
	}
}
