// Package mailbox reads the bounce mailbox (BOUNCE_MAILBOX), an IMAP
// folder, and removes each message once it has been handled.
//
// ParseURL reads the folder's URL; a Reader polls it: Poll once, Run at
// least once a minute until its context ends. A message is deleted only
// when its Handler returns nil, so one whose handling failed (the store was
// down, say) is read again at the next poll. Logs name the mailbox with
// its user name masked and never show the password.
package mailbox
