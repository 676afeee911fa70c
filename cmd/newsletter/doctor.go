package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/satina/newsletter/internal/app"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/newsletter/doctor"
)

// doctorCommand checks the setup as the world will meet it (DKIM, SPF,
// DMARC, https, the postal address, Redis persistence) and prints ok, warn
// or fail with the fix for each; it exits 1 when anything fails.
func doctorCommand(stdout, stderr io.Writer) int {
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintf(stderr, "newsletter doctor: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if doctor.Print(stdout, doctor.Run(ctx, app.DoctorConfig(cfg))) > 0 {
		return 1
	}
	return 0
}
