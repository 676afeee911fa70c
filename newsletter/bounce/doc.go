// Package bounce reads the mail that comes back to the newsletter's return
// path and says what it means: a permanent or temporary delivery failure,
// an abuse complaint, a request to unsubscribe, or nothing to act on.
//
// It understands delivery status notifications (RFC 3464, including the
// ones Postfix, Sendmail, Gmail and Microsoft 365 send), abuse reports in
// the Abuse Reporting Format (RFC 5965, as AOL, Yahoo and Microsoft's JMRP
// send them), and the common plain-text bounces of qmail, Exim, Yahoo,
// older Sendmail, Gmail and Exchange.
//
// Every mail the service sends carries the envelope sender
// <local>+<tag>@<domain>, built from RETURN_PATH (VERP), and the same
// address form with another tag in its List-Unsubscribe mailto. Parse finds
// that tag wherever it can (the addresses the report was delivered to, the
// Return-Path or List-Unsubscribe of the attached original) and hands it
// back as Report.Tag, unverified: checking its signature, and so finding
// the subscriber, is the caller's job. When no tag is found, the caller can
// still match the attached original by Report.OriginalMessageID or
// Report.Original.
//
// Parse never panics and bounds its work: it reads at most MaxMessageBytes
// of a message, MaxPartBytes of any one part, and MaxParts parts.
package bounce
