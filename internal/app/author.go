package app

import (
	"net/mail"

	"github.com/satina/newsletter/internal/config"
)

// authorEmail is the author's own address, where the desk sends a test of
// a sequence step: REPLY_TO's address when set (where readers' answers
// reach her), else MAIL_FROM's; empty when neither parses.
func authorEmail(cfg *config.Config) string {
	for _, v := range []string{cfg.ReplyTo, cfg.Mail.From} {
		if a, err := mail.ParseAddress(v); err == nil && a.Address != "" {
			return a.Address
		}
	}
	return ""
}
