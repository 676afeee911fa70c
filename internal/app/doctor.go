package app

import (
	"context"
	"time"

	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/newsletter/doctor"
	"github.com/satina/newsletter/newsletter/mailer"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// DoctorConfig is what `newsletter doctor` and the checks at start look
// at: the mail setup as the world will meet it and whether Redis keeps
// what it is given.
func DoctorConfig(cfg *config.Config) doctor.Config {
	dc := doctor.Config{MailFrom: cfg.Mail.From, BaseURL: cfg.BaseURL, PostalAddress: cfg.PostalAddress,
		DKIMSelector: cfg.Mail.DKIMSelector, DKIMKeyFile: cfg.Mail.DKIMKeyFile, ReturnPath: cfg.ReturnPath}
	if s, err := mailer.ParseURL(cfg.Mail.URL); err == nil && cfg.Mail.URL != "" {
		dc.SMTPHost = s.Host
	}
	if cfg.Redis != nil {
		opts := cfg.Redis
		dc.Persistence = func(ctx context.Context) (doctor.RedisPersistence, error) {
			rdb := redisstore.Open(opts)
			defer rdb.Close()
			p, err := redisstore.Persistence(ctx, rdb)
			if err != nil {
				return doctor.RedisPersistence{}, err
			}
			return doctor.RedisPersistence{AppendOnly: p.AppendOnly, AppendFsync: p.AppendFsync, RDBSaves: p.RDBSaves}, nil
		}
	}
	return dc
}

// logDoctor runs the doctor's checks in the background at start and logs
// what it warns about (the DNS lookups must not hold the start up).
func (a *App) logDoctor(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	doctor.Log(ctx, a.Log, doctor.Run(ctx, DoctorConfig(a.Config)))
}
