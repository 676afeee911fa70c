// Package newsletter is the domain of the service: subscribers, their
// consent, letters, the jobs that carry mail, and the interfaces that the
// storage (redisstore), the mail transport (mailer), the HTTP side (web) and
// the sending loop (worker) implement or use.
//
// The package owns the rules: who may be written to, when a drip step is
// due, what a signup or an erasure changes. It knows nothing of Redis,
// SMTP or HTTP.
package newsletter
