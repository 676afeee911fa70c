// Package docs holds the documents that ship inside the binary: the
// OpenAPI description of the admin API, which the service serves at
// GET /admin/api/openapi.json, and the operator's page on the mail the
// service sends.
package docs

import _ "embed"

// OpenAPI is openapi.json: the OpenAPI 3.0 description of every route
// under /admin/api, checked against the live router by the web package's
// tests. Treat it as read-only: it is shared by every response.
//
//go:embed openapi.json
var OpenAPI []byte

// Mail is mail.md: what mail the service sends, its headers, footer and
// links, and what is never in it.
//
//go:embed mail.md
var Mail []byte
