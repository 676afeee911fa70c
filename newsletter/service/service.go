package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/drip"
	"github.com/satina/newsletter/sequences"
)

// Service is the core the HTTP side and the CLI call: signups, consent,
// confirmation, leaving, a subscriber's own data, letters and imports.
type Service struct {
	Store           Store
	Sequences       *sequences.Set
	DefaultSequence string
	DefaultTZ       *time.Location
	Clock           newsletter.Clock
	Log             *slog.Logger
	// Wake, when set, tells an in-process worker that work is due now.
	Wake func()

	funnel funnelBuffer // signups counted, not yet written (funnel.go)
}

// Store is what the use cases need of the store: newsletter.Store and
// the sequence controls and counters. redisstore.Store implements it.
type Store interface {
	newsletter.Store
	SequenceStore
	StatsStore
}

// SignupRequest is one signup as the web side decoded and validated it.
type SignupRequest struct {
	Email, Name, Sequence, TZ string
	IP                        string // already truncated for the consent record
	Source                    string // "form" or "api"
	// Limit, when set, counts this signup against the client's limit in
	// the same write; past it Signup stores nothing and returns ErrLimited.
	Limit newsletter.Limit
}

// SignupResult says what a signup did; the web side answers the same way
// whatever it is, so that nobody can learn who is subscribed.
type SignupResult string

// The outcomes of a signup.
const (
	SignupCreated      SignupResult = "created"    // new address, confirmation queued
	SignupResent       SignupResult = "resent"     // pending, confirmation queued again
	SignupThrottled    SignupResult = "throttled"  // pending, confirmation sent recently (or three in all)
	SignupAlreadyThere SignupResult = "already"    // confirmed: nothing sent
	SignupReturned     SignupResult = "returned"   // had unsubscribed; confirmation queued
	SignupSuppressed   SignupResult = "suppressed" // bounced or complained: nothing sent
)

// SignupStore stores a signup in one step, whoever the address belongs to
// (redisstore.Store.Signup): the same work for a new, pending, confirmed,
// unsubscribed, bounced or complained address, so that neither the answer
// nor its time tells them apart. The outcome is one of the SignupResult
// values.
type SignupStore interface {
	Signup(ctx context.Context, n newsletter.NewSubscriber) (id, outcome string, err error)
}

// Signup records a signup and queues the confirmation mail, in one call
// to the store (SignupStore, which Store must implement) whatever the
// address: a new or unsubscribed address gets a confirmation; a pending
// one gets it again at most once per ConfirmResendInterval and three times
// in all; a confirmed, bounced or complained one gets nothing. It returns
// FieldErrors for an unknown sequence.
func (s *Service) Signup(ctx context.Context, r SignupRequest) (SignupResult, error) {
	if r.Sequence == "" {
		r.Sequence = s.DefaultSequence
	}
	if _, ok := s.Sequences.Get(r.Sequence); !ok {
		return "", newsletter.FieldErrors{"sequence": fmt.Sprintf("There is no sequence called %q.", r.Sequence)}
	}
	now := s.Clock.Now()
	n := newsletter.NewSubscriber{
		Email: newsletter.NormalizeEmail(r.Email), Name: r.Name, Sequence: r.Sequence, TZ: newsletter.ValidTZ(r.TZ),
		Status: newsletter.StatusPending, At: now,
		Consent: newsletter.Consent{Text: newsletter.ConsentText, Version: newsletter.ConsentVersion, Source: r.Source, IP: r.IP, GivenAt: now},
		Limit:   r.Limit,
	}
	store, ok := s.Store.(SignupStore)
	if !ok {
		return "", fmt.Errorf("signup: the store (%T) cannot store a signup in one step", s.Store)
	}
	_, outcome, err := store.Signup(ctx, n)
	if err != nil {
		return "", err
	}
	switch result := SignupResult(outcome); result {
	case SignupCreated, SignupResent, SignupReturned:
		s.wake()
		return result, nil
	case SignupThrottled, SignupAlreadyThere, SignupSuppressed:
		return result, nil
	default:
		return "", fmt.Errorf("signup: unknown outcome %q", outcome)
	}
}

// Confirm confirms the subscriber id and enrols it in its sequence, whose
// first step is then due at once (or at its window's next opening). It is
// idempotent: confirming twice changes nothing the second time, and
// changed reports whether this call confirmed.
func (s *Service) Confirm(ctx context.Context, id string) (sub *newsletter.Subscriber, changed bool, err error) {
	sub, err = s.Store.Subscriber(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if sub.Status != newsletter.StatusPending {
		return sub, false, nil
	}
	now := s.Clock.Now()
	probe := *sub
	probe.LastStep, probe.LastSentAt, probe.Consent.ConfirmedAt = "", now, now
	var due time.Time
	if _, d, ok := drip.Next(s.Sequences, &probe, s.DefaultTZ); ok {
		due = d
	}
	changed, err = s.Store.Confirm(ctx, id, now, due)
	if err != nil {
		return nil, false, err
	}
	if changed {
		sub.Status, sub.Consent.ConfirmedAt = newsletter.StatusConfirmed, now
		s.log().Info("subscriber confirmed", "subscriber", id, "sequence", sub.Sequence)
		s.wake()
	}
	return sub, changed, nil
}

// Unsubscribe stops all mail to the subscriber at once. Unsubscribing an
// erased or already unsubscribed subscriber is not an error.
func (s *Service) Unsubscribe(ctx context.Context, id string) error {
	sub, err := s.Store.Subscriber(ctx, id)
	if errors.Is(err, newsletter.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if sub.Status == newsletter.StatusUnsubscribed {
		return nil
	}
	return s.Store.SetStatus(ctx, id, newsletter.StatusUnsubscribed, s.Clock.Now())
}

// Erase deletes everything kept about the subscriber.
func (s *Service) Erase(ctx context.Context, id string) error {
	err := s.Store.Erase(ctx, id)
	if errors.Is(err, newsletter.ErrNotFound) {
		return nil
	}
	return err
}

// Export is everything stored about one subscriber, as they download it.
type Export struct {
	Email     string             `json:"email"`
	Name      string             `json:"name"`
	Status    newsletter.Status  `json:"status"`
	Sequence  string             `json:"sequence"`
	Step      int                `json:"step"`
	TZ        string             `json:"tz"`
	CreatedAt time.Time          `json:"created_at"`
	Consent   newsletter.Consent `json:"consent"`
	Sends     []newsletter.Send  `json:"sends"`
}

// Export gathers the subscriber's data.
func (s *Service) Export(ctx context.Context, id string) (*Export, error) {
	sub, err := s.Store.Subscriber(ctx, id)
	if err != nil {
		return nil, err
	}
	sends, err := s.Store.Sends(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Export{
		Email: sub.Email, Name: sub.Name, Status: sub.Status, Sequence: sub.Sequence, Step: sub.Step,
		TZ: sub.TZ, CreatedAt: sub.CreatedAt, Consent: sub.Consent, Sends: sends,
	}, nil
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func (s *Service) wake() {
	if s.Wake != nil {
		s.Wake()
	}
}
