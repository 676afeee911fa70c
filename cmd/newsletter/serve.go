package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/satina/newsletter/internal/app"
	"github.com/satina/newsletter/internal/config"
)

// serve runs the web side, the worker or both until ctx ends.
func serve(ctx context.Context, cmd string, stderr io.Writer) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogFormat, stderr)
	if cfg.PprofAddr != "" {
		go servePprof(ctx, cfg.PprofAddr, log)
	}
	a, err := app.New(ctx, cfg, app.Deps{Log: log})
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Run(ctx, app.Mode(cmd))
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
