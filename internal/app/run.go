package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/satina/newsletter/newsletter/worker"
)

// ShutdownTimeout bounds a graceful stop: requests and sends in flight get
// this long to finish after SIGTERM.
const ShutdownTimeout = 20 * time.Second

// Mode says which parts of the service a process runs.
type Mode string

// The modes of `newsletter serve`, `newsletter web` and `newsletter worker`.
const (
	Serve  Mode = "serve"  // the web side and the worker
	Web    Mode = "web"    // the web side alone
	Worker Mode = "worker" // the worker alone
)

// Run runs the parts of mode until ctx ends or one of them fails, then
// stops them gracefully within ShutdownTimeout.
func (a *App) Run(ctx context.Context, mode Mode) error {
	log := a.Log
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.Guard.Run(runCtx)
	}()
	if !a.noDoctor {
		go a.logDoctor(runCtx)
	}
	if mode != Web {
		if a.Worker.Limiter != nil {
			log.Info("sending is rate limited", "limit", a.Config.MailRate)
		}
		if err := a.Worker.Reconcile(ctx); err != nil {
			log.Warn("could not reconcile edited sequences; will try at next start", "err", err)
		}
		wg.Add(3)
		go func() {
			defer wg.Done()
			worker.Housekeep(runCtx, a.Store, a.Clock, a.Config.PendingRetention, 10*time.Minute, log)
		}()
		go func() {
			defer wg.Done()
			a.Worker.WatchLetters(runCtx)
		}()
		go func() {
			defer wg.Done()
			log.Info("worker started", "concurrency", a.Config.Concurrency, "sequences", a.Sequences.IDs())
			errs <- a.Worker.Run(runCtx)
		}()
		if a.Config.BounceMailbox != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a.readBounces(runCtx)
			}()
		}
	}
	if mode != Worker {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-runCtx.Done()
			sctx, scancel := context.WithTimeout(context.Background(), ShutdownTimeout)
			defer scancel()
			_ = a.Web.Shutdown(sctx)
		}()
		go func() {
			if err := a.listen(); err != nil {
				errs <- fmt.Errorf("ADDR %s: %w", a.Config.Addr, err)
			}
		}()
	}
	var first error
	select {
	case <-ctx.Done():
	case first = <-errs:
	}
	log.Info("shutting down", "timeout", ShutdownTimeout)
	cancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(ShutdownTimeout + 5*time.Second):
		log.Warn("shutdown timed out; claimed work returns when its lease ends")
	}
	return first
}

// listen serves the web side on the given listener, or on ADDR.
func (a *App) listen() error {
	if a.listener != nil {
		err := a.Web.App().Listener(a.listener)
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		return err
	}
	a.Log.Info("listening", "addr", a.Config.Addr, "base_url", a.Config.BaseURL)
	return a.Web.Listen(a.Config.Addr)
}
