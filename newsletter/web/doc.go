// Package web is the HTTP side of the service, on Fiber. Its files are
// named for the audience they serve:
//
//   - reader_*: the pages and links a reader meets: the landing page and
//     signup (validated with go-playground/validator), confirm,
//     unsubscribe, the subscriber's own data (/me), the guide, and the
//     public archive of letters with its feed.
//   - desk*: the author's desk at /admin: sign-in and sessions, the
//     overview, writing letters, subscribers and sequences.
//   - api*: the admin API under /admin/api, for scripts and other tools.
//   - hook_*: the webhooks mail providers call with bounces and complaints.
//   - server.go, clientip.go: the router, middleware, errors, health and
//     metrics that every audience shares.
//
// Handlers are thin: they decode, call service.Service or the store, and
// choose a status code. Bad input gets a 4xx with a message; a store that
// cannot be reached gets a 503; nothing a client sends can cause a 500.
package web
