// Package doctor checks the service's setup as the outside world meets it:
// the DNS records that decide whether letters land in the inbox (DKIM, SPF,
// DMARC), the public BASE_URL, the postal address bulk mail must carry, and
// whether Redis keeps its data across a restart.
//
// Run performs every check and returns one Result per check, each ok, warn
// or fail, with a fix written for an author who is not a mail admin. Print
// renders them for the `newsletter doctor` command; Log writes the warnings
// and failures to a slog.Logger at service start.
//
// DNS questions go straight to one resolver over UDP (TCP when an answer
// is truncated) with github.com/miekg/dns: Config.Resolver when set,
// otherwise the first server of /etc/resolv.conf that answers. Nothing is
// cached beyond one Run.
//
// Dev mode: with no SMTP host (SMTP_URL empty, mail goes to the outbox
// folder) nothing reaches a mailbox yet, so the DKIM, SPF and DMARC checks
// make no DNS queries and report ok "not sending yet", reminding the author
// to run the doctor again once SMTP_URL is set. The same holds when
// MAIL_FROM is at localhost. The other checks run in every mode.
//
// Output never holds a secret: not the private key, not SMTP credentials,
// not the local part of any address (only domains are named).
package doctor
